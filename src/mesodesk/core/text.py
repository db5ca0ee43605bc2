"""People's names and free text as mesodesk stores them, from every way in (web pages,
portal, API, CLI): one validator, so that a name looks the same wherever it is shown.

Text is NFC-normalised (an "é" typed as e + accent and as one character is one name),
trimmed of spaces and invisible characters, and refused when it holds a control
character, a lone surrogate or a bidirectional control: a right-to-left override
(U+202E) makes "Anna\u202eztiw" display as another name in every list it appears in.
"""

from __future__ import annotations

import unicodedata

from mesodesk.core.errors import InputError

# Embeddings, overrides, isolates and the directional marks: they reorder how the text
# around them is displayed.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Characters that show nothing; text of only these (and spaces) is empty. The joiners
# (U+200C, U+200D) are needed inside words of some scripts and emoji, so only trimmed.
INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
# Newlines and tabs are allowed in text of several lines (a reason, the details of a
# report); in a name or a one-line field they are control characters like any other.
_MULTILINE_ALLOWED = frozenset("\n\t")


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def clean_text(value: str, field: str, *, multiline: bool = False) -> str:
    """`value` normalised (NFC) and trimmed; "" when nothing visible is left. Raises an
    `InputError` on `field` for a control character, a lone surrogate or a bidirectional
    control."""
    if not isinstance(value, str):
        raise InputError(field, "expected text")
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise InputError(field, f"contains an invalid character ({_codepoint(char)})")
        if char in BIDI_CONTROLS:
            raise InputError(field, f"contains a character that reorders text ({_codepoint(char)})")
        allowed = multiline and char in _MULTILINE_ALLOWED
        if (category == "Cc" or category in {"Zl", "Zp"}) and not allowed:
            raise InputError(field, f"contains a control character ({_codepoint(char)})")
    return _trim(unicodedata.normalize("NFC", value))


def _trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or text[start] in INVISIBLE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in INVISIBLE):
        end -= 1
    return text[start:end]


def require_text(value: str, field: str, *, multiline: bool = False) -> str:
    """`clean_text`, refusing text with nothing visible in it."""
    text = clean_text(value, field, multiline=multiline)
    if not text:
        raise InputError(field, "is empty")
    return text


def pattern(*, multiline: bool = False) -> str:
    """A regular expression (JSON Schema's `pattern`) for the text `require_text` accepts,
    so that an API's document can say it: no forbidden character, one visible one."""

    def escaped(chars: str) -> str:
        return "".join(f"\\u{ord(c):04x}" for c in sorted(chars))

    controls = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f" if multiline else "\\x00-\\x1f"
    bidi = escaped("".join(BIDI_CONTROLS))
    forbidden = f"{controls}\\x7f-\\x9f\\u2028\\u2029\\ud800-\\udfff{bidi}"
    visible = f"[^{forbidden}\\s{escaped(INVISIBLE)}]"
    return f"^[^{forbidden}]*{visible}[^{forbidden}]*$"
