"""Cross-checks of a parsed library: every reference resolves, every rule is sourced."""

from __future__ import annotations

import re
from collections.abc import Iterable, Set
from datetime import timedelta
from typing import Any

from mesodesk.core.library.entries import Problem
from mesodesk.core.library.loader import Parsed
from mesodesk.core.library.model import Citation, Conflict, Phase, Rule, Selector
from mesodesk.core.matching import STOPWORDS, words

# Hooks the screening engine implements; a `special` outside this set is a typo.
SPECIAL_HOOKS = frozenset(
    {
        "ingredient_allergy",
        "unrecognized_medication",
        "unrecognized_allergy",
        "unrecognized_procedure",
    }
)
APPROVALS = frozenset({"massage"})
# The first figure of a conflict's `chosen` ("48 hours, none at all"), which must be the
# figure the rule applies, so that what staff read is what patients get.
_FIGURE = re.compile(r"(\d+)\s*(minute|hour|day|week)s?\b")
_UNIT = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
INTAKE_FLAGS = frozenset({"pregnant", "breastfeeding"})


def check(parsed: Parsed) -> list[Problem]:
    """All cross-reference problems, each naming its file and entry."""
    problems: list[Problem] = []
    sources = {s.id for s in parsed.sources}
    conditions = {t.code for t in parsed.terms["condition"]}
    classes = {c.code for c in parsed.substance_classes}
    ingredients = {i.code for i in parsed.ingredients}
    groups = {t.code for t in parsed.terms["ingredient_group"]}
    procedure_classes = {t.code for t in parsed.terms["procedure_class"]}
    techniques = {t.code for t in parsed.terms["technique"]}
    device_types = {d.code for d in parsed.device_types}

    def where(table: str, code: str) -> str:
        return parsed.origin.get((table, code), "?")

    def report(table: str, code: str, message: str) -> None:
        problems.append(Problem(where(table, code), f"{table} {code!r}", message))

    def cites(
        table: str, code: str, citations: Iterable[Citation], conflict: Conflict | None
    ) -> None:
        for citation in citations:
            if citation.source not in sources:
                report(table, code, f"cites unknown source {citation.source!r}")
        if conflict is not None:
            for source, _ in conflict.values:
                if source not in sources:
                    report(table, code, f"conflict names unknown source {source!r}")

    def refs(table: str, code: str, kind: str, used: Iterable[str], known: Set[str]) -> None:
        for name in used:
            if name not in known:
                report(table, code, f"refers to unknown {kind} {name!r}")

    def selector(table: str, code: str, s: Selector) -> None:
        refs(table, code, "intake field", s.intake, INTAKE_FLAGS)
        refs(table, code, "condition", s.conditions, conditions)
        refs(table, code, "substance class", s.medication_classes, classes)
        refs(table, code, "ingredient", s.allergy_ingredients, ingredients)
        refs(table, code, "ingredient", s.plan_ingredients, ingredients)
        refs(table, code, "procedure class", s.procedure_classes, procedure_classes)
        refs(table, code, "technique", s.plan_techniques, techniques)
        if s.special is not None and s.special not in SPECIAL_HOOKS:
            report(table, code, f"unknown special hook {s.special!r}")
        if s.fitzpatrick_at_least is not None and not 1 <= s.fitzpatrick_at_least <= 6:
            report(table, code, "fitzpatrick_at_least must be 1 to 6")

    for source in parsed.sources:
        if source.kind == "seed" and not source.label.endswith(".txt"):
            report("source", source.id, f"a seed is named by its file, got {source.label!r}")
    for table, terms in parsed.terms.items():
        for term in terms:
            cites(table, term.code, term.sources, None)
    for klass in parsed.substance_classes:
        cites("substance_class", klass.code, klass.sources, None)
    cited_classes = {c.code for c in parsed.substance_classes if c.members_cited}
    for substance in parsed.substances:
        refs("substance", substance.code, "substance class", substance.classes, classes)
        cites("substance", substance.code, substance.sources, None)
        if substance.sources and substance.addition:
            report(
                "substance", substance.code, "cites a source and is an addition: one or the other"
            )
        elif cited_classes.intersection(substance.classes) and not (
            substance.sources or substance.addition
        ):
            report(
                "substance",
                substance.code,
                "its class needs each member to cite its own source or be an `addition`",
            )
    for ingredient in parsed.ingredients:
        cites("ingredient", ingredient.code, ingredient.sources, None)
        refs("ingredient", ingredient.code, "ingredient group", [ingredient.group], groups)
    for allergen in parsed.allergens:
        refs("allergen", allergen.code, "ingredient", allergen.ingredients, ingredients)
    for procedure in parsed.procedures:
        refs("procedure", procedure.code, "procedure class", procedure.classes, procedure_classes)
    for device_type in parsed.device_types:
        cites("device_type", device_type.code, device_type.sources, None)
        if device_type.technique is not None:
            refs("device_type", device_type.code, "technique", [device_type.technique], techniques)
    for device in parsed.devices:
        cites("device", device.code, device.sources, None)
        refs("device", device.code, "device type", [device.device_type], device_types)
    for contra in parsed.contraindications:
        cites("contraindication", contra.code, contra.sources, contra.conflict)
        selector("contraindication", contra.code, contra.when)
    for rule in parsed.rules:
        cites("rule", rule.code, rule.sources, rule.conflict)
        selector("rule", rule.code, rule.when)
        if rule.approval is not None and rule.approval not in APPROVALS:
            report("rule", rule.code, f"unknown approval {rule.approval!r}")
        if rule.phase is not Phase.PREP and rule.lead_days is not None:
            report("rule", rule.code, "lead_days belongs to preparation items only")
        disagreement = _chosen_disagrees(rule)
        if disagreement:
            report("rule", rule.code, disagreement)
    for table, items in (
        ("side_effect", parsed.side_effects),
        ("red_flag", parsed.red_flags),
        ("adverse_event", parsed.adverse_events),
        ("scale", parsed.scales),
        ("rejected", parsed.rejected),
    ):
        for item in items:
            cites(table, item.code, item.sources, None)
    for schedule in parsed.schedules:
        cites("schedule", schedule.code, schedule.sources, schedule.conflict)
        lo, hi = schedule.maintenance_from_days, schedule.maintenance_until_days
        if (lo is None) != (hi is None) or (lo is not None and hi is not None and lo > hi):
            report("schedule", schedule.code, "maintenance needs from <= until, both or neither")
    for fact in parsed.facts:
        cites("fact", fact.code, fact.sources, fact.conflict)
    _check_consent_texts(parsed, techniques, report, cites)
    if parsed.session is not None:
        cites("session", "defaults", parsed.session.sources, parsed.session.conflict)
    if parsed.injection is not None:
        cites("injection", "figures", parsed.injection.sources, None)
    for technique in parsed.injection_techniques:
        cites("injection_technique", technique.code, technique.sources, technique.conflict)
        if technique.device_type is not None:
            refs(
                "injection_technique",
                technique.code,
                "device type",
                [technique.device_type],
                device_types,
            )

    # Rules, contraindications and facts share one namespace: clinic overrides name them.
    seen: dict[str, str] = {}
    for table, codes in (
        ("contraindication", [c.code for c in parsed.contraindications]),
        ("rule", [r.code for r in parsed.rules]),
        ("fact", [f.code for f in parsed.facts]),
    ):
        for code in codes:
            if code in seen and seen[code] != table:
                report(table, code, f"code is also used by a {seen[code]}")
            seen[code] = table

    _check_synonyms(parsed, problems)
    return problems


def _chosen_disagrees(rule: Rule) -> str:
    """Why the conflict's chosen figure is not the figure the rule applies, or ""."""
    found = _FIGURE.search(rule.conflict.chosen) if rule.conflict is not None else None
    if found is None:
        return ""
    amount, unit = int(found.group(1)), found.group(2)
    said = amount * _UNIT[unit]
    if rule.phase is Phase.PREP:
        # Preparation counts calendar days from local midnight: hours would be untrue.
        if unit not in {"day", "week"} or said != timedelta(days=rule.lead_days or 0):
            return (
                f"conflict chooses {found.group(0)!r} but the rule starts "
                f"{rule.lead_days} calendar days before the session day"
            )
        return ""
    applied = rule.before if rule.phase is Phase.DAY_OF else rule.lasts
    if applied is not None and said != applied:
        return f"conflict chooses {found.group(0)!r} but the rule applies {applied}"
    return ""


def _check_synonyms(parsed: Parsed, problems: list[Problem]) -> None:
    """A synonym must name something on its own and mean one thing in its vocabulary."""
    vocabularies = {
        "substance": [(s.code, (s.label, *s.synonyms)) for s in parsed.substances],
        "allergen": [(a.code, (a.label, *a.synonyms)) for a in parsed.allergens]
        + [(i.code, (i.label, *i.synonyms)) for i in parsed.ingredients],
        "procedure": [(p.code, (p.label, *p.synonyms)) for p in parsed.procedures],
    }
    for table, entries in vocabularies.items():
        owner: dict[tuple[str, ...], str] = {}
        for code, names in entries:
            for name in names:
                key = words(name)
                file = parsed.origin.get((table, code)) or parsed.origin.get(
                    ("ingredient", code), "?"
                )
                if not key or (len(key) == 1 and (key[0] in STOPWORDS or key[0].isdigit())):
                    problems.append(
                        Problem(file, f"{table} {code!r}", f"synonym {name!r} names nothing")
                    )
                elif key in owner and owner[key] != code:
                    problems.append(
                        Problem(
                            file, f"{table} {code!r}", f"synonym {name!r} also names {owner[key]!r}"
                        )
                    )
                owner.setdefault(key, code)


CONSENT_PURPOSES = frozenset({"treatment", "lipolysis", "photography", "marketing"})
PHOTOGRAPHY_TIERS = ("clinical", "teaching", "publication")


def _check_consent_texts(parsed: Parsed, techniques: set[str], report: Any, cites: Any) -> None:
    """Consent texts: a known purpose; a treatment text names a technique term and a
    photography text a tier; one text per (purpose, technique, tier); every text sourced."""
    seen: set[tuple[str, str, str]] = set()
    for text in parsed.consent_texts:
        cites("consent_text", text.code, text.sources, None)
        if text.purpose not in CONSENT_PURPOSES:
            report("consent_text", text.code, f"unknown purpose {text.purpose!r}")
        if (text.purpose == "treatment") != bool(text.technique):
            report("consent_text", text.code, "a treatment text (and only one) names a technique")
        if text.technique and text.technique not in techniques:
            report("consent_text", text.code, f"unknown technique {text.technique!r}")
        if (text.purpose == "photography") != (text.tier in PHOTOGRAPHY_TIERS):
            report("consent_text", text.code, "a photography text (and only one) names a tier")
        key = (text.purpose, text.technique, text.tier)
        if key in seen:
            report("consent_text", text.code, "a second text for the same purpose")
        seen.add(key)
