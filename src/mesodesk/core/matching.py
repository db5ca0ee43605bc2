"""Recognising what patients write: "Advil 200 mg", "Lantus (insulin glargine) 20 units".

Text is folded to lower-case ASCII words; a vocabulary maps word sequences (synonyms) to
codes. Matching takes the longest known sequence at each position and ignores the rest
(doses, strengths, "at night"), so extra words never hide a known name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+")

# Words too general to name anything on their own; a synonym may not be just one of these.
STOPWORDS = frozenset(
    {
        "a", "an", "and", "at", "cream", "daily", "dose", "for", "gel", "in", "mg", "ml",
        "morning", "night", "of", "oil", "on", "or", "pill", "pills", "tablet", "tablets",
        "the", "to", "units", "vitamin", "vitamins", "with",
    }
)  # fmt: skip


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """Fold case and accents and split into words: "Xylocaïne 2%" -> ("xylocaine", "2")."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return tuple(_WORD.findall(text.lower()))


def mentions(text: str, phrases: Iterable[str]) -> bool:
    """Whether `text` contains one of `phrases` as whole words ("for my headaches")."""
    tokens = words(text)
    for phrase in phrases:
        key = words(phrase)
        size = len(key)
        if size and any(tokens[i : i + size] == key for i in range(len(tokens) - size + 1)):
            return True
    return False


# Endings other languages give drug names: French, German and Dutch "insuline",
# "warfarine"; Spanish, Italian and Portuguese "insulina", "heparina".
_ENDINGS = ("e", "a")


def spelling_variants(name: str) -> list[str]:
    """`name` with one word at a time given another language's ending: "insulin glargine"
    -> "insuline glargine", "insulina glargine", "insulin glargina". Only words of five
    letters or more, never digits."""
    tokens = words(name)
    out = []
    for i, word in enumerate(tokens):
        if len(word) < 5 or not word.isalpha():
            continue
        if word[-1] not in "aeiouy":
            endings = [word + end for end in _ENDINGS]
        elif word[-1] == "e":
            endings = [word[:-1] + "a"]
        else:
            continue
        out += [" ".join((*tokens[:i], other, *tokens[i + 1 :])) for other in endings]
    return out


class Vocabulary:
    """Maps word sequences to the codes they name."""

    __slots__ = ("_index", "_longest")

    def __init__(self, entries: Mapping[tuple[str, ...], frozenset[str]]):
        self._index = dict(entries)
        self._longest = max((len(k) for k in self._index), default=0)

    @classmethod
    def build(cls, named: Iterable[tuple[str, Iterable[str]]]) -> Vocabulary:
        """From (code, names) pairs; a name shared by several codes names all of them."""
        index: dict[tuple[str, ...], set[str]] = {}
        for code, names in named:
            for name in names:
                key = words(name)
                if key:
                    index.setdefault(key, set()).add(code)
        return cls({key: frozenset(codes) for key, codes in index.items()})

    def find(self, text: str) -> frozenset[str]:
        """Every code named in `text` (longest match first, left to right)."""
        tokens = words(text)
        found: set[str] = set()
        i, n, index = 0, len(tokens), self._index
        while i < n:
            for size in range(min(self._longest, n - i), 0, -1):
                codes = index.get(tokens[i : i + size])
                if codes is not None:
                    found |= codes
                    i += size
                    break
            else:
                i += 1
        return frozenset(found)
