"""The visit, from arrival to completion: check in (and undo it), start treatment, complete,
no-show and late cancellation; `stage` says where a visit stands.

An appointment stays `booked` while the patient is checked in (`arrived_at/by`) and in
treatment (`started_at/by`), so it keeps holding its practitioner, room and device; it is
then closed as `completed` or `no_show` (`ended_at/by`), or called off as `late_cancelled`
(`cancelled_at/by`, with a reason). Each service is keyword-only, one transaction on the
appointment's locked row, recorded in its history with who did it, and refuses with a
ValidationError keyed by field with a code, like the booking services:

- "permission_denied": the wrong role. Front desk (and admins) check in, undo a check-in,
  mark a no-show and cancel late; only practitioners start and complete a visit.
- "not_booked": the appointment is closed or cancelled already.
- "not_arrived", "arrived", "started", "not_started": the visit is not at the stage the
  step needs.
- "too_early": a no-show before the appointment's start.
- "no_intake", "ineligible", "not_signed_off", "stale": a session cannot start without a
  current screening that allows one (the same judgement as booking: `session_refusal`).
- "required": a late cancellation without a reason.

A no-show or a late cancellation drops the visit's reminders still to be sent (aftercare
and check-in included: there was no treatment to care after); a completed visit keeps
those after the visit (`messaging.services.refresh_reminders` decides both).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.consents.gate import treatment_consent_missing
from mesodesk.core.library import load_library
from mesodesk.messaging.services import refresh_reminders
from mesodesk.patients import selectors as patients
from mesodesk.patients.services import rescreen_if_stale
from mesodesk.planning import selectors as plans
from mesodesk.planning.models import TreatmentPlan
from mesodesk.protocols.selectors import protocol_version_of
from mesodesk.refusals import refusal
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus, VisitStage
from mesodesk.scheduling.models import Appointment

# Who may take each step (clinics.choices.Role).
DESK_ROLES = (Role.FRONT_DESK, Role.ADMIN)
TREATING_ROLES = (Role.PRACTITIONER,)

_CLOSED = {
    AppointmentStatus.COMPLETED: VisitStage.COMPLETED,
    AppointmentStatus.NO_SHOW: VisitStage.NO_SHOW,
    AppointmentStatus.CANCELLED: VisitStage.CANCELLED,
    AppointmentStatus.LATE_CANCELLED: VisitStage.LATE_CANCELLED,
}


def stage(appointment: Appointment) -> VisitStage:
    """Where the visit stands: booked, arrived (checked in), in treatment, completed,
    no-show, cancelled or late-cancelled. From the row alone: no query."""
    closed = _CLOSED.get(AppointmentStatus(appointment.status))
    if closed is not None:
        return closed
    if appointment.started_at is not None:
        return VisitStage.IN_TREATMENT
    if appointment.arrived_at is not None:
        return VisitStage.ARRIVED
    return VisitStage.BOOKED


def may_take(role: str | None, step: str) -> bool:
    """Whether a member of `role` may take `step` ("check_in", "undo_check_in", "start",
    "complete", "no_show", "late_cancel"): what the services below decide, for pages that
    show only the buttons a member may press."""
    allowed = TREATING_ROLES if step in ("start", "complete") else DESK_ROLES
    return role in allowed


def unclosed(clinic: Clinic, *, now: datetime | None = None) -> QuerySet[Appointment]:
    """The clinic's appointments whose time is over but which are still `booked` (nobody
    recorded how they ended), oldest first, with patient, practitioner, room and device."""
    now = now if now is not None else timezone.now()
    return (
        Appointment.objects.filter(
            clinic=clinic, status=AppointmentStatus.BOOKED, start__lt=now, end__lte=now
        )
        .select_related("patient", "practitioner", "room", "device")
        .order_by("start", "id")
    )


def _locked(clinic: Clinic, appointment: Appointment) -> Appointment:
    locked = (
        Appointment.objects.select_for_update()
        .select_related("patient")
        .filter(clinic=clinic, pk=appointment.pk)
        .first()
    )
    if locked is None:
        raise Appointment.DoesNotExist("appointment not found")
    if locked.status != AppointmentStatus.BOOKED:
        raise refusal(
            "appointment",
            f"The appointment is {locked.get_status_display().lower()} already.",
            "not_booked",
        )
    return locked


def _require(clinic: Clinic, by: User, step: str, what: str) -> None:
    member = clinics.membership(clinic, by)
    if member is None or not may_take(member.role, step):
        who = "practitioners" if step in ("start", "complete") else "the front desk"
        raise refusal("by", f"Only {who} of this clinic can {what}.", "permission_denied")


def _save(appointment: Appointment, by: User, fields: list[str]) -> Appointment:
    appointment._history_user = by  # type: ignore[attr-defined] # read by simple-history
    appointment.save(update_fields=[*fields, "updated_at"])
    return appointment


@transaction.atomic
def check_in(*, clinic: Clinic, appointment: Appointment, by: User) -> Appointment:
    """The patient has arrived: records when, and who checked them in."""
    _require(clinic, by, "check_in", "check a patient in")
    locked = _locked(clinic, appointment)
    if locked.arrived_at is not None:
        raise refusal("appointment", "The patient is checked in already.", "arrived")
    locked.arrived_at, locked.arrived_by = timezone.now(), by
    return _save(locked, by, ["arrived_at", "arrived_by"])


@transaction.atomic
def undo_check_in(*, clinic: Clinic, appointment: Appointment, by: User) -> Appointment:
    """Takes back a check-in made by mistake (the history keeps it), before treatment."""
    _require(clinic, by, "undo_check_in", "undo a check-in")
    locked = _locked(clinic, appointment)
    if locked.arrived_at is None:
        raise refusal("appointment", "The patient is not checked in.", "not_arrived")
    if locked.started_at is not None:
        raise refusal("appointment", "The treatment has started already.", "started")
    locked.arrived_at, locked.arrived_by = None, None
    return _save(locked, by, ["arrived_at", "arrived_by"])


def _plan_of(clinic: Clinic, appointment: Appointment) -> TreatmentPlan | None:
    """The plan a session is given under: its planned session's, else the active one."""
    if appointment.planned_session_id is not None:
        return TreatmentPlan.objects.filter(
            clinic=clinic, sessions__pk=appointment.planned_session_id
        ).first()
    return plans.active_plan(clinic, appointment.patient)


def start_treatment(*, clinic: Clinic, appointment: Appointment, by: User) -> Appointment:
    """A practitioner starts the checked-in patient's treatment.

    A session needs the patient's current screening to allow one, as at booking: screened
    again first if it is stale (a newer intake or plan, another protocol version, changed
    overrides) — committed on its own, so that a new `review` is there to sign off even
    though the start is then refused — and a `review` signed off."""
    _require(clinic, by, "start", "start a treatment")
    if appointment.kind == AppointmentKind.SESSION:
        fresh = Appointment.objects.filter(clinic=clinic, pk=appointment.pk).first()
        if fresh is not None and fresh.status == AppointmentStatus.BOOKED:
            rescreen_if_stale(
                clinic=clinic, patient=fresh.patient, plan=_plan_of(clinic, fresh), by=by
            )
    return _start(clinic=clinic, appointment=appointment, by=by)


@transaction.atomic
def _start(*, clinic: Clinic, appointment: Appointment, by: User) -> Appointment:
    locked = _locked(clinic, appointment)
    if locked.arrived_at is None:
        raise refusal("appointment", "Check the patient in first.", "not_arrived")
    if locked.started_at is not None:
        raise refusal("appointment", "The treatment has started already.", "started")
    if locked.kind == AppointmentKind.SESSION:
        _check_screening(clinic, locked)
        _check_consent(clinic, locked)
    locked.started_at, locked.started_by = timezone.now(), by
    return _save(locked, by, ["started_at", "started_by"])


def _check_consent(clinic: Clinic, appointment: Appointment) -> None:
    """Refuses a session that no valid treatment consent covers (consents.gate)."""
    missing = treatment_consent_missing(
        patient=appointment.patient, plan=_plan_of(clinic, appointment)
    )
    if missing is not None:
        raise refusal("patient", f"The session cannot start: {missing}", "consent_missing")


def _check_screening(clinic: Clinic, appointment: Appointment) -> None:
    """Refuses a session whose patient's current screening is stale or does not allow one."""
    patient = appointment.patient
    screening = patients.current_screening(clinic, patient)
    if screening is not None:
        stale = patients.stale_reason(
            clinic,
            patient,
            screening,
            plan=_plan_of(clinic, appointment),
            protocol_version=protocol_version_of(load_library()),
        )
        if stale is not None:
            raise refusal(
                "patient",
                f"The screening is out of date ({stale}): screen the patient again.",
                "stale",
            )
    refused = patients.session_refusal(screening)
    if refused is not None:
        code, reason = refused
        raise refusal("patient", f"The session cannot start: {reason}.", code)


@transaction.atomic
def complete(*, clinic: Clinic, appointment: Appointment, by: User) -> Appointment:
    """A practitioner closes the visit as completed. A session must have been started; a
    consultation or follow-up needs no start, only a patient who came (checked in, or its
    time begun). The reminders after the visit (aftercare, check-in, recall) stay."""
    _require(clinic, by, "complete", "complete a visit")
    locked = _locked(clinic, appointment)
    now = timezone.now()
    if locked.kind == AppointmentKind.SESSION and locked.started_at is None:
        raise refusal("appointment", "Start the treatment first.", "not_started")
    if locked.arrived_at is None and locked.start > now:
        raise refusal("appointment", "The patient has not been checked in yet.", "not_arrived")
    locked.status = AppointmentStatus.COMPLETED
    locked.ended_at, locked.ended_by = now, by
    _save(locked, by, ["status", "ended_at", "ended_by"])
    refresh_reminders(clinic=clinic, appointment=locked, now=now)
    return locked


@transaction.atomic
def no_show(*, clinic: Clinic, appointment: Appointment, by: User) -> Appointment:
    """The patient did not come: closes the visit and cancels its reminders still to be
    sent. Refused before the appointment's start and for a patient checked in."""
    _require(clinic, by, "no_show", "mark a no-show")
    locked = _locked(clinic, appointment)
    now = timezone.now()
    if now < locked.start:
        raise refusal(
            "appointment", "The appointment has not begun: it cannot be a no-show yet.", "too_early"
        )
    if locked.arrived_at is not None:
        raise refusal(
            "appointment", "The patient is checked in: undo the check-in first.", "arrived"
        )
    locked.status = AppointmentStatus.NO_SHOW
    locked.ended_at, locked.ended_by = now, by
    _save(locked, by, ["status", "ended_at", "ended_by"])
    refresh_reminders(clinic=clinic, appointment=locked, now=now)
    return locked


@transaction.atomic
def late_cancel(*, clinic: Clinic, appointment: Appointment, by: User, reason: str) -> Appointment:
    """The patient called the visit off at short notice (or left before treatment): frees
    its time, cancels its reminders still to be sent, and keeps the reason."""
    _require(clinic, by, "late_cancel", "record a late cancellation")
    locked = _locked(clinic, appointment)
    if locked.started_at is not None:
        raise refusal("appointment", "The treatment has started already.", "started")
    if not reason.strip():
        raise refusal("reason", "Say why the appointment is cancelled.", "required")
    now = timezone.now()
    locked.status = AppointmentStatus.LATE_CANCELLED
    locked.cancelled_at, locked.cancelled_by = now, by
    locked.cancel_reason = reason.strip()
    _save(locked, by, ["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    refresh_reminders(clinic=clinic, appointment=locked, now=now)
    return locked
