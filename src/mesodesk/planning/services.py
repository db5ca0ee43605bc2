"""Every change to treatment plans goes through these functions."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import closed_weekdays, closures_between
from mesodesk.core.inputs import InputError
from mesodesk.core.library import Library, load_library
from mesodesk.core.planner import plan_series
from mesodesk.patients.models import IntakeVersion, Patient
from mesodesk.patients.services import screen_patient
from mesodesk.planning.choices import PlanStatus
from mesodesk.planning.models import PlannedSession, TreatmentPlan
from mesodesk.planning.selectors import active_plan, core_plan
from mesodesk.protocols.services import load_protocol_library

# The planner's flags, as the fields of create_plan they come from.
_PLANNER_FIELDS = {"--sessions": "sessions", "--closed": "first_session"}
# Closures further ahead than this cannot move a session of any library template.
_HORIZON = timedelta(days=5 * 366)


def _check_content(plan: TreatmentPlan, library: Library) -> None:
    """Refuses (ValidationError keyed by field) content the library does not know."""
    try:
        core_plan(plan, library)
    except InputError as error:
        field = error.field.removeprefix("plan.")
        raise ValidationError({field: ValidationError(error.message, code="invalid")}) from None


def _refusal(field: str, message: str, code: str) -> ValidationError:
    # Built this way so the code survives: Django drops `code=` given with a dict.
    return ValidationError({field: ValidationError(message, code=code)})


def _rescreen(clinic: Clinic, patient: Patient, plan: TreatmentPlan, by: User) -> None:
    # A patient without an intake has nothing to screen yet; their first intake will be
    # screened with this plan.
    if IntakeVersion.objects.filter(clinic=clinic, patient=patient).exists():
        screen_patient(clinic=clinic, patient=patient, plan=plan, by=by)


@transaction.atomic
def create_plan(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User,
    indication: str,
    areas: list[str],
    ingredients: list[str],
    technique: str,
    schedule_template: str,
    first_session: datetime,
    sessions: int | None = None,
    massage_approved: bool = False,
) -> TreatmentPlan:
    """A treatment plan with its sessions planned from a library schedule template.

    Sessions are moved later off the clinic's closed weekdays and closures. The patient is
    screened again with the plan (when they have an intake). ValidationError keyed by
    field; a patient has at most one active plan.
    """
    if patient.clinic_id != clinic.pk:
        raise Patient.DoesNotExist("patient not found")
    library = load_library()
    plan = TreatmentPlan(
        clinic=clinic,
        patient=patient,
        indication=indication,
        areas=list(areas),
        ingredients=list(ingredients),
        technique=technique,
        massage_approved=massage_approved,
    )
    _check_content(plan, library)
    schedule = library.schedules.get(schedule_template)
    if schedule is None:
        known = ", ".join(sorted(library.schedules))
        raise _refusal(
            "schedule_template",
            f"Unknown schedule template {schedule_template!r} ({known}).",
            "unknown_template",
        )
    if timezone.is_naive(first_session):
        raise _refusal("first_session", "Give a date and time with its time zone.", "naive")
    first = first_session.astimezone(zoneinfo.ZoneInfo(clinic.time_zone))
    holidays = closures_between(clinic, first.date(), first.date() + _HORIZON)
    try:
        series = plan_series(
            schedule,
            first=first,
            sessions=sessions,
            closed=closed_weekdays(clinic),
            holidays=holidays,
        )
    except InputError as error:
        raise _refusal(
            _PLANNER_FIELDS.get(error.field, error.field), error.message, "invalid"
        ) from None
    # Lock the patient so two plans created at once cannot both be active.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    if active_plan(clinic, patient) is not None:
        raise _refusal("patient", "The patient has an active plan; close it first.", "active_plan")
    plan.areas = list(dict.fromkeys(plan.areas))
    plan.ingredients = list(dict.fromkeys(plan.ingredients))
    plan.schedule_template = schedule.code
    plan.session_count = len(series.sessions)
    plan.first_session_date = series.sessions[0].starts_at.date()
    plan.status = PlanStatus.ACTIVE
    plan.protocol_version = load_protocol_library(library=library)
    plan.created_by = by
    plan.created_at = timezone.now()
    plan._history_user = by  # type: ignore[attr-defined] # read by simple-history
    plan.save()
    PlannedSession.objects.bulk_create(
        PlannedSession(
            clinic=clinic,
            plan=plan,
            number=s.n,
            target_date=s.starts_at.date(),
            starts_at=s.starts_at,
        )
        for s in series.sessions
    )
    _rescreen(clinic, patient, plan, by)
    return plan


def _locked_active(clinic: Clinic, plan: TreatmentPlan) -> TreatmentPlan:
    locked = TreatmentPlan.objects.select_for_update().filter(clinic=clinic, pk=plan.pk).first()
    if locked is None:
        raise TreatmentPlan.DoesNotExist("plan not found")
    if locked.status != PlanStatus.ACTIVE:
        raise _refusal("plan", "The plan is closed.", "closed")
    return locked


@transaction.atomic
def update_plan(
    *,
    clinic: Clinic,
    plan: TreatmentPlan,
    by: User,
    indication: str | None = None,
    areas: list[str] | None = None,
    ingredients: list[str] | None = None,
    technique: str | None = None,
    massage_approved: bool | None = None,
) -> TreatmentPlan:
    """Changes what an active plan treats and with what, and screens the patient again.

    The planned dates stay as they are. ValidationError keyed by field.
    """
    locked = _locked_active(clinic, plan)
    library = load_library()
    if indication is not None:
        locked.indication = indication
    if areas is not None:
        locked.areas = list(areas)
    if ingredients is not None:
        locked.ingredients = list(ingredients)
    if technique is not None:
        locked.technique = technique
    if massage_approved is not None:
        locked.massage_approved = massage_approved
    _check_content(locked, library)
    locked.areas = list(dict.fromkeys(locked.areas))
    locked.ingredients = list(dict.fromkeys(locked.ingredients))
    locked.protocol_version = load_protocol_library(library=library)
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    locked.save()
    _rescreen(clinic, locked.patient, locked, by)
    return locked


@transaction.atomic
def close_plan(*, clinic: Clinic, plan: TreatmentPlan, by: User) -> TreatmentPlan:
    """Marks an active plan closed (finished or abandoned); its history stays."""
    locked = _locked_active(clinic, plan)
    locked.status = PlanStatus.CLOSED
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    locked.save(update_fields=["status"])
    return locked
