"""Every change to appointments goes through these functions: book, reschedule, cancel,
and book a whole series.

Each refuses with a ValidationError keyed by the field at fault, the reason in plain
words and a code (`error.error_dict[field][0].code`); a resource, the patient or a planned
session already taken is a `BookingConflict` (HTTP 409), a session too soon for the
patient's preparation a `WashoutNotMet` carrying the earliest safe start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.utils import timezone

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.core.library import load_library
from mesodesk.core.timeline import Timeline
from mesodesk.messaging.choices import ReminderKind
from mesodesk.messaging.services import refresh_reminders
from mesodesk.patients import selectors as patient_selectors
from mesodesk.patients.models import Patient, ScreeningResult
from mesodesk.patients.services import rescreen_if_stale
from mesodesk.planning import selectors as plans
from mesodesk.planning.choices import PlanStatus
from mesodesk.planning.models import PlannedSession, TreatmentPlan
from mesodesk.protocols.selectors import protocol_version_of
from mesodesk.scheduling import rules, selectors
from mesodesk.scheduling.choices import CANCELLED_STATUSES, AppointmentKind, AppointmentStatus
from mesodesk.scheduling.durations import duration_of
from mesodesk.scheduling.errors import BookingConflict, WashoutNotMet
from mesodesk.scheduling.models import Appointment


def _kind(kind: AppointmentKind | str) -> AppointmentKind:
    try:
        return AppointmentKind(kind)
    except ValueError:
        choices = ", ".join(AppointmentKind.values)
        raise rules.refusal("kind", f"Choose one of {choices}.", "invalid") from None


class _Stale(Exception):
    """The patient's screening is out of date for a session under `plan`: the booking is
    rolled back, the patient screened again in a transaction of its own, and the booking
    tried once more."""

    def __init__(self, plan: TreatmentPlan | None) -> None:
        super().__init__("stale screening")
        self.plan = plan


def _current_screening(
    *, clinic: Clinic, patient: Patient, plan: TreatmentPlan | None, by: User, rescreen: bool
) -> ScreeningResult | None:
    """The patient's screening for a session under `plan`, up to date, with the patient's
    row locked until the booking is written. A stale one raises `_Stale`, or with
    `rescreen` is screened again here (rarely: the booking services have done so already,
    in a transaction of its own). Two queries when it is current: the lock, then the
    screening with every fact that says whether it is stale."""
    if not rescreen:
        rows.lock(Patient, patient.pk, router.db_for_write(Patient))
        screening = patient_selectors.screening_for_booking(clinic, patient)
        if screening is None:
            return None
        stale = patient_selectors.stale_reason_for_booking(
            screening, plan=plan, library_hash=load_library().hash
        )
        if stale is None:
            return screening
        raise _Stale(plan)
    return rescreen_if_stale(clinic=clinic, patient=patient, plan=plan, by=by)


def _check(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User,
    kind: AppointmentKind,
    start: datetime,
    practitioner: User,
    room: Room,
    device: Device | None,
    planned_session: PlannedSession | None,
    exclude: int | None = None,
    rescreen: bool = True,
) -> tuple[rules.Booking, Timeline | None]:
    """Every check of a booking or a move, in the order a receptionist would ask; the
    booking's times and, for a session, its timeline (built by the washout check, used
    again for the reminders)."""
    library = load_library()
    booking = rules.check_times(start, duration_of(kind, library), clinic)
    people = rules.read_people(clinic=clinic, practitioner=practitioner, by=by, booking=booking)
    errors = rules.check_people_and_places(
        clinic=clinic,
        patient=patient,
        by=by,
        practitioner=practitioner,
        room=room,
        device=device,
        roles=people.roles,
    )
    plan = rules.check_planned_session(
        clinic=clinic,
        patient=patient,
        kind=kind,
        planned_session=planned_session,
        errors=errors,
    )
    rules.check_hours(
        clinic=clinic, practitioner=practitioner, booking=booking, errors=errors, people=people
    )
    if errors:
        raise ValidationError(errors)
    timeline = None
    if kind is AppointmentKind.SESSION:
        if planned_session is None:
            plan = plans.active_plan(clinic, patient)
        screening = _current_screening(
            clinic=clinic, patient=patient, plan=plan, by=by, rescreen=rescreen
        )
        try:
            timeline = rules.check_session(
                clinic=clinic,
                patient=patient,
                screening=screening,
                plan=plan,
                device=device,
                booking=booking,
                library=library,
            )
        except WashoutNotMet as refusal:
            raise _first_free(clinic, refusal, practitioner, room, device, exclude) from None
    # Whether the practitioner, room, device, patient and planned session are free then is
    # the database's to say, when the appointment is saved (rules.save_or_conflict).
    return booking, timeline


# How far after the safe instant the first free slot is looked for.
FIRST_FREE_DAYS = 56


def _first_free(
    clinic: Clinic,
    refusal: WashoutNotMet,
    practitioner: User,
    room: Room,
    device: Device | None,
    exclude: int | None,
) -> WashoutNotMet:
    """The refusal naming the first slot free for a session with the same practitioner,
    room and device after the preparation's safe instant (the slot search's answer, so the
    page's offer and its free times agree, on a day the practitioner works); as it was when
    none is free in the weeks after."""
    zone = selectors.clinic_zone(clinic)
    found = selectors.find_slots(
        clinic=clinic,
        kind=AppointmentKind.SESSION,
        start_date=refusal.safe_from.astimezone(zone).date(),
        days=FIRST_FREE_DAYS,
        practitioner_ids=[practitioner.pk],
        room_ids=[room.pk],
        device_ids=[device.pk] if device is not None else None,
        not_before=refusal.safe_from,
        limit=1,
    )
    if not found:
        return refusal
    who = " ".join(x for x in (practitioner.first_name, practitioner.last_name) if x)
    return rules.washout_at(refusal, found[0].start, zone, who)


def _screen_first(
    *, clinic: Clinic, patient: Patient, by: User, plan: TreatmentPlan | None
) -> None:
    """Brings the patient's screening up to date for a session under `plan`, committed on
    its own: a screening done again is the patient's current one even if the booking is
    then refused (a `review` needs a sign-off, and there must be something to sign).

    Only for a request that is plausibly allowed; anything else is left to the booking's
    own checks, which refuse it with the reason."""
    if patient.clinic_id != clinic.pk:
        return
    if plan is not None and (
        plan.clinic_id != clinic.pk
        or plan.patient_id != patient.pk
        or plan.status != PlanStatus.ACTIVE
    ):
        return
    screening = patient_selectors.current_screening(clinic, patient)
    if screening is None:
        return
    # Most of the time the screening is current: found by reads alone, no transaction.
    stale = patient_selectors.stale_reason(
        clinic,
        patient,
        screening,
        plan=plan,
        protocol_version=protocol_version_of(load_library()),
    )
    if stale is None:
        return
    if clinics.membership(clinic, by) is None and patient.portal_user_id != by.pk:
        return
    rescreen_if_stale(clinic=clinic, patient=patient, plan=plan, by=by)


def book_appointment(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User,
    kind: AppointmentKind | str,
    start: datetime,
    practitioner: User,
    room: Room,
    device: Device | None = None,
    planned_session: PlannedSession | None = None,
) -> Appointment:
    """Books the patient with a practitioner in a room (and a device) from `start` (aware),
    for as long as an appointment of `kind` lasts.

    Refused (ValidationError by field) when a practitioner, room or device is not the
    clinic's or not usable, outside opening or working hours or on a closure day; for a
    session also when the screening does not allow it ("not suitable: ...", or a review
    not signed off), the plan's device is missing, or a washout cannot be met
    (`WashoutNotMet`, with `earliest_start` on a day the clinic is open).
    `BookingConflict` if a resource or the patient is taken then, or the planned session
    is booked already — also when a concurrent booking got there first.

    For a session the patient's screening is brought up to date (screened again when a
    new intake, plan, protocol version or clinic override has come since it was computed)
    and committed in a transaction of its own, which stays even when the booking is then
    refused; the booking itself is one transaction, holding the patient's row. The
    staleness is checked once, inside that transaction, once the times, people and hours
    have passed: a stale screening rolls it back, is screened again, and the booking is
    tried once more.
    """
    kind = _kind(kind)
    details: dict[str, Any] = {
        "clinic": clinic,
        "patient": patient,
        "by": by,
        "kind": kind,
        "start": start,
        "practitioner": practitioner,
        "room": room,
        "device": device,
        "planned_session": planned_session,
    }
    if kind is not AppointmentKind.SESSION:
        return _book(**details)
    try:
        # Most of the time the screening is current: checked once, inside the booking.
        return _book(**details, rescreen=False)
    except _Stale as stale:
        _screen_first(clinic=clinic, patient=patient, by=by, plan=stale.plan)
        return _book(**details)


@transaction.atomic
def _book(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User,
    kind: AppointmentKind,
    start: datetime,
    practitioner: User,
    room: Room,
    device: Device | None,
    planned_session: PlannedSession | None,
    rescreen: bool = True,
    notify: bool = True,
) -> Appointment:
    booking, timeline = _check(
        clinic=clinic,
        patient=patient,
        by=by,
        kind=kind,
        start=start,
        practitioner=practitioner,
        room=room,
        device=device,
        planned_session=planned_session,
        rescreen=rescreen,
    )
    appointment = Appointment(
        clinic=clinic,
        patient=patient,
        kind=kind,
        practitioner=practitioner,
        room=room,
        device=device,
        start=booking.start,
        end=booking.end,
        status=AppointmentStatus.BOOKED,
        planned_session=planned_session,
        created_by=by,
        created_at=timezone.now(),
    )
    appointment._history_user = by  # type: ignore[attr-defined] # read by simple-history
    saved = rules.save_or_conflict(appointment, booking=booking, device=device)
    refresh_reminders(
        clinic=clinic,
        appointment=saved,
        timeline=timeline,
        created=True,
        notice=ReminderKind.BOOKED if notify else None,
    )
    return saved


def _locked(clinic: Clinic, appointment: Appointment) -> Appointment:
    # With who and what it books, read in the same query; only the appointment's row is
    # locked (on PostgreSQL FOR UPDATE would otherwise lock the joined rows too).
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related(
            "patient",
            # Read here for the notice to the patient, saving a query of its own.
            "patient__contact_preferences",
            "practitioner",
            "room",
            "device",
            "planned_session",
        )
        .filter(clinic=clinic, pk=appointment.pk)
        .first()
    )
    if locked is None:
        raise Appointment.DoesNotExist("appointment not found")
    if locked.status != AppointmentStatus.BOOKED:
        raise rules.refusal(
            "appointment",
            f"The appointment is {locked.get_status_display().lower()}.",
            "not_booked",
        )
    return locked


def _may_change(clinic: Clinic, appointment: Appointment, by: User) -> None:
    if clinics.membership(clinic, by) is None and appointment.patient.portal_user_id != by.pk:
        raise rules.refusal(
            "by",
            "Only the clinic's staff or the patient can change an appointment.",
            "permission_denied",
        )


@transaction.atomic
def reschedule_appointment(
    *,
    clinic: Clinic,
    appointment: Appointment,
    by: User,
    start: datetime,
    practitioner: User | None = None,
    room: Room | None = None,
    device: Device | None = None,
) -> Appointment:
    """Moves a booked appointment to `start` (and to another practitioner, room or device
    if given), with every check of booking; nothing changes if any fails. (A session's
    screening is brought up to date inside this transaction: a refusal undoes that too,
    and the next booking of the patient does it again.)"""
    locked = _locked(clinic, appointment)
    practitioner = practitioner if practitioner is not None else locked.practitioner
    room = room if room is not None else locked.room
    device = device if device is not None else locked.device
    booking, timeline = _check(
        clinic=clinic,
        patient=locked.patient,
        by=by,
        kind=AppointmentKind(locked.kind),
        start=start,
        practitioner=practitioner,
        room=room,
        device=device,
        planned_session=locked.planned_session,
        exclude=locked.pk,
    )
    locked.start, locked.end = booking.start, booking.end
    locked.practitioner, locked.room, locked.device = practitioner, room, device
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    moved = rules.save_or_conflict(locked, booking=booking, device=device)
    refresh_reminders(
        clinic=clinic, appointment=moved, timeline=timeline, notice=ReminderKind.MOVED
    )
    return moved


@transaction.atomic
def cancel_appointment(
    *, clinic: Clinic, appointment: Appointment, by: User, reason: str
) -> Appointment:
    """Cancels a booked appointment, saying why; its time is free again at once."""
    locked = _locked(clinic, appointment)
    _may_change(clinic, locked, by)
    if not reason.strip():
        raise rules.refusal("reason", "Say why the appointment is cancelled.", "required")
    locked.status = AppointmentStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = by
    locked.cancel_reason = reason.strip()
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    locked.save(
        update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "updated_at"]
    )
    refresh_reminders(clinic=clinic, appointment=locked, notice=ReminderKind.CANCELLED)
    return locked


def _in_session(error: ValidationError, session: PlannedSession) -> ValidationError:
    """The same refusal, with its codes, saying which session of the series it is about."""
    prefix = f"Session {session.number}"
    if isinstance(error, BookingConflict):
        message = error.message_dict[error.resource][0]
        return BookingConflict(
            error.resource, f"{prefix}: {message}", session_number=session.number
        )
    if isinstance(error, WashoutNotMet):
        return WashoutNotMet(
            f"{prefix}: {error.message_dict['start'][0]}",
            earliest_start=error.earliest_start,
            items=error.items,
            safe_from=error.safe_from,
            reasons=error.reasons,
        )
    prefixed = ValidationError(
        {
            field: [
                ValidationError(f"{prefix}: {message}", code=item.code)
                for item in items
                for message in item
            ]
            for field, items in error.error_dict.items()
        }
    )
    prefixed.session_number = session.number  # type: ignore[attr-defined]
    return prefixed


@dataclass(frozen=True)
class SkippedSession:
    """A planned session book_series left alone: `reason` is "past" (its start has passed)
    or the status of the appointment it has already ("booked", "completed", "no_show")."""

    number: int
    planned_session: PlannedSession
    reason: str


class SeriesBooking(list[Appointment]):
    """What book_series booked: a list of the new appointments in session order, and in
    `skipped` the planned sessions it did not book, with why."""

    def __init__(self, booked: list[Appointment], skipped: list[SkippedSession]) -> None:
        super().__init__(booked)
        self.skipped = skipped


def book_series(
    *,
    clinic: Clinic,
    plan: TreatmentPlan,
    by: User,
    practitioner: User,
    room: Room,
    device: Device | None = None,
) -> SeriesBooking:
    """Books every planned session of the plan that has no appointment yet (a cancelled
    one does not count) and has not started, at its planned start, with one practitioner,
    room (and device): all of them or none. A refusal names the session ("Session 3: Room
    1 is already booked at ..."). The result is a list of the new appointments whose
    `skipped` says which sessions were left alone and why (`SkippedSession`).

    The patient's screening is first brought up to date, committed on its own (as in
    `book_appointment`); then plan and patient are locked, so two series bookings of one
    plan, or a series and a single booking of its patient, happen one after the other.
    """
    if plan.clinic_id != clinic.pk:
        raise TreatmentPlan.DoesNotExist("plan not found")
    if plan.status == PlanStatus.ACTIVE:
        _screen_first(clinic=clinic, patient=plan.patient, by=by, plan=plan)
    return _book_series(
        clinic=clinic, plan=plan, by=by, practitioner=practitioner, room=room, device=device
    )


@transaction.atomic
def _book_series(
    *,
    clinic: Clinic,
    plan: TreatmentPlan,
    by: User,
    practitioner: User,
    room: Room,
    device: Device | None,
) -> SeriesBooking:
    # Plan, then patient: the order update_plan locks them in.
    locked = (
        TreatmentPlan.objects.select_for_update()
        .select_related("patient")
        .filter(clinic=clinic, pk=plan.pk)
        .first()
    )
    if locked is None:
        raise TreatmentPlan.DoesNotExist("plan not found")
    if locked.status != PlanStatus.ACTIVE:
        raise rules.refusal("plan", "The plan is closed.", "closed")
    Patient.objects.select_for_update().filter(clinic=clinic, pk=locked.patient_id).first()
    sessions = list(plans.planned_sessions(clinic, locked))
    # Read under the locks: a concurrent series or session booking has committed by now.
    held = dict(
        Appointment.objects.filter(clinic=clinic, planned_session__in=sessions)
        .exclude(status__in=CANCELLED_STATUSES)
        .values_list("planned_session_id", "status")
    )
    now = timezone.now()
    booked: list[Appointment] = []
    skipped: list[SkippedSession] = []
    for session in sessions:
        session.plan = locked
        if session.pk in held:
            skipped.append(SkippedSession(session.number, session, held[session.pk]))
            continue
        if session.starts_at <= now:
            skipped.append(SkippedSession(session.number, session, "past"))
            continue
        try:
            booked.append(
                _book(
                    clinic=clinic,
                    patient=locked.patient,
                    by=by,
                    kind=AppointmentKind.SESSION,
                    start=session.starts_at,
                    practitioner=practitioner,
                    room=room,
                    device=device,
                    planned_session=session,
                    # One confirmation for the series, on its first session: it lists them all.
                    notify=not booked,
                )
            )
        except ValidationError as error:
            raise _in_session(error, session) from error
    return SeriesBooking(booked, skipped)
