"""Every change to appointments goes through these functions: book, reschedule, cancel,
and book a whole series.

Each refuses with a ValidationError keyed by the field at fault and the reason in plain
words; a resource already taken is a `BookingConflict` (HTTP 409), a session too soon for
the patient's preparation a `WashoutNotMet` carrying the earliest safe start.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.core.library import load_library
from mesodesk.patients.models import Patient
from mesodesk.planning.choices import PlanStatus
from mesodesk.planning.models import PlannedSession, TreatmentPlan
from mesodesk.scheduling import rules, selectors
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.durations import duration_of
from mesodesk.scheduling.errors import BookingConflict, WashoutNotMet
from mesodesk.scheduling.models import Appointment


def _kind(kind: AppointmentKind | str) -> AppointmentKind:
    try:
        return AppointmentKind(kind)
    except ValueError:
        choices = ", ".join(AppointmentKind.values)
        raise ValidationError({"kind": f"Choose one of {choices}."}, code="invalid") from None


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
) -> rules.Booking:
    """Every check of a booking or a move, in the order a receptionist would ask."""
    library = load_library()
    booking = rules.check_times(start, duration_of(kind, library), clinic)
    errors = rules.check_people_and_places(
        clinic=clinic, patient=patient, by=by, practitioner=practitioner, room=room, device=device
    )
    rules.check_planned_session(
        clinic=clinic,
        patient=patient,
        kind=kind,
        planned_session=planned_session,
        errors=errors,
    )
    rules.check_hours(clinic=clinic, practitioner=practitioner, booking=booking, errors=errors)
    if errors:
        raise ValidationError(errors, code="invalid")
    if kind is AppointmentKind.SESSION:
        plan = (
            planned_session.plan
            if planned_session is not None
            else selectors.session_plan(clinic, patient)
        )
        rules.check_session(
            clinic=clinic,
            patient=patient,
            plan=plan,
            device=device,
            booking=booking,
            library=library,
        )
    rules.check_free(
        clinic=clinic,
        booking=booking,
        practitioner=practitioner,
        room=room,
        device=device,
        exclude=exclude,
    )
    return booking


@transaction.atomic
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
    (`WashoutNotMet`, with `earliest_start`). `BookingConflict` if a resource is taken,
    also when a concurrent booking got there first.
    """
    kind = _kind(kind)
    booking = _check(
        clinic=clinic,
        patient=patient,
        by=by,
        kind=kind,
        start=start,
        practitioner=practitioner,
        room=room,
        device=device,
        planned_session=planned_session,
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
    return rules.save_or_conflict(appointment, booking=booking, device=device)


def _locked(clinic: Clinic, appointment: Appointment) -> Appointment:
    locked = (
        Appointment.objects.select_for_update().filter(clinic=clinic, pk=appointment.pk).first()
    )
    if locked is None:
        raise Appointment.DoesNotExist("appointment not found")
    if locked.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {"appointment": f"The appointment is {locked.get_status_display().lower()}."},
            code="not_booked",
        )
    return locked


def _may_change(clinic: Clinic, appointment: Appointment, by: User) -> None:
    if clinics.membership(clinic, by) is None and appointment.patient.portal_user_id != by.pk:
        raise ValidationError(
            {"by": "Only the clinic's staff or the patient can change an appointment."},
            code="permission_denied",
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
    if given), with every check of booking; nothing changes if any fails."""
    locked = _locked(clinic, appointment)
    practitioner = practitioner if practitioner is not None else locked.practitioner
    room = room if room is not None else locked.room
    device = device if device is not None else locked.device
    booking = _check(
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
    return rules.save_or_conflict(locked, booking=booking, device=device)


@transaction.atomic
def cancel_appointment(
    *, clinic: Clinic, appointment: Appointment, by: User, reason: str
) -> Appointment:
    """Cancels a booked appointment, saying why; its time is free again at once."""
    locked = _locked(clinic, appointment)
    _may_change(clinic, locked, by)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the appointment is cancelled."}, code="required")
    locked.status = AppointmentStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.cancel_reason = reason.strip()
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    locked.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    return locked


def _in_session(error: ValidationError, session: PlannedSession) -> ValidationError:
    """The same refusal, saying which session of the series it is about."""
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
        )
    prefixed = ValidationError(
        {
            field: [f"{prefix}: {message}" for message in messages]
            for field, messages in error.message_dict.items()
        }
    )
    prefixed.session_number = session.number  # type: ignore[attr-defined]
    return prefixed


@transaction.atomic
def book_series(
    *,
    clinic: Clinic,
    plan: TreatmentPlan,
    by: User,
    practitioner: User,
    room: Room,
    device: Device | None = None,
) -> list[Appointment]:
    """Books every planned session of the plan that is not booked yet, at its planned
    start, with one practitioner, room (and device): all of them or none. A refusal names
    the session ("Session 3: Room 1 is already booked at ...")."""
    if plan.clinic_id != clinic.pk:
        raise TreatmentPlan.DoesNotExist("plan not found")
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError({"plan": "The plan is closed."}, code="closed")
    sessions = list(
        PlannedSession.objects.filter(clinic=clinic, plan=plan)
        .select_related("plan")
        .order_by("number")
    )
    already = set(
        Appointment.objects.filter(
            clinic=clinic,
            planned_session__in=sessions,
            status=AppointmentStatus.BOOKED,
        ).values_list("planned_session_id", flat=True)
    )
    booked = []
    for session in sessions:
        if session.pk in already:
            continue
        try:
            booked.append(
                book_appointment(
                    clinic=clinic,
                    patient=plan.patient,
                    by=by,
                    kind=AppointmentKind.SESSION,
                    start=session.starts_at,
                    practitioner=practitioner,
                    room=room,
                    device=device,
                    planned_session=session,
                )
            )
        except ValidationError as error:
            raise _in_session(error, session) from error
    return booked
