"""An intake read against the library: what each free-text entry names.

Screening and the timeline both start here, so the matching is done once per intake.
"""

from __future__ import annotations

from dataclasses import dataclass

from mesodesk.core.inputs import Intake, Plan
from mesodesk.core.library import Library
from mesodesk.core.library.model import Prescribed, Selector, Substance
from mesodesk.core.matching import mentions


@dataclass(frozen=True, slots=True)
class ResolvedMedication:
    """A medication entry with the substances and classes it names."""

    name: str
    substances: frozenset[str]
    classes: frozenset[str]
    # Prescribed by a doctor, or a prescription-only substance the patient forgot to tick:
    # either way mesodesk never gives it a stop date.
    prescribed: bool


@dataclass(frozen=True, slots=True)
class ResolvedAllergy:
    """An allergy entry with the ingredients it rules out; `known` if the library names it."""

    name: str
    ingredients: frozenset[str]
    known: bool


@dataclass(frozen=True, slots=True)
class ResolvedProcedure:
    """A recent procedure with its classes; `known` if the library names it."""

    name: str
    classes: frozenset[str]
    known: bool


@dataclass(frozen=True, slots=True)
class Resolved:
    """An intake (and optional plan) with every free-text entry recognised."""

    intake: Intake
    plan: Plan | None
    medications: tuple[ResolvedMedication, ...]
    allergies: tuple[ResolvedAllergy, ...]
    procedures: tuple[ResolvedProcedure, ...]


def resolve(intake: Intake, plan: Plan | None, library: Library) -> Resolved:
    medications = []
    for med in intake.medications:
        codes = library.substance_words.find(med.name)
        substances = [library.substances[c] for c in codes]
        classes = frozenset(cls for s in substances for cls in s.classes)
        prescribed = med.prescribed or any(_as_prescribed(s, med.name) for s in substances)
        medications.append(ResolvedMedication(med.name, frozenset(codes), classes, prescribed))
    allergies = []
    for name in intake.allergies:
        codes = library.allergy_words.find(name)
        ingredients: set[str] = set()
        for code in codes:
            allergen = library.allergens.get(code)
            ingredients.update(allergen.ingredients if allergen is not None else (code,))
        allergies.append(ResolvedAllergy(name, frozenset(ingredients), bool(codes)))
    procedures = []
    for proc in intake.recent_procedures:
        codes = library.procedure_words.find(proc.name)
        classes = frozenset(c for code in codes for c in library.procedures[code].classes)
        procedures.append(ResolvedProcedure(proc.name, classes, bool(codes)))
    return Resolved(intake, plan, tuple(medications), tuple(allergies), tuple(procedures))


def _as_prescribed(substance: Substance, entry: str) -> bool:
    """Prescription-only, or a substance that is over the counter only in a clear context
    (aspirin "for headaches") named without one: a clinician must look, and no stop date."""
    if substance.prescription_only:
        return True
    return bool(substance.over_the_counter_if) and not mentions(
        entry, substance.over_the_counter_if
    )


def _prescribed_ok(selector: Selector, med: ResolvedMedication) -> bool:
    if selector.prescribed is Prescribed.ANY:
        return True
    return med.prescribed is (selector.prescribed is Prescribed.YES)


def matched_substances(selector: Selector, r: Resolved, library: Library) -> list[Substance]:
    """The substances of the patient's medications that the selector's classes matched,
    each once: their own sources, or the clinic's additions no source names."""
    if not selector.medication_classes:
        return []
    found: dict[str, Substance] = {}
    for med in r.medications:
        if selector.medication_classes.isdisjoint(med.classes) or not _prescribed_ok(selector, med):
            continue
        for code in sorted(med.substances):
            substance = library.substances[code]
            if not selector.medication_classes.isdisjoint(substance.classes):
                found.setdefault(code, substance)
    return list(found.values())


def select(selector: Selector, r: Resolved) -> tuple[bool, list[str]]:
    """Whether the selector matches, and the patient's own entries it matched.

    Special hooks are the screening engine's business and never match here.
    """
    hit = False
    matched: list[str] = []
    intake = r.intake
    for flag in selector.intake:
        if getattr(intake, flag):
            hit = True
    if selector.conditions:
        for code in intake.conditions:
            if code in selector.conditions:
                hit = True
                matched.append(code)
    if selector.medication_classes:
        wanted = selector.medication_classes
        for med in r.medications:
            if not wanted.isdisjoint(med.classes) and _prescribed_ok(selector, med):
                hit = True
                matched.append(med.name)
    if selector.allergy_ingredients:
        wanted = selector.allergy_ingredients
        for allergy in r.allergies:
            if not wanted.isdisjoint(allergy.ingredients):
                hit = True
                matched.append(allergy.name)
    if selector.any_allergy and r.allergies:
        hit = True
        matched.extend(a.name for a in r.allergies)
    if selector.procedure_classes:
        wanted = selector.procedure_classes
        for proc in r.procedures:
            if not wanted.isdisjoint(proc.classes):
                hit = True
                matched.append(proc.name)
    plan = r.plan
    if plan is not None and (selector.plan_ingredients or selector.plan_techniques):
        for code in plan.ingredients:
            if code in selector.plan_ingredients:
                hit = True
                matched.append(code)
        if plan.technique in selector.plan_techniques:
            hit = True
            matched.append(plan.technique)
    if (
        selector.fitzpatrick_at_least is not None
        and intake.fitzpatrick is not None
        and intake.fitzpatrick >= selector.fitzpatrick_at_least
    ):
        hit = True
    if len(matched) > 1:
        matched = list(dict.fromkeys(matched))
    return hit, matched
