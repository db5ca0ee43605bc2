"""The screening engine (DESIGN 7.3): an intake, maybe a plan, gives a verdict and findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesodesk.core.inputs import Intake, Plan
from mesodesk.core.library import Library
from mesodesk.core.library.model import SEVERITY_RANK, Contraindication, Severity
from mesodesk.core.overrides import NO_OVERRIDES, Overrides
from mesodesk.core.resolve import Resolved, matched_substances, resolve, select

INELIGIBLE, REVIEW, ELIGIBLE = "ineligible", "review", "eligible"


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason for concern, with the patient's entries it is about and its sources."""

    code: str
    label: str
    severity: Severity
    message: str
    sources: tuple[str, ...]
    matched: tuple[str, ...]
    overridden: bool = False
    # Matched substances that no source names: the clinic's additions (staff see them).
    additions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "severity": self.severity.value,
            "message": self.message,
            "sources": list(self.sources),
            "matched": list(self.matched),
            "overridden": self.overridden,
            "additions": list(self.additions),
        }


@dataclass(frozen=True, slots=True)
class Screening:
    """The verdict and its findings, with the protocol version that produced them."""

    verdict: str
    findings: tuple[Finding, ...]
    protocol_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "findings": [f.to_dict() for f in self.findings],
            "protocol_version": self.protocol_version,
        }


def verdict_of(findings: tuple[Finding, ...]) -> str:
    severities = {f.severity for f in findings}
    if Severity.ABSOLUTE in severities:
        return INELIGIBLE
    if Severity.RELATIVE in severities:
        return REVIEW
    return ELIGIBLE


def _special(rule: Contraindication, r: Resolved, library: Library) -> tuple[bool, list[str]]:
    hook = rule.when.special
    if hook == "ingredient_allergy":
        # With no plan, any ingredient the clinic might use counts.
        used = (
            frozenset(r.plan.ingredients) if r.plan is not None else frozenset(library.ingredients)
        )
        names = [a.name for a in r.allergies if a.ingredients & used]
        return bool(names), names
    if hook == "unrecognized_medication":
        names = [m.name for m in r.medications if not m.substances]
        return bool(names), names
    if hook == "unrecognized_allergy":
        names = [a.name for a in r.allergies if not a.known]
        return bool(names), names
    if hook == "unrecognized_procedure":
        names = [p.name for p in r.procedures if not p.known]
        return bool(names), names
    return False, []


def screen_resolved(
    r: Resolved, library: Library, overrides: Overrides = NO_OVERRIDES
) -> Screening:
    findings: list[Finding] = []
    for rule in library.contraindications:
        substances = []
        if rule.when.special is not None:
            hit, matched = _special(rule, r, library)
        else:
            hit, matched = select(rule.when, r)
            substances = matched_substances(rule.when, r, library) if hit else []
        if not hit:
            continue
        override = overrides.get(rule.code)
        severity = rule.severity
        if override is not None and override.severity is not None:
            severity = override.severity
        findings.append(
            Finding(
                code=rule.code,
                label=rule.label,
                severity=severity,
                message=rule.message,
                sources=tuple(
                    library.source_labels(
                        (*rule.sources, *(c for s in substances for c in s.sources))
                    )
                ),
                matched=tuple(matched),
                overridden=severity is not rule.severity,
                additions=tuple(s.label for s in substances if s.addition),
            )
        )
    # Most severe first; the library's order (seed 002's list) within a severity.
    findings.sort(key=lambda f: -SEVERITY_RANK[f.severity])
    ordered = tuple(findings)
    return Screening(verdict_of(ordered), ordered, library.version)


def screen(
    intake: Intake,
    plan: Plan | None = None,
    *,
    library: Library,
    overrides: Overrides = NO_OVERRIDES,
) -> Screening:
    """Screen one intake (and plan) against the library and a clinic's overrides."""
    return screen_resolved(resolve(intake, plan, library), library, overrides)
