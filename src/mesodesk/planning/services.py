"""Every change to treatment plans goes through these functions."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import closed_weekdays, closures_between
from mesodesk.core.inputs import InputError
from mesodesk.core.library import Library, load_library
from mesodesk.core.library.model import Schedule
from mesodesk.core.planner import PlannedSession as CoreSession
from mesodesk.core.planner import Series, plan_series
from mesodesk.messaging.services import refresh_reminders
from mesodesk.patients.models import IntakeVersion, Patient
from mesodesk.patients.services import screen_patient
from mesodesk.planning.choices import PlanStatus
from mesodesk.planning.models import PlannedSession, TreatmentPlan
from mesodesk.planning.selectors import active_plan, core_plan, planned_sessions
from mesodesk.protocols.services import load_protocol_library
from mesodesk.refusals import refusal as _refusal
from mesodesk.scheduling.choices import CANCELLED_STATUSES, AppointmentStatus
from mesodesk.scheduling.models import Appointment

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
    schedule = _schedule(library, schedule_template)
    series = _series(clinic, schedule, first_session, sessions)
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
    _add_sessions(clinic, plan, series.sessions)
    _rescreen(clinic, patient, plan, by)
    return plan


def _schedule(library: Library, code: str) -> Schedule:
    schedule = library.schedules.get(code)
    if schedule is None:
        known = ", ".join(sorted(library.schedules))
        raise _refusal(
            "schedule_template",
            f"Unknown schedule template {code!r} ({known}).",
            "unknown_template",
        )
    return schedule


def _series(
    clinic: Clinic, schedule: Schedule, first_session: datetime, sessions: int | None
) -> Series:
    """The series planner's dates from `first_session`, off the clinic's closed days."""
    if timezone.is_naive(first_session):
        raise _refusal("first_session", "Give a date and time with its time zone.", "naive")
    first = first_session.astimezone(zoneinfo.ZoneInfo(clinic.time_zone))
    holidays = closures_between(clinic, first.date(), first.date() + _HORIZON)
    try:
        return plan_series(
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


def _add_sessions(clinic: Clinic, plan: TreatmentPlan, planned: Iterable[CoreSession]) -> None:
    PlannedSession.objects.bulk_create(
        PlannedSession(
            clinic=clinic,
            plan=plan,
            number=s.n,
            target_date=s.starts_at.date(),
            starts_at=s.starts_at,
        )
        for s in planned
    )


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
    sessions: int | None = None,
    schedule_template: str | None = None,
    first_session: datetime | None = None,
) -> TreatmentPlan:
    """Changes what an active plan treats and with what, and its series; screens the
    patient again and recomputes the reminders of its sessions' appointments.

    The planned dates stay as they are, and sessions with an appointment keep it. A new
    number of `sessions` adds sessions after the last (dated by the template from the
    first session) or removes the last ones, unless one of those has an appointment
    ("session_booked"). A new `schedule_template` or `first_session` plans the series
    again, only while none of its sessions has an appointment ("sessions_booked").
    ValidationError keyed by field.
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
    _change_series(
        clinic,
        locked,
        library,
        by=by,
        sessions=sessions,
        schedule_template=schedule_template,
        first_session=first_session,
    )
    locked.protocol_version = load_protocol_library(library=library)
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    locked.save()
    _rescreen(clinic, locked.patient, locked, by)
    # What the patient is told depends on the plan (its cocktail, the series' last
    # session for the maintenance recall): every appointment of the plan is recomputed.
    for appointment in Appointment.objects.filter(
        clinic=clinic,
        planned_session__plan=locked,
        status__in=(AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED),
    ).select_related("patient"):
        refresh_reminders(clinic=clinic, appointment=appointment)
    return locked


def held_sessions(clinic: Clinic, plan: TreatmentPlan) -> dict[int, str]:
    """The numbers of the plan's sessions that have an appointment (cancelled ones do not
    count), with its status."""
    return dict(
        Appointment.objects.filter(clinic=clinic, planned_session__plan=plan)
        .exclude(status__in=CANCELLED_STATUSES)
        .values_list("planned_session__number", "status")
    )


def _drop_sessions(clinic: Clinic, plan: TreatmentPlan, numbers: Iterable[int], by: User) -> None:
    """Removes planned sessions that have no appointment; a cancelled appointment that
    named one of them keeps its history but no longer points at it."""
    doomed = PlannedSession.objects.filter(clinic=clinic, plan=plan, number__in=list(numbers))
    for cancelled in Appointment.objects.filter(clinic=clinic, planned_session__in=doomed):
        cancelled.planned_session = None
        cancelled._history_user = by  # type: ignore[attr-defined] # read by simple-history
        cancelled.save(update_fields=["planned_session", "updated_at"])
    doomed.delete()


def _plural(numbers: list[int]) -> tuple[str, str]:
    """("Sessions 5, 6", "have") or ("Session 5", "has")."""
    listed = ", ".join(str(n) for n in numbers)
    return (f"Sessions {listed}", "have") if len(numbers) > 1 else (f"Session {listed}", "has")


def _change_series(
    clinic: Clinic,
    plan: TreatmentPlan,
    library: Library,
    *,
    by: User,
    sessions: int | None,
    schedule_template: str | None,
    first_session: datetime | None,
) -> None:
    replan = first_session is not None or (
        schedule_template is not None and schedule_template != plan.schedule_template
    )
    current = list(planned_sessions(clinic, plan))
    if (sessions is None or sessions == len(current)) and not replan:
        return
    held = held_sessions(clinic, plan)
    if replan:
        if held:
            named, verb = _plural(sorted(held))
            raise _refusal(
                "first_session" if first_session is not None else "schedule_template",
                f"{named} {verb} an appointment: the series can be planned again only "
                "before any session is booked.",
                "sessions_booked",
            )
        schedule = _schedule(library, schedule_template or plan.schedule_template)
        first = first_session if first_session is not None else current[0].starts_at
        series = _series(clinic, schedule, first, sessions)
        _drop_sessions(clinic, plan, [s.number for s in current], by)
        _add_sessions(clinic, plan, series.sessions)
        plan.schedule_template = schedule.code
    else:
        schedule = _schedule(library, plan.schedule_template)
        series = _series(clinic, schedule, current[0].starts_at, sessions)
        dropped = [s.number for s in current if s.number > len(series.sessions)]
        booked = sorted(n for n in dropped if n in held)
        if booked:
            named, verb = _plural(booked)
            pronoun = "them" if len(booked) > 1 else "it"
            raise _refusal(
                "sessions",
                f"{named} {verb} an appointment: cancel {pronoun} first, or keep "
                f"{max(booked)} sessions.",
                "session_booked",
            )
        _drop_sessions(clinic, plan, dropped, by)
        last = max((s.number for s in current), default=0)
        _add_sessions(clinic, plan, [s for s in series.sessions if s.n > last])
    plan.session_count = len(series.sessions)
    plan.first_session_date = series.sessions[0].starts_at.date()


@transaction.atomic
def close_plan(*, clinic: Clinic, plan: TreatmentPlan, by: User) -> TreatmentPlan:
    """Marks an active plan closed (finished or abandoned); its history stays."""
    locked = _locked_active(clinic, plan)
    locked.status = PlanStatus.CLOSED
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    locked.save(update_fields=["status", "updated_at"])
    return locked
