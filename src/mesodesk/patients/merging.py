"""Merging a duplicate patient record into the one to keep (a state change, as in
services.py; its own module because it reaches every app that holds patient rows).

Nothing is deleted or rewritten: every row of the duplicate that belongs to the patient
(intakes, screenings, plans, appointments, reminders, consents, reports, …) is re-pointed
to the kept record; rows that cannot move without breaking a one-per-patient rule (a second
calendar feed, a second pending deletion request) stay on the duplicate, which is kept,
marked as merged into the other, and linked from it. Access events are the audit trail
of who read which record: they stay as they were, reached through the link. A
PatientMerge row lists every row that moved or stayed, and the intakes' new numbers.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import membership
from mesodesk.messaging.services import refresh_patient_reminders
from mesodesk.patients.choices import Sex
from mesodesk.patients.models import IntakeVersion, Patient, PatientMerge
from mesodesk.planning.choices import PlanStatus
from mesodesk.planning.models import TreatmentPlan
from mesodesk.refusals import refusal as _refusal

# Rows that stay with the record they were written about (see the module's docstring).
_STAY = {"audit.AccessEvent", "patients.PatientMerge", "patients.Patient"}
# Contact details the kept record takes from the duplicate when it has none of its own.
_FILL = ("birth_date", "email", "phone")


def _patient_links() -> list[tuple[type[models.Model], models.ForeignKey[Any, Any]]]:
    """Every (model, field) that points at a patient, but history tables (simple-history
    keeps them as they were) and the rows that stay."""
    links = []
    for model in apps.get_models():
        if model._meta.label in _STAY or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is Patient:
                links.append((model, field))
    return links


def rows_to_move(patient: Patient) -> dict[str, int]:
    """How many rows of each kind a merge would move from `patient` ("Appointments": 3),
    by the models' plural names, kinds without rows left out. For the confirmation page."""
    counts: dict[str, int] = {}
    for model, field in _patient_links():
        n = model._default_manager.filter(**{field.name: patient}).count()
        if n:
            name = str(model._meta.verbose_name_plural).capitalize()
            counts[name] = counts.get(name, 0) + n
    return counts


def _check(clinic: Clinic, kept: Patient, merged: Patient, by: User, reason: str) -> None:
    member = membership(clinic, by)
    if member is None or member.role != Role.ADMIN:
        raise _refusal("by", "Only an admin of the clinic can merge records.", "permission_denied")
    if kept.clinic_id != clinic.pk or merged.clinic_id != clinic.pk:
        raise Patient.DoesNotExist("patient not found")
    if kept.pk == merged.pk:
        raise _refusal("kept", "A record cannot be merged into itself.", "same")
    if kept.merged_into_id is not None or merged.merged_into_id is not None:
        raise _refusal("kept", "One of the records was merged already.", "merged")
    if not reason.strip():
        raise _refusal("reason", "Say why these records are the same person.", "required")
    if (
        kept.portal_user_id is not None
        and merged.portal_user_id is not None
        and kept.portal_user_id != merged.portal_user_id
    ):
        raise _refusal(
            "kept",
            "Both records have their own portal account; the patient must keep one. Ask "
            "them which address they use, and have them delete the other account first.",
            "two_accounts",
        )
    active = TreatmentPlan.objects.filter(
        clinic=clinic, patient__in=(kept, merged), status=PlanStatus.ACTIVE
    ).values("patient_id")
    if len({row["patient_id"] for row in active}) == 2:
        raise _refusal(
            "kept",
            "Both records have an active treatment plan; complete or cancel one first.",
            "two_active_plans",
        )


def _renumber_intakes(clinic: Clinic, kept: Patient, merged: Patient) -> dict[str, list[int]]:
    """Both records' intakes as one history, numbered again in the order they were given
    (their answers are untouched). Returns {intake id: [old number, new number, patient
    id before]}."""
    rows = list(
        IntakeVersion.objects.filter(clinic=clinic, patient__in=(kept, merged)).order_by(
            "created_at", "id"
        )
    )
    top = (
        IntakeVersion.objects.filter(clinic=clinic, patient__in=(kept, merged)).aggregate(
            n=Max("number")
        )["n"]
        or 0
    )
    # Out of the way first, so that no two rows ever share (patient, number) on the way.
    # `update()` on purpose: an intake version's save() refuses any change.
    for intake in rows:
        IntakeVersion.objects.filter(pk=intake.pk).update(number=top + intake.number + len(rows))
    renumbered = {}
    for new, intake in enumerate(rows, start=1):
        IntakeVersion.objects.filter(pk=intake.pk).update(patient=kept, number=new)
        renumbered[str(intake.pk)] = [intake.number, new, intake.patient_id]
    return renumbered


def _move_rows(kept: Patient, merged: Patient) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    moved: dict[str, list[int]] = {}
    stayed: dict[str, list[int]] = {}
    for model, field in _patient_links():
        if model is IntakeVersion:
            continue
        ids = list(
            model._default_manager.filter(**{field.name: merged}).values_list("pk", flat=True)
        )
        for pk in ids:
            try:
                # One savepoint per row: a row that would break a one-per-patient rule (a
                # second calendar feed) stays behind without undoing the others.
                with transaction.atomic():
                    model._default_manager.filter(pk=pk).update(**{field.name: kept})
            except IntegrityError:
                stayed.setdefault(model._meta.label, []).append(pk)
            else:
                moved.setdefault(model._meta.label, []).append(pk)
    return moved, stayed


@transaction.atomic
def merge_patients(
    *, clinic: Clinic, kept: Patient, merged: Patient, by: User, reason: str
) -> PatientMerge:
    """Moves everything of `merged` (a duplicate of the same person) to `kept`, and marks
    `merged` as merged into it; an admin of the clinic, with a reason.

    The kept record takes the duplicate's birth date, e-mail, phone, sex and portal account
    where it has none. ValidationError with a code: "permission_denied" (not an admin),
    "same", "merged" (either record merged already), "required" (no reason),
    "two_accounts" (each has its own portal account), "two_active_plans". Both rows are
    locked; the kept patient's reminders are computed again.
    """
    locked = {
        p.pk: p
        for p in Patient.objects.select_for_update()
        .filter(clinic=clinic, pk__in=(kept.pk, merged.pk))
        .order_by("pk")
    }
    if kept.pk not in locked or merged.pk not in locked:
        raise Patient.DoesNotExist("patient not found")
    kept, merged = locked[kept.pk], locked[merged.pk]
    _check(clinic, kept, merged, by, reason)

    renumbered = _renumber_intakes(clinic, kept, merged)
    moved, stayed = _move_rows(kept, merged)
    from_merged = [int(pk) for pk, (_, _, was) in renumbered.items() if was == merged.pk]
    if from_merged:
        moved["patients.IntakeVersion"] = from_merged

    details = []
    for name in _FILL:
        if not getattr(kept, name) and getattr(merged, name):
            setattr(kept, name, getattr(merged, name))
            details.append(name)
    if kept.sex == Sex.UNKNOWN and merged.sex != Sex.UNKNOWN:
        kept.sex = merged.sex
        details.append("sex")
    account = merged.portal_user
    if kept.portal_user_id is None and account is not None:
        details.append("portal_user")
    now = timezone.now()
    merged.portal_user = None
    merged.merged_into = kept
    merged.merged_at = now
    merged._history_user = by  # type: ignore[attr-defined] # read by simple-history
    merged._change_reason = f"merged into {kept.pk}: {reason.strip()}"  # type: ignore[attr-defined]
    merged.save(update_fields=["portal_user", "merged_into", "merged_at"])
    if "portal_user" in details:
        kept.portal_user = account
    kept._history_user = by  # type: ignore[attr-defined]
    kept._change_reason = f"record {merged.pk} merged in: {reason.strip()}"  # type: ignore[attr-defined]
    kept.save()

    record = PatientMerge.objects.create(
        clinic=clinic,
        kept=kept,
        merged=merged,
        by=by,
        at=now,
        reason=reason.strip(),
        moved={"rows": moved, "stayed": stayed, "renumbered": renumbered, "details": details},
    )
    # The kept patient's contact details and appointments may both have changed.
    refresh_patient_reminders(clinic=clinic, patient=kept)
    return record
