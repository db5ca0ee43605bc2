"""The consent gate the other apps ask before a session is booked, started or charted,
and before a photograph is taken or used (CLINIC.md section 3).

A consent counts while it is signed and not withdrawn, whatever version of the text it
was signed on (a new version asks new signers, it does not void earlier signatures).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import router

from mesodesk import rows
from mesodesk.consents.choices import TIER_ORDER, Purpose
from mesodesk.consents.models import ConsentWithdrawal, SignedConsent
from mesodesk.core.library import load_library
from mesodesk.patients.models import Patient

LIPOLYTICS = "lipolytics"


def _valid(patient: Patient) -> Any:
    return SignedConsent.objects.filter(
        clinic_id=patient.clinic_id, patient=patient, withdrawal__isnull=True
    )


def _valid_purposes(patient: Patient) -> set[tuple[str, str]]:
    """The (purpose, technique) of the patient's valid consents: one query in plain SQL
    (mesodesk.rows), asked on every portal booking page and session booking."""
    db = router.db_for_read(SignedConsent)
    found = rows.fetch(_valid_purposes_sql(db), [patient.clinic_id, patient.pk], db)
    return {(str(purpose), str(technique)) for purpose, technique in found}


@cache
def _valid_purposes_sql(db: str) -> str:
    signed, withdrawn = rows.table(SignedConsent, db), rows.table(ConsentWithdrawal, db)
    return (
        f"SELECT s.purpose, s.technique FROM {signed} s"  # noqa: S608 - names from the models, values as parameters
        f" WHERE s.clinic_id = %s AND s.patient_id = %s"
        f" AND NOT EXISTS (SELECT 1 FROM {withdrawn} w WHERE w.consent_id = s.id)"
    )


def lipolysis_ingredients(ingredients: list[str]) -> list[str]:
    """The plan's ingredients that make it injection lipolysis (the library's fat-dissolving
    group: phosphatidylcholine, deoxycholate), by label."""
    library = load_library()
    found = []
    for code in ingredients:
        ingredient = library.ingredients.get(code)
        if code == LIPOLYTICS or (ingredient is not None and ingredient.group == LIPOLYTICS):
            found.append(ingredient.label.lower() if ingredient is not None else code)
    return found


def treatment_consent_missing(
    *, patient: Patient, plan: Any, none_signed: bool = False
) -> str | None:
    """None when valid, unwithdrawn consents cover the plan's technique (any treatment
    consent when there is no plan) and, for fat-dissolving ingredients, injection
    lipolysis; otherwise a sentence saying what is missing. `none_signed`: the caller
    knows the patient has signed no consent at all (no query)."""
    signed = set() if none_signed else _valid_purposes(patient)
    missing = []
    technique = getattr(plan, "technique", "") or ""
    if technique:
        if (Purpose.TREATMENT, technique) not in signed:
            term = load_library().techniques.get(technique)
            label = term.label.lower() if term is not None else technique
            missing.append(f"the treatment consent for {label}")
    elif not any(purpose == Purpose.TREATMENT for purpose, _ in signed):
        missing.append("a treatment consent")
    lipolysis = lipolysis_ingredients(list(getattr(plan, "ingredients", None) or []))
    if lipolysis and not any(purpose == Purpose.LIPOLYSIS for purpose, _ in signed):
        missing.append(f"the injection lipolysis consent (the plan has {', '.join(lipolysis)})")
    if not missing:
        return None
    return f"{patient.first_name} {patient.last_name} has not signed {' and '.join(missing)}."


def photography_allows(*, patient: Patient, tier: str) -> bool:
    """Whether a valid photography consent covers `tier` (clinical, teaching or
    publication); a higher tier covers the lower ones."""
    order = [str(t) for t in TIER_ORDER]
    if tier not in order:
        raise ValueError(f"unknown photography tier {tier!r}")
    wanted = order[order.index(tier) :]
    return _valid(patient).filter(purpose=Purpose.PHOTOGRAPHY, tier__in=wanted).exists()
