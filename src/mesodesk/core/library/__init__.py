"""The protocol library: versioned TOML data files, validated and loaded into dataclasses.

library = load_library()          # raises LibraryError listing every problem
problems = check_library(root)    # [] when the library is sound
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mesodesk.core.library.check import check
from mesodesk.core.library.entries import Problem
from mesodesk.core.library.loader import Parsed, read_files
from mesodesk.core.library.model import (
    AdverseEventTerm,
    Allergen,
    ConsentText,
    Contraindication,
    DeviceModel,
    DeviceType,
    Fact,
    Ingredient,
    InjectionDefaults,
    InjectionTechnique,
    Phase,
    Procedure,
    RedFlag,
    Rejected,
    Rule,
    Scale,
    Schedule,
    SessionDefaults,
    SideEffect,
    Source,
    Substance,
    SubstanceClass,
    Term,
    frozen_map,
)
from mesodesk.core.library.serialize import library_to_dict
from mesodesk.core.matching import Vocabulary, spelling_variants, words

LIBRARY_ROOT = Path(__file__).resolve().parents[2] / "protocols" / "library"

__all__ = ["LIBRARY_ROOT", "Library", "LibraryError", "Problem", "check_library", "load_library"]


class LibraryError(Exception):
    """The library has problems; `problems` lists each with its file and entry."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the protocol library: {problems[0]}")


def content_hash(files: Mapping[str, str]) -> str:
    """SHA-256 over every file's path and text, in path order."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return digest.hexdigest()


def _by_code[T](items: list[T]) -> Mapping[str, T]:
    return frozen_map({item.code: item for item in items})  # type: ignore[attr-defined]


@dataclass(frozen=True, eq=False)
class Library:
    """One immutable version of the protocol library, with lookup indexes built once."""

    name: str
    release: str
    hash: str
    files: Mapping[str, str]
    session: SessionDefaults
    injection: InjectionDefaults
    injection_techniques: Mapping[str, InjectionTechnique]
    sources: Mapping[str, Source]
    conditions: Mapping[str, Term]
    areas: Mapping[str, Term]
    indications: Mapping[str, Term]
    techniques: Mapping[str, Term]
    ingredient_groups: Mapping[str, Term]
    procedure_classes: Mapping[str, Term]
    substance_classes: Mapping[str, SubstanceClass]
    substances: Mapping[str, Substance]
    ingredients: Mapping[str, Ingredient]
    allergens: Mapping[str, Allergen]
    procedures: Mapping[str, Procedure]
    device_types: Mapping[str, DeviceType]
    devices: Mapping[str, DeviceModel]
    contraindications: tuple[Contraindication, ...]
    rules: tuple[Rule, ...]
    side_effects: tuple[SideEffect, ...]
    red_flags: tuple[RedFlag, ...]
    adverse_events: Mapping[str, AdverseEventTerm]
    schedules: Mapping[str, Schedule]
    scales: Mapping[str, Scale]
    facts: tuple[Fact, ...]
    rejected: tuple[Rejected, ...]
    consent_texts: Mapping[str, ConsentText]
    substance_words: Vocabulary
    allergy_words: Vocabulary  # names -> ingredient codes (through allergens too)
    procedure_words: Vocabulary

    @property
    def version(self) -> str:
        """The protocol version a screening, plan or timeline records: release + content hash."""
        return f"{self.release}+{self.hash[:12]}"

    def rules_in(self, phase: Phase) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.phase is phase)

    def rule_codes(self) -> frozenset[str]:
        """Every code a clinic override may name."""
        return frozenset(
            [c.code for c in self.contraindications]
            + [r.code for r in self.rules]
            + [f.code for f in self.facts]
        )

    def source_labels(self, citations: tuple) -> list[str]:  # type: ignore[type-arg]
        """The labels of the sources cited, in order, without repeats."""
        seen: dict[str, None] = {}
        for citation in citations:
            seen[self.sources[citation.source].label] = None
        return list(seen)

    def source_titles(self, citations: tuple) -> list[str]:  # type: ignore[type-arg]
        """The titles of the sources cited, in order, without repeats."""
        return list(dict.fromkeys(self.sources[c.source].title for c in citations))

    def to_dict(self) -> dict:  # type: ignore[type-arg]
        """The whole library as JSON-able data (what `protocol show --format json` prints)."""
        return library_to_dict(self)


def _substance_words(parsed: Parsed) -> Vocabulary:
    """The substances' names, and for the classes that ask for it (the drugs that decide a
    verdict) their spellings in other languages, unless that spelling already names
    something."""
    names = [(s.code, (s.label, *s.synonyms)) for s in parsed.substances]
    known = {words(name) for _, group in names for name in group}
    varied = {c.code for c in parsed.substance_classes if c.spelling_variants}
    variants = [
        (s.code, [v for name in group for v in spelling_variants(name) if words(v) not in known])
        for s, (_, group) in zip(parsed.substances, names, strict=True)
        if varied.intersection(s.classes)
    ]
    return Vocabulary.build([*names, *variants])


def _build(parsed: Parsed) -> Library:
    # read_files reported their absence as problems
    assert parsed.session is not None
    assert parsed.injection is not None
    allergy_names: list[tuple[str, tuple[str, ...]]] = []
    for ingredient in parsed.ingredients:
        allergy_names.append((ingredient.code, (ingredient.label, *ingredient.synonyms)))
    allergen_map = {a.code: a for a in parsed.allergens}
    # An allergen names its ingredients; one with none is known but irrelevant ("pollen").
    allergy_index = Vocabulary.build(
        [*allergy_names, *((a.code, (a.label, *a.synonyms)) for a in parsed.allergens)]
    )
    terms = parsed.terms
    return Library(
        name=parsed.name,
        release=parsed.release,
        hash=content_hash(parsed.files),
        files=frozen_map(parsed.files),
        session=parsed.session,
        injection=parsed.injection,
        injection_techniques=_by_code(parsed.injection_techniques),
        sources=frozen_map({s.id: s for s in parsed.sources}),
        conditions=_by_code(terms["condition"]),
        areas=_by_code(terms["area"]),
        indications=_by_code(terms["indication"]),
        techniques=_by_code(terms["technique"]),
        ingredient_groups=_by_code(terms["ingredient_group"]),
        procedure_classes=_by_code(terms["procedure_class"]),
        substance_classes=_by_code(parsed.substance_classes),
        substances=_by_code(parsed.substances),
        ingredients=_by_code(parsed.ingredients),
        allergens=frozen_map(allergen_map),
        procedures=_by_code(parsed.procedures),
        device_types=_by_code(parsed.device_types),
        devices=_by_code(parsed.devices),
        contraindications=tuple(parsed.contraindications),
        rules=tuple(parsed.rules),
        side_effects=tuple(parsed.side_effects),
        red_flags=tuple(parsed.red_flags),
        adverse_events=_by_code(parsed.adverse_events),
        schedules=_by_code(parsed.schedules),
        scales=_by_code(parsed.scales),
        facts=tuple(parsed.facts),
        rejected=tuple(parsed.rejected),
        consent_texts=_by_code(parsed.consent_texts),
        substance_words=_substance_words(parsed),
        allergy_words=allergy_index,
        procedure_words=Vocabulary.build(
            (p.code, (p.label, *p.synonyms)) for p in parsed.procedures
        ),
    )


def check_library(root: Path = LIBRARY_ROOT) -> list[Problem]:
    """Every problem of the library at `root`; an empty list means it is sound."""
    parsed, problems = read_files(root)
    return problems + check(parsed)


def load_library(root: Path | None = None) -> Library:
    """Read, validate and index the library; the default one is read once per process."""
    if root is None:
        return _default_library()
    return _load(root)


def _load(root: Path) -> Library:
    parsed, problems = read_files(root)
    problems += check(parsed)
    if problems:
        raise LibraryError(problems)
    return _build(parsed)


@cache
def _default_library() -> Library:
    return _load(LIBRARY_ROOT)
