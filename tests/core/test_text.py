"""The one validator of people's names and free text (issue 14, finding 9)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesodesk.core.errors import InputError
from mesodesk.core.text import clean_text, pattern, require_text


def test_a_name_is_normalised_to_nfc_and_trimmed() -> None:
    # "é" as e + combining acute is stored as the one character people search for.
    assert require_text("  Rene\u0301e\u200b ", "first_name") == "Ren\u00e9e"


@pytest.mark.parametrize("name", ["\u200b", " \u200b\u200b ", "\ufeff", "\u2060 ", "   "])
def test_a_name_of_only_invisible_characters_is_refused_as_empty(name: str) -> None:
    with pytest.raises(InputError, match="first_name: is empty"):
        require_text(name, "first_name")


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u2069", "\u200f"])
def test_a_bidirectional_control_is_refused(char: str) -> None:
    with pytest.raises(InputError, match="reorders text"):
        require_text(f"Anna{char}ztiw", "last_name")


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\u0085", "\n", "\u2028"])
def test_a_control_character_is_refused_in_a_name(char: str) -> None:
    with pytest.raises(InputError, match="control character"):
        require_text(f"Anna{char}Lena", "first_name")


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(InputError, match="U\\+D800"):
        require_text("Anna\ud800", "first_name")


def test_text_of_several_lines_keeps_its_newlines_and_tabs_but_no_other_control() -> None:
    assert clean_text("late\r\nagain\tsorry", "reason", multiline=True) == "late\nagain\tsorry"
    with pytest.raises(InputError, match="control character"):
        clean_text("late\x00", "reason", multiline=True)


def test_joiners_inside_a_word_are_kept() -> None:
    # Persian uses the zero-width non-joiner inside words; emoji use the joiner.
    assert (
        require_text("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "x").count("\u200c") == 1
    )


def test_optional_text_with_nothing_visible_is_empty() -> None:
    assert clean_text("\u200b ", "details") == ""


def _accepted(text: str, multiline: bool) -> bool:
    try:
        require_text(text, "x", multiline=multiline)
    except InputError:
        return False
    return True


# Control, format and space characters, where the rules are, with plain letters between.
TRICKY = st.text(
    st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Cs", "Ll", "Mn"]), max_size=8
)


@given(text=TRICKY, multiline=st.booleans())
def test_the_pattern_the_api_documents_accepts_what_the_validator_accepts(
    text: str, multiline: bool
) -> None:
    documented = re.fullmatch(pattern(multiline=multiline), text) is not None
    assert documented == _accepted(text, multiline)
