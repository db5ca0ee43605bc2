"""What a booking must satisfy before it is written: the checks of `services`, each
raising ValidationError keyed by the field at fault, with the reason in plain words.

The database has the last word on double booking (migrations 0002 and 0003); the overlap
check here only turns the common case into a clear message before trying. Every refusal
is built as `ValidationError({field: ValidationError(message, code=...)})`, so its code
("past", "closed", "device_needed", ...) reaches the caller (Django drops `code=` given
with a dict).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import (
    Clinic,
    ClinicClosure,
    Device,
    Membership,
    Room,
    WorkingHours,
)
from mesodesk.core.formats.text import in_sentence
from mesodesk.core.inputs import InputError, parse_intake
from mesodesk.core.library import Library
from mesodesk.core.localtime import forward
from mesodesk.core.timeline import Timeline, build_timeline
from mesodesk.patients import selectors as patients
from mesodesk.patients.models import IntakeVersion, Patient, ScreeningResult
from mesodesk.planning.choices import PlanStatus
from mesodesk.planning.models import PlannedSession, TreatmentPlan
from mesodesk.planning.selectors import core_plan
from mesodesk.protocols.selectors import engine_overrides
from mesodesk.refusals import refusal
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.errors import BookingConflict, WashoutNotMet
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.selectors import overlapping

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RESOURCES = ("practitioner", "room", "device", "patient")
# How the database names each refusal (migrations 0002 and 0003): PostgreSQL's exclusion
# constraint, SQLite's trigger message; for a planned session booked twice, the partial
# unique index as each database reports it.
_DATABASE_NAMES = {
    **{
        resource: (
            f"scheduling_appointment_{resource}_not_double_booked",
            f"double booking: {resource}",
        )
        for resource in RESOURCES
    },
    "planned_session": (
        "scheduling_appointment_planned_session_booked_once",
        "UNIQUE constraint failed: scheduling_appointment.clinic_id, "
        "scheduling_appointment.planned_session_id",
    ),
}
_WASHOUT_WARNINGS = frozenset({"washout_too_short", "patch_test_too_late"})
# How far ahead the earliest safe start looks for a day the clinic is open.
_OPEN_DAY_HORIZON = 366


@dataclass(frozen=True)
class Booking:
    """A checked request: the appointment's UTC times and the clinic's view of them."""

    start: datetime
    end: datetime
    zone: ZoneInfo


def _name(user: User) -> str:
    return user.get_full_name() or user.email


Errors = dict[str, ValidationError]


def _when(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def _spans(spans: list[tuple[time, time]]) -> str:
    return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in spans) or "closed"


def _fits(
    start: datetime, end: datetime, day: date, spans: list[tuple[time, time]], zone: ZoneInfo
) -> bool:
    """Whether [start, end) lies inside one of the day's local spans (DST-aware)."""
    for open_at, close_at in spans:
        opens = forward(datetime.combine(day, open_at), zone)
        closes = forward(datetime.combine(day, close_at), zone)
        if opens <= start and end <= closes:
            return True
    return False


def check_times(start: datetime, duration: timedelta, clinic: Clinic) -> Booking:
    """The booking's UTC times; refuses a naive or past start."""
    if timezone.is_naive(start):
        raise refusal("start", "Give the start with its time zone.", "naive")
    if start < timezone.now():
        raise refusal("start", "The start is in the past.", "past")
    start = start.astimezone(UTC)
    return Booking(start=start, end=start + duration, zone=ZoneInfo(clinic.time_zone))


@dataclass(frozen=True)
class People:
    """What a booking needs to know about the people, read together: the role of the
    practitioner and of whoever books (when staff here), whether the clinic is closed on
    the booking's local day, and the practitioner's working week at the clinic."""

    roles: dict[int, str]
    closed: bool
    week: dict[int, list[tuple[time, time]]]


def read_people(*, clinic: Clinic, practitioner: User, by: User, booking: Booking) -> People:
    """`People` in one query: the memberships of the practitioner and of `by`, each row
    with the closure of that day and (left-joined) the practitioner's working hours. When
    neither is staff here, which the checks refuse anyway, two more queries."""
    day = booking.start.astimezone(booking.zone).date()
    db = router.db_for_read(Membership)
    params = [clinic.pk, connections[db].ops.adapt_datefield_value(day), clinic.pk]
    # Plain SQL (mesodesk.rows), on every booking: the ORM built it for longer than the
    # database ran it.
    found = rows.fetch(_people_sql(db), [*params, clinic.pk, practitioner.pk, by.pk], db)
    roles: dict[int, str] = {}
    closed = False
    week: dict[int, list[tuple[time, time]]] = {weekday: [] for weekday in range(7)}
    for user_id, role, closed_that_day, weekday, start, end in found:
        roles[user_id] = role
        closed = bool(closed_that_day)  # the same on every row
        if user_id == practitioner.pk and weekday is not None:
            week[weekday].append((start, end))
    if not roles:
        closed = day in clinics.closures_between(clinic, day, day)
        week = clinics.working_hours(clinic, [practitioner.pk])[practitioner.pk]
    return People(roles=roles, closed=closed, week=week)


@cache
def _people_sql(db: str) -> str:
    q = connections[db].ops.quote_name
    memberships, closures = rows.table(Membership, db), rows.table(ClinicClosure, db)
    hours = rows.table(WorkingHours, db)
    return (
        f"SELECT m.user_id, m.role, EXISTS(SELECT 1 FROM {closures} c"  # noqa: S608 - names from the models, values as parameters
        f" WHERE c.clinic_id = %s AND c.{q('date')} = %s),"
        f" h.weekday, h.{q('start')}, h.{q('end')}"
        f" FROM {memberships} m LEFT JOIN {hours} h"
        " ON h.practitioner_id = m.user_id AND h.clinic_id = %s"
        f" WHERE m.clinic_id = %s AND m.user_id IN (%s, %s) ORDER BY h.weekday, h.{q('start')}"
    )


def check_people_and_places(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User,
    practitioner: User,
    room: Room,
    device: Device | None,
    roles: dict[int, str] | None = None,
) -> Errors:
    """The errors, by field, of who and what is booked: all of the clinic, all usable.
    `roles` are `People.roles` when the caller has read them."""
    errors: Errors = {}
    if patient.clinic_id != clinic.pk:
        errors["patient"] = _error("The patient is not a patient of this clinic.", "wrong_clinic")
    if roles is None:
        # One query for both people: the practitioner's role and whether `by` is staff.
        roles = dict(
            clinics.memberships_of_clinic(clinic=clinic)
            .filter(user__in={practitioner.pk, by.pk})
            .values_list("user_id", "role")
        )
    if roles.get(practitioner.pk) != Role.PRACTITIONER:
        errors["practitioner"] = _error(
            f"{_name(practitioner)} is not a practitioner of this clinic.", "not_practitioner"
        )
    if room.clinic_id != clinic.pk:
        errors["room"] = _error("The room is not one of this clinic's rooms.", "wrong_clinic")
    elif not room.active:
        errors["room"] = _error(f"{room.name} is out of use.", "out_of_use")
    if device is not None and device.clinic_id != clinic.pk:
        errors["device"] = _error("The device is not one of this clinic's devices.", "wrong_clinic")
    elif device is not None and not device.active:
        errors["device"] = _error(f"{device.name} is out of use.", "out_of_use")
    if by.pk not in roles and patient.portal_user_id != by.pk:
        errors["by"] = _error(
            "Only the clinic's staff or the patient can book.", "permission_denied"
        )
    return errors


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def check_hours(
    *,
    clinic: Clinic,
    practitioner: User,
    booking: Booking,
    errors: Errors,
    people: People | None = None,
) -> None:
    """Adds an error unless the clinic is open and the practitioner works for the whole
    appointment (a practitioner with no working hours recorded works opening hours).
    `people` is what `read_people` read, when the caller has it."""
    zone = booking.zone
    local = booking.start.astimezone(zone)
    day = local.date()
    weekday = WEEKDAYS[day.weekday()]
    closed = (
        people.closed if people is not None else day in clinics.closures_between(clinic, day, day)
    )
    if closed:
        errors["start"] = _error(
            f"The clinic is closed on {weekday} {day.day} {day:%b %Y}.", "closed"
        )
        return
    opening = clinics.clinic_hours(clinic).get(day.weekday(), [])
    if not _fits(booking.start, booking.end, day, opening, zone):
        errors["start"] = _error(
            f"{_when(booking.start, zone)}–{booking.end.astimezone(zone):%H:%M} is outside "
            f"opening hours ({weekday}: {_spans(opening)}).",
            "outside_opening_hours",
        )
        return
    week = (
        people.week
        if people is not None
        else clinics.working_hours(clinic, [practitioner.pk]).get(practitioner.pk, {})
    )
    if any(week.values()):
        spans = week.get(day.weekday(), [])
        if not _fits(booking.start, booking.end, day, spans, zone):
            errors.setdefault(
                "practitioner",
                _error(
                    f"{_name(practitioner)} does not work then ({weekday}: {_spans(spans)}).",
                    "not_working",
                ),
            )


def needed_device_type(plan: TreatmentPlan | None, library: Library) -> str | None:
    """The library's device type for the plan's technique (a meso gun for `meso_gun`)."""
    if plan is None:
        return None
    for device_type in library.device_types.values():
        if device_type.technique == plan.technique:
            return device_type.code
    return None


def check_session(
    *,
    clinic: Clinic,
    patient: Patient,
    screening: ScreeningResult | None,
    plan: TreatmentPlan | None,
    device: Device | None,
    booking: Booking,
    library: Library,
) -> Timeline | None:
    """Refuses a treatment session the patient may not have, or not at that time;
    `screening` is the patient's current one, up to date (`rescreen_if_stale`). The
    session's timeline, as `appointment_timeline` builds it (the reminders need it)."""
    refused = patients.session_refusal(screening)
    if refused is not None:
        code, reason = refused
        raise refusal("patient", f"No session can be booked: {reason}.", code)
    needed = needed_device_type(plan, library)
    if needed is not None:
        label = library.device_types[needed].label
        if device is None:
            raise refusal(
                "device", f"This plan's technique needs a device: {label.lower()}.", "device_needed"
            )
        if device.device_type != needed:
            raise refusal(
                "device",
                f"{device.name} is not a {label.lower()}, which this plan needs.",
                "wrong_device",
            )
    # The screening is current, so its intake is the patient's latest: no need to read it.
    return check_washout(
        clinic=clinic,
        patient=patient,
        plan=plan,
        booking=booking,
        library=library,
        intake_version=screening.intake if screening is not None else None,
    )


def check_washout(
    *,
    clinic: Clinic,
    patient: Patient,
    plan: TreatmentPlan | None,
    booking: Booking,
    library: Library,
    intake_version: IntakeVersion | None = None,
) -> Timeline | None:
    """Refuses a session that comes too soon for the patient's preparation, naming the
    earliest safe start (the timeline engine's `washout_too_short`/`patch_test_too_late`).
    `intake_version` is the patient's latest intake when the caller has it (else read).
    The session's timeline when it is allowed (None without an intake)."""
    version = intake_version or patients.latest_intake(clinic, patient)
    if version is None:  # may_book_session has refused already
        return None
    try:
        intake = parse_intake(version.answers, library)
        plan_input = core_plan(plan, library) if plan is not None else None
    except InputError as error:
        raise refusal("patient", f"The stored answers are invalid: {error}", "invalid") from None
    timeline = build_timeline(
        intake,
        plan_input,
        start=booking.start.astimezone(booking.zone),
        duration=booking.end - booking.start,
        library=library,
        overrides=engine_overrides(clinic=clinic),
        booked_at=timezone.now(),
    )
    warnings = [w for w in timeline.warnings if w.code in _WASHOUT_WARNINGS]
    if not warnings:
        return timeline
    safe_from = max(w.earliest_start for w in warnings)
    earliest = first_open_start(clinic, safe_from, booking.end - booking.start, booking.zone)
    # Named by the library's labels ("no blood-thinning supplements"), not their codes.
    labels = {rule.code: rule.label for rule in library.rules}
    reasons = "; ".join(
        in_sentence(labels.get(w.item, w.item.replace("_", " ")))
        + (f" ({', '.join(w.matched)})" if w.matched else "")
        for w in warnings
    )
    raise WashoutNotMet(
        f"Too soon for the patient's preparation: {reasons}. "
        f"The earliest safe start is {_when(earliest, booking.zone)}.",
        earliest_start=earliest,
        items=tuple(w.item for w in warnings),
        safe_from=safe_from,
        reasons=reasons,
    )


def washout_at(
    refusal: WashoutNotMet, start: datetime, zone: ZoneInfo, who: str = ""
) -> WashoutNotMet:
    """The same refusal naming `start`, a free slot found after its safe instant, as the
    earliest start: the time the search offers first, on a day the practitioner works."""
    with_whom = f" with {who}" if who else ""
    return WashoutNotMet(
        f"Too soon for the patient's preparation: {refusal.reasons}. "
        f"The first free time after it{with_whom} is {_when(start, zone)}.",
        earliest_start=start,
        items=refusal.items,
        safe_from=refusal.safe_from,
        reasons=refusal.reasons,
    )


def first_open_start(
    clinic: Clinic, earliest: datetime, duration: timedelta, zone: ZoneInfo
) -> datetime:
    """The first start at or after `earliest` on a day the clinic is open (opening hours,
    closures): at the same wall time when an appointment of `duration` fits in the opening
    hours then, else at the next opening. `earliest` itself if the clinic opens on none of
    the next 366 days."""
    local = earliest.astimezone(zone)
    wall = local.time()
    hours = clinics.clinic_hours(clinic)
    first_day = local.date()
    closed = clinics.closures_between(
        clinic, first_day, first_day + timedelta(days=_OPEN_DAY_HORIZON)
    )
    for offset in range(_OPEN_DAY_HORIZON + 1):
        day = first_day + timedelta(days=offset)
        spans = hours.get(day.weekday(), [])
        if day in closed or not spans:
            continue
        at_wall = forward(datetime.combine(day, wall), zone)
        if at_wall >= earliest and _fits(at_wall, at_wall + duration, day, spans, zone):
            return at_wall
        for open_at, _ in spans:
            opens = forward(datetime.combine(day, open_at), zone)
            if opens >= max(at_wall, earliest) and _fits(opens, opens + duration, day, spans, zone):
                return opens
        # Nothing left on this open day: from here on, a day's first opening will do.
        wall = time.min
    return earliest


def check_planned_session(
    *,
    clinic: Clinic,
    patient: Patient,
    kind: AppointmentKind,
    planned_session: PlannedSession | None,
    errors: Errors,
) -> TreatmentPlan | None:
    """Adds an error unless the planned session is of the patient's active plan; its plan,
    as the database has it now (None without a planned session)."""
    if planned_session is None:
        return None
    if kind is not AppointmentKind.SESSION:
        errors["planned_session"] = _error(
            "Only a session can carry a planned session.", "not_a_session"
        )
        return None
    # Read from the database, not from `planned_session.plan`, which may be stale.
    plan = rows.one(TreatmentPlan, clinic_id=clinic.pk, id=planned_session.plan_id)
    if plan is not None:
        rows.attach(plan, "clinic", clinic)
    if planned_session.clinic_id != clinic.pk or plan is None or plan.patient_id != patient.pk:
        errors["planned_session"] = _error(
            "The planned session is not one of this patient's plan.", "wrong_plan"
        )
    elif plan.status != PlanStatus.ACTIVE:
        errors["planned_session"] = _error("The planned session's plan is closed.", "closed")
    return plan


def check_free(
    *,
    clinic: Clinic,
    booking: Booking,
    patient: Patient,
    practitioner: User,
    room: Room,
    device: Device | None,
    planned_session: PlannedSession | None = None,
    exclude: int | None = None,
) -> None:
    """Raises BookingConflict if the planned session is booked already, or if a booked
    appointment then already holds the practitioner, room, device or the patient (asked
    after the database refused a booking, to name the first of them)."""
    people: dict[str, Any] = {
        "practitioner": practitioner,
        "room": room,
        "device": device,
        "patient": patient,
    }
    if planned_session is not None:
        booked = Appointment.objects.filter(
            clinic=clinic, planned_session=planned_session, status=AppointmentStatus.BOOKED
        )
        if exclude is not None:
            booked = booked.exclude(pk=exclude)
        if booked.exists():
            raise conflict("planned_session", booking, **people)
    taken = overlapping(clinic, booking.start, booking.end).filter(status=AppointmentStatus.BOOKED)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    in_the_way = taken.values_list("practitioner_id", "room_id", "device_id", "patient_id")
    for practitioner_id, room_id, device_id, patient_id in in_the_way:
        if practitioner_id == practitioner.pk:
            raise conflict("practitioner", booking, **people)
        if room_id == room.pk:
            raise conflict("room", booking, **people)
        if device is not None and device_id == device.pk:
            raise conflict("device", booking, **people)
        if patient_id == patient.pk:
            raise conflict("patient", booking, **people)


def conflict(
    resource: str,
    booking: Booking,
    *,
    practitioner: User,
    room: Room,
    device: Device | None = None,
    patient: Patient | None = None,
) -> BookingConflict:
    """The BookingConflict saying which resource (or the patient, or the planned session)
    is taken then."""
    when = _when(booking.start, booking.zone)
    if resource == "planned_session":
        return BookingConflict(resource, "This planned session is booked already.")
    if resource == "patient":
        who = f"{patient.first_name} {patient.last_name}" if patient is not None else "The patient"
        return BookingConflict(resource, f"{who} already has an appointment at {when}.")
    what = {
        "practitioner": _name(practitioner),
        "room": room.name,
        "device": device.name if device is not None else "The device",
    }[resource]
    return BookingConflict(resource, f"{what} is already booked at {when}.")


def conflicting_resource(error: IntegrityError) -> str | None:
    """Which resource the database refused to double-book, or None for another error."""
    text = str(error)
    for resource, names in _DATABASE_NAMES.items():
        if any(name in text for name in names):
            return resource
    return None


def save_or_conflict(
    appointment: Appointment, *, booking: Booking, device: Device | None
) -> Appointment:
    """Saves the appointment; the database's double-booking refusal (the practitioner,
    room, device, patient or planned session taken then, by an earlier or a concurrent
    booking) becomes a BookingConflict, never a server error.

    The database is the only judge of whether they are free: asking first as well was one
    or two queries more on every booking. After a refusal the conflict names what a
    receptionist needs to hear first (the planned session, then the practitioner, room,
    device, and last the patient: `check_free`'s order), whichever constraint the
    database happened to check first. On PostgreSQL a new appointment is written with its
    history row in one statement that skips a refused row (rows.insert_with_history), so
    the transaction goes on to `check_free` without a savepoint; otherwise the save runs
    in a savepoint. (PostgreSQL takes no DEFERRABLE constraint as an arbiter of ON
    CONFLICT: the appointment's unique and exclusion constraints must stay immediate.)

    Call it inside the caller's `transaction.atomic` (the services are).
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("save_or_conflict needs an atomic block")
    existing = None if appointment._state.adding else appointment.pk

    def name_what_is_taken() -> None:
        check_free(
            clinic=appointment.clinic,
            booking=booking,
            patient=appointment.patient,
            practitioner=appointment.practitioner,
            room=appointment.room,
            device=device,
            planned_session=appointment.planned_session,
            exclude=existing,
        )

    if existing is None and connection.vendor == "postgresql":
        if rows.insert_with_history(appointment, skip_conflicts=True, db=connection.alias):
            return appointment
        name_what_is_taken()
        # What was in the way is gone again (cancelled meanwhile): the savepoint's way
        # below books it, or names what the database refuses now.
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        resource = conflicting_resource(error)
        if resource is None:
            raise
        name_what_is_taken()
        practitioner, room, patient = (
            appointment.practitioner,
            appointment.room,
            appointment.patient,
        )
        raise conflict(
            resource, booking, practitioner=practitioner, room=room, device=device, patient=patient
        ) from error
    return appointment
