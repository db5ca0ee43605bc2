"""Reads of appointments: day and week schedules, one appointment, and slot search."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.audit.services import ListedRead, RowRead, fetch_listed
from mesodesk.clinics import selectors as clinics
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, ClinicClosure, Device, Membership, Room
from mesodesk.core import slots as core
from mesodesk.core.inputs import InputError, parse_intake
from mesodesk.core.library import Library, load_library
from mesodesk.core.localtime import local_midnight
from mesodesk.core.timeline import Timeline, build_timeline
from mesodesk.patients import selectors as patients
from mesodesk.patients.models import Patient, listed_name
from mesodesk.planning import selectors as plans
from mesodesk.planning.models import TreatmentPlan
from mesodesk.protocols.selectors import engine_overrides
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.durations import LONGEST, SEARCH_CHUNK, SLOT_STEP, duration_of
from mesodesk.scheduling.models import Appointment

Slot = core.Slot
MAX_SEARCH_DAYS = 366
MAX_SLOTS = 1000


def clinic_zone(clinic: Clinic) -> ZoneInfo:
    """The clinic's time zone."""
    return ZoneInfo(clinic.time_zone)


def local_day_range(clinic: Clinic, first: date, days: int = 1) -> tuple[datetime, datetime]:
    """The UTC instants from local midnight of `first` to local midnight `days` later."""
    return zone_day_range(clinic_zone(clinic), first, days)


def zone_day_range(zone: ZoneInfo, first: date, days: int = 1) -> tuple[datetime, datetime]:
    """As `local_day_range`, in the time zone `zone`."""
    return (
        local_midnight(first, zone).astimezone(UTC),
        local_midnight(first + timedelta(days=days), zone).astimezone(UTC),
    )


def overlapping(
    clinic: Clinic, start: datetime, end: datetime, *, include_cancelled: bool = False
) -> QuerySet[Appointment]:
    """The clinic's appointments that overlap [start, end).

    `start` is bounded below by the longest an appointment may last, so the query is a
    range scan on an index that starts with (clinic, ..., start) whatever the table size.
    """
    qs = Appointment.objects.filter(
        clinic=clinic, start__lt=end, start__gte=start - LONGEST, end__gt=start
    )
    if not include_cancelled:
        qs = qs.exclude(status=AppointmentStatus.CANCELLED)
    return qs


def _schedule(
    clinic: Clinic,
    start: datetime,
    end: datetime,
    practitioner: User | None,
    include_cancelled: bool,
    read_by: HttpRequest | None = None,
) -> list[Appointment]:
    """`overlapping`, of one practitioner if given, in time order, with patient,
    practitioner, room and device: one query in plain SQL (mesodesk.rows), since building
    and loading it through the ORM cost more than the database's work on a busy day.
    With `read_by`, the access event of that request reading the patients listed, in the
    same statement where the database allows (audit.services.fetch_listed)."""
    db = router.db_for_read(Appointment)
    practitioner_id = None if practitioner is None else practitioner.pk
    where, params = _in_range(clinic, start, end, practitioner_id, include_cancelled, db)
    sql = _appointment_sql(db, where)
    if read_by is None:
        return _appointments(clinic, sql, params, db)
    found = fetch_listed(read_by, clinic=clinic, sql=sql, params=params)
    return _loaded(clinic, found, db)


def _in_range(
    clinic: Clinic,
    start: datetime,
    end: datetime,
    practitioner_id: int | None,
    include_cancelled: bool,
    db: str,
) -> tuple[str, list[Any]]:
    """The WHERE and ORDER BY of `overlapping` (the appointments as `a`), of one
    practitioner (by id) if given, in time order; and its parameters."""
    params = _in_range_params(start, end, practitioner_id, include_cancelled, db)
    of_one = practitioner_id is not None
    return _in_range_sql(db, include_cancelled, of_one), [clinic.pk, *params]


def _in_range_params(
    start: datetime, end: datetime, practitioner_id: int | None, include_cancelled: bool, db: str
) -> list[Any]:
    """The parameters of `_in_range_sql` after the clinic's."""
    adapt = connections[db].ops.adapt_datetimefield_value
    params: list[Any] = [adapt(end), adapt(start - LONGEST), adapt(start)]
    if not include_cancelled:
        params.append(AppointmentStatus.CANCELLED.value)
    if practitioner_id is not None:
        params.append(practitioner_id)
    return params


def _start_end(db: str) -> tuple[str, str]:
    """The appointment's `start` and `end` columns, quoted (both are SQL keywords)."""
    quote = connections[db].ops.quote_name
    return quote("start"), quote("end")


@cache
def _in_range_sql(db: str, include_cancelled: bool, of_one: bool, clinic: str = "%s") -> str:
    start, end = _start_end(db)
    return (
        f" WHERE a.clinic_id = {clinic} AND a.{start} < %s AND a.{start} >= %s AND a.{end} > %s"
        + ("" if include_cancelled else " AND a.status <> %s")
        + (" AND a.practitioner_id = %s" if of_one else "")
        + f" ORDER BY a.{start}, a.id"
    )


def day_schedule(
    clinic: Clinic,
    day: date,
    practitioner: User | None = None,
    *,
    include_cancelled: bool = False,
    read_by: HttpRequest | None = None,
) -> list[Appointment]:
    """The appointments of the clinic's local `day` (of one practitioner, if given), in time
    order, with patient, practitioner, room and device loaded: one query (with the access
    event of `read_by` reading them, where given: see `_schedule`)."""
    start, end = local_day_range(clinic, day)
    return _schedule(clinic, start, end, practitioner, include_cancelled, read_by)


def day_listing(
    clinic: Clinic,
    day: date,
    practitioner: User | None = None,
    *,
    read_by: HttpRequest | None = None,
) -> list[tuple[Appointment, str]]:
    """The booked and closed (not cancelled) appointments of the clinic's local `day` (of
    one practitioner, if given), in time order, each with the patient's name as lists show
    it (`Patient.list_name`): one query reading the appointment's columns (but those no
    answer shows: `_LISTING_WITHOUT`) and three of the patient's, for answers that show
    ids and a name (the API's). `day_schedule` also loads patient, practitioner, room and
    device, which a page needs and a list of 35 rows paid for four times over. With
    `read_by`, the access event of that request reading the patients listed, in the same
    statement where the database allows (as `day_schedule`)."""
    practitioner_id = None if practitioner is None else practitioner.pk
    return _day_listing(clinic, day, practitioner_id, read_by)


def _day_listing(
    clinic: Clinic, day: date, practitioner_id: int | None, read_by: HttpRequest | None
) -> list[tuple[Appointment, str]]:
    start, end = local_day_range(clinic, day)
    db = router.db_for_read(Appointment)
    where, params = _in_range(clinic, start, end, practitioner_id, False, db)
    sql = _listing_sql(db, where)
    if read_by is None:
        return _listed(clinic, sql, params, db)
    return _listed_rows(clinic, fetch_listed(read_by, clinic=clinic, sql=sql, params=params), db)


def day_listing_read(clinic_slug: str, day: date, practitioner_id: int | None) -> DayRead:
    """`day_listing` as a read that checks the caller's API token in its statement (api.
    common.read_listed), for the clinic `clinic_slug`: refused (no context) when
    `practitioner_id` is not one of the clinic's practitioners, as `get_practitioner`.

    The local day's bounds are the ones `local_day_range` finds in the time zone this
    process last saw the clinic in (UTC the first time): a guess, which `day_listed_from`
    checks against the clinic the statement read and lists again when it was wrong (the
    database's own time zones are not used: they differ from Python's on some days)."""
    db = router.db_for_write(AccessEvent)
    zone = _zones_seen.get(clinic_slug, "UTC")
    start, end = zone_day_range(ZoneInfo(zone), day)
    of_one = practitioner_id is not None
    context_params = [Role.PRACTITIONER.value, practitioner_id] if of_one else []
    listed = ListedRead(
        context=_day_context_sql(db, of_one),
        context_params=context_params,
        context_width=1,
        sql=_listing_sql(db, _in_range_sql(db, False, of_one, "(SELECT k.clinic FROM k)")),
        params=_in_range_params(start, end, practitioner_id, False, db),
        width=_listing_width(db),
        order=_listing_order(db),
    )
    return DayRead(listed, zone, day, practitioner_id)


@dataclass(frozen=True)
class DayRead:
    """A day's list read with the token's check (`day_listing_read`), with what it
    guessed."""

    listed: ListedRead
    zone: str
    day: date
    practitioner_id: int | None


def day_listed_from(
    clinic: Clinic, read: DayRead, found: list[tuple[Any, ...]]
) -> list[tuple[Appointment, str]]:
    """The appointments and names (as `day_listing`) of the rows `read` listed in
    `clinic` (the token's, read by the same statement, which also logged the access).
    Listed once more, with the right bounds, when the clinic's time zone is not the one
    `read` guessed (the access event of the list is already written)."""
    if clinic.time_zone != read.zone:
        if len(_zones_seen) >= _ZONES_KEPT:
            _zones_seen.clear()
        _zones_seen[clinic.slug] = clinic.time_zone
        return _day_listing(clinic, read.day, read.practitioner_id, None)
    return _listed_rows(clinic, found, router.db_for_write(AccessEvent))


# The time zone each clinic (by slug) was last read in: `day_listing_read`'s guess.
# Checked on every use; a few dozen bytes per clinic, and forgotten when too many.
_zones_seen: dict[str, str] = {}
_ZONES_KEPT = 10_000


@cache
def _day_context_sql(db: str, of_one: bool) -> str:
    """The context of `day_listing_read`: the token's clinic, when it has the practitioner
    (a membership with that role, as `get_practitioner` finds one) or none is asked."""
    if not of_one:
        return "SELECT c.token_clinic AS clinic FROM c"
    memberships = rows.table(Membership, db)
    return (
        "SELECT c.token_clinic AS clinic FROM c WHERE EXISTS (SELECT 1 FROM"  # noqa: S608 - names from the models, values as parameters
        f" {memberships} m WHERE m.clinic_id = c.token_clinic AND m.role = %s"
        " AND m.user_id = %s)"
    )


@cache
def _listing_width(db: str) -> int:
    """How many columns `_listing_sql` selects: the appointment's and the name's three."""
    return rows.shape(Appointment, db, _LISTING_WITHOUT).width + 3


@cache
def _listing_order(db: str) -> tuple[int, ...]:
    """The places of the appointment's start and id among `_listing_sql`'s columns."""
    names = rows.shape(Appointment, db, _LISTING_WITHOUT).names
    return names.index("start"), names.index("id")


def listed_appointment_read(appointment_id: int) -> RowRead:
    """The read of the appointment with this id and its patient's name as lists show them
    (`listed_from_row` makes them of the row), for api.common.read_one, which reads it
    only of the caller's clinic and logs the access event: one statement on PostgreSQL."""
    db = router.db_for_write(AccessEvent)
    return RowRead(Appointment, _listing_sql(db, " WHERE a.id = %s"), [appointment_id])


def listed_from_row(clinic: Clinic, row: Sequence[Any]) -> tuple[Appointment, str]:
    """The appointment and its patient's name as lists show it, of a row of
    `listed_appointment_read` (a row of `clinic`, read where access events are written)."""
    return _listed_rows(clinic, [tuple(row)], router.db_for_write(AccessEvent))[0]


def _listed(clinic: Clinic, sql: str, params: list[Any], db: str) -> list[tuple[Appointment, str]]:
    return _listed_rows(clinic, rows.fetch(sql, params, db), db)


def _listed_rows(
    clinic: Clinic, found: list[tuple[Any, ...]], db: str
) -> list[tuple[Appointment, str]]:
    shape = rows.shape(Appointment, db, _LISTING_WITHOUT)
    listed = []
    for row in found:
        appointment = shape.load(row, 0, db)
        rows.attach(appointment, "clinic", clinic)
        listed.append((appointment, listed_name(appointment.patient_id, *row[shape.width :])))
    return listed


# What a listing leaves unread (deferred) of each appointment: the fields no answer made of
# it shows (api.scheduling's AppointmentOut). Two of them are timestamps, which cost a
# Python loader each to read: 70 a day of 35 appointments (issue 15).
_LISTING_WITHOUT = ("created_by", "created_at", "updated_at", "rebook")


@cache
def _listing_sql(db: str, where: str) -> str:
    """The appointments (`a`) `where` selects (but the fields `_LISTING_WITHOUT` names),
    with the patient's first and last name and erasure time."""
    a, p = rows.table(Appointment, db), rows.table(Patient, db)
    listed = rows.columns(Appointment, "a", db, _LISTING_WITHOUT)
    return (
        f"SELECT {listed}, p.first_name, p.last_name, p.erased_at"  # noqa: S608 - names from the models, values as parameters
        f" FROM {a} a JOIN {p} p ON p.id = a.patient_id{where}"
    )


def week_schedule(
    clinic: Clinic,
    first_day: date,
    practitioner: User | None = None,
    *,
    include_cancelled: bool = False,
    read_by: HttpRequest | None = None,
) -> dict[date, list[Appointment]]:
    """Seven local days from `first_day`, each with its appointments in time order (an
    appointment is listed on the local day it starts): one query (with the access event
    of `read_by` reading them, where given: see `_schedule`)."""
    zone = clinic_zone(clinic)
    start, end = local_day_range(clinic, first_day, days=7)
    week: dict[date, list[Appointment]] = {first_day + timedelta(days=i): [] for i in range(7)}
    for appointment in _schedule(clinic, start, end, practitioner, include_cancelled, read_by):
        day = appointment.start.astimezone(zone).date()
        # An appointment that began the evening before the week is shown on its first day.
        week[day if day in week else first_day].append(appointment)
    return week


def get_appointment(clinic: Clinic, appointment_id: int) -> Appointment:
    """The clinic's appointment with this id, with its patient, practitioner, room and
    device; Http404 for another clinic's or none. One query, in plain SQL (mesodesk.rows):
    the ORM took three times as long to build it as the database to run it."""
    db = router.db_for_read(Appointment)
    sql = _appointment_sql(db, " WHERE a.clinic_id = %s AND a.id = %s")
    found = _appointments(clinic, sql, [clinic.pk, appointment_id], db)
    if not found:
        raise Http404("No such appointment.")
    return found[0]


_RELATED = ("patient", "practitioner", "room", "device")


def _appointments(clinic: Clinic, sql: str, params: list[Any], db: str) -> list[Appointment]:
    """The appointments `sql` (made by `_appointment_sql`) selects, each with its clinic
    and, read in the same row, its patient, practitioner, room and device."""
    return _loaded(clinic, rows.fetch(sql, params, db), db)


def _loaded(clinic: Clinic, found_rows: list[tuple[Any, ...]], db: str) -> list[Appointment]:
    found = rows.load_all(found_rows, Appointment, Patient, User, Room, Device, db=db)
    listed = []
    for appointment, *related in found:
        rows.attach(appointment, "clinic", clinic)
        for name, value in zip(_RELATED, related, strict=True):
            rows.attach(appointment, name, value)
        listed.append(appointment)
    return listed


def unclosed_or_to_rebook(clinic: Clinic, *, now: datetime, limit: int) -> list[Appointment]:
    """What Today asks the clinic to deal with, oldest first, at most `limit`: appointments
    whose time is over but still `booked` (visits.unclosed), and those a closure cancelled
    (`rebook`) whose patient has not been booked again since (an appointment made after
    the cancellation, not cancelled). One query in plain SQL, as the day's."""
    db = router.db_for_read(Appointment)
    at = connections[db].ops.adapt_datetimefield_value(now)
    params = [clinic.pk, at, at, limit, clinic.pk, limit, limit]
    return _appointments(clinic, _appointment_sql(db, _pending_sql(db)), params, db)


@cache
def _pending_sql(db: str) -> str:
    # Each half on its partial index (sched_appt_booked_start, sched_appt_to_rebook), so
    # the cost follows what is pending, not the clinic's appointments. The statuses are
    # written into the text, as the indexes' conditions are: a prepared statement whose
    # status were a parameter could use neither.
    start, end = _start_end(db)
    booked, cancelled, late = (
        f"'{status.value}'"
        for status in (
            AppointmentStatus.BOOKED,
            AppointmentStatus.CANCELLED,
            AppointmentStatus.LATE_CANCELLED,
        )
    )
    table = rows.table(Appointment, db)
    true = "true" if connections[db].vendor == "postgresql" else "1"
    return (
        f" WHERE a.id IN (SELECT id FROM (SELECT x.id FROM {table} x"  # noqa: S608 - names from the models, values as parameters
        f" WHERE x.clinic_id = %s AND x.status = {booked} AND x.{start} < %s AND x.{end} <= %s"
        f" ORDER BY x.{start}, x.id LIMIT %s) unclosed"
        f" UNION ALL SELECT id FROM (SELECT x.id FROM {table} x"
        f" WHERE x.clinic_id = %s AND x.status = {cancelled} AND x.rebook = {true}"
        f" AND NOT EXISTS (SELECT 1 FROM {table} b WHERE b.clinic_id = x.clinic_id"
        " AND b.patient_id = x.patient_id AND b.created_at > x.cancelled_at"
        f" AND b.status NOT IN ({cancelled}, {late}))"
        f" ORDER BY x.{start}, x.id LIMIT %s) to_rebook)"
        f" ORDER BY a.{start}, a.id LIMIT %s"
    )


@cache
def _appointment_sql(db: str, where: str) -> str:
    """Appointments (`where` they match) with patient, practitioner, room and device."""
    a, p, u, r, d = (rows.table(m, db) for m in (Appointment, Patient, User, Room, Device))
    selected = rows.columns_of(
        (Appointment, "a"), (Patient, "p"), (User, "u"), (Room, "r"), (Device, "d"), db=db
    )
    return (
        f"SELECT {selected} FROM {a} a"  # noqa: S608 - names from the models, values as parameters
        f" JOIN {p} p ON p.id = a.patient_id"
        f" JOIN {u} u ON u.id = a.practitioner_id"
        f" JOIN {r} r ON r.id = a.room_id"
        f" LEFT JOIN {d} d ON d.id = a.device_id{where}"
    )


def appointments_of_patient(clinic: Clinic, patient: Patient) -> list[Appointment]:
    """The patient's appointments at the clinic, newest first, with practitioner, room and
    device: one query in plain SQL, as the day's (the chart lists them on every view)."""
    db = router.db_for_read(Appointment)
    sql = _appointment_sql(db, _of_patient_sql(db))
    return _appointments(clinic, sql, [clinic.pk, patient.pk], db)


@cache
def _of_patient_sql(db: str) -> str:
    start = _start_end(db)[0]
    return f" WHERE a.clinic_id = %s AND a.patient_id = %s ORDER BY a.{start} DESC, a.id DESC"


@cache
def _busy_sql(db: str) -> str:
    """In no particular order: slot search sorts them."""
    connection = connections[db]
    start, end = _start_end(db)
    times = f"{start}, {end}"
    if connection.vendor == "postgresql":
        # Float seconds since 1970: exact to the microsecond, and several times cheaper
        # to read than a timestamptz through Django's loader.
        times = f"EXTRACT(EPOCH FROM {start})::float8, EXTRACT(EPOCH FROM {end})::float8"
    return (
        f"SELECT practitioner_id, room_id, device_id, {times}"  # noqa: S608 - names from the models, values as parameters
        f" FROM {rows.table(Appointment, db)} WHERE clinic_id = %s AND status = %s"
        f" AND {start} < %s AND {start} >= %s AND {end} > %s"
    )


def busy_and_closed(
    clinic: Clinic, start: datetime, end: datetime, first_day: date, last_day: date
) -> tuple[list[tuple[int, int, int | None, datetime, datetime]], frozenset[date]]:
    """(practitioner, room, device, start, end) of the clinic's booked appointments that
    overlap [start, end), what slot search must keep clear (one indexed range query), and
    the days from `first_day` to `last_day` the clinic is closed (as `clinics.
    closures_between`): one statement, since slot search asks both of every week it
    searches and each was a round trip of its own (issue 15)."""
    db = router.db_for_read(Appointment)
    connection = connections[db]
    adapt = connection.ops.adapt_datetimefield_value
    adapt_day = connection.ops.adapt_datefield_value
    params = [
        clinic.pk,
        AppointmentStatus.BOOKED.value,
        adapt(end),
        adapt(start - LONGEST),
        adapt(start),
        clinic.pk,
        adapt_day(first_day),
        adapt_day(last_day),
    ]
    # A few hundred rows a week: reading the times is most of the cost, so they are read
    # the cheapest way each database allows, straight from the cursor.
    convert: Callable[[Any], datetime] = (
        _from_epoch if connection.vendor == "postgresql" else _as_utc
    )
    busy, closed = [], set()
    for p, r, d, a, b, day in rows.fetch(_busy_and_closed_sql(db), params, db):
        if day is None:
            busy.append((p, r, d, convert(a), convert(b)))
        else:
            closed.add(rows.converted(day, ClinicClosure, "date", db))
    return busy, frozenset(closed)


@cache
def _busy_and_closed_sql(db: str) -> str:
    """The closures' days after the busy times, each in its own column (NULL elsewhere)."""
    day = connections[db].ops.quote_name("date")
    return (
        f"SELECT *, NULL FROM ({_busy_sql(db)}) b UNION ALL"  # noqa: S608 - names from the models, values as parameters
        f" SELECT NULL, NULL, NULL, NULL, NULL, {day} FROM {rows.table(ClinicClosure, db)}"
        f" WHERE clinic_id = %s AND {day} >= %s AND {day} <= %s"
    )


def _from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _as_utc(instant: datetime) -> datetime:
    # SQLite's datetimes come back naive, in UTC.
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def find_slots(
    *,
    clinic: Clinic,
    kind: AppointmentKind | str,
    start_date: date,
    days: int = 56,
    practitioner_ids: Iterable[int] | None = None,
    room_ids: Iterable[int] | None = None,
    device_ids: Iterable[int] | None = None,
    device_type: str | None = None,
    not_before: datetime | None = None,
    limit: int = 20,
    days_wanted: int | None = None,
    resources: clinics.Resources | None = None,
) -> list[Slot]:
    """The first `limit` free slots for an appointment of `kind` in the `days` local days
    from `start_date` (only from the first `days_wanted` days with any, when given: a page
    that shows a few days reads no further than it needs): a practitioner (of
    `practitioner_ids`, else any of the clinic's) in their working hours, a free room (of
    `room_ids`, else any) and, with `device_type` or `device_ids`, a free device of that
    type or among those, inside opening hours, off closures, not before `not_before` nor
    now. ValidationError (by field) for a search too long or too big, an unknown kind or a
    naive `not_before`.

    The clinic's settings are read once (or come as `resources`, read by the caller for
    its form as well, or for a second search); the busy intervals are read a week at a
    time and the search stops as soon as it has `limit` slots (or `days_wanted` days), so
    it costs the same with ten thousand or a million appointments in the table.
    """
    errors = {}
    if not 1 <= days <= MAX_SEARCH_DAYS:
        errors["days"] = f"Search 1 to {MAX_SEARCH_DAYS} days."
    if not 1 <= limit <= MAX_SLOTS:
        errors["limit"] = f"Ask for 1 to {MAX_SLOTS} slots."
    if days_wanted is not None and not 1 <= days_wanted <= days:
        errors["days_wanted"] = "Ask for at least one day, and no more than are searched."
    if kind not in AppointmentKind.values:
        errors["kind"] = f"Choose one of {', '.join(AppointmentKind.values)}."
    if not_before is not None and timezone.is_naive(not_before):
        errors["not_before"] = "Give the time with its time zone."
    if errors:
        raise ValidationError(errors, code="invalid")
    zone = clinic_zone(clinic)
    now = timezone.now()
    earliest = max(not_before, now) if not_before is not None else now
    # The clinic's settings in one statement of plain SQL: every slot search reads them.
    if resources is None:
        resources = clinics.resources(clinic)
    members = [user.pk for user in resources.practitioners]
    if practitioner_ids is not None:
        wanted = set(practitioner_ids)
        members = [pid for pid in members if pid in wanted]
    chosen_rooms = [room.pk for room in resources.rooms]
    if room_ids is not None:
        wanted_rooms = set(room_ids)
        chosen_rooms = [pk for pk in chosen_rooms if pk in wanted_rooms]
    device_rows: list[tuple[int, str]] = []
    if device_type is not None or device_ids is not None:
        device_rows = [
            (d.pk, d.device_type)
            for d in resources.devices
            if device_type is None or d.device_type == device_type
        ]
        if device_ids is not None:
            wanted_devices = set(device_ids)
            device_rows = [row for row in device_rows if row[0] in wanted_devices]
        if device_type is None and device_rows:
            device_type = device_rows[0][1]
    if not members or not chosen_rooms or (device_type is not None and not device_rows):
        return []
    hours = resources.hours
    clinic_hours = clinics.clinic_hours(clinic)
    duration = duration_of(kind)

    found: list[Slot] = []
    last = start_date + timedelta(days=days)
    chunk_start = start_date
    days_left = days_wanted
    while chunk_start < last and len(found) < limit and days_left != 0:
        chunk_end = min(chunk_start + SEARCH_CHUNK, last)
        window_start, window_end = local_day_range(
            clinic, chunk_start, (chunk_end - chunk_start).days
        )
        if window_end > earliest:
            before = len(found)
            busy, closed = busy_and_closed(
                clinic, window_start, window_end, chunk_start, chunk_end - timedelta(days=1)
            )
            found += _search_window(
                window_start=window_start,
                window_end=window_end,
                zone=zone,
                duration=duration,
                clinic_hours=clinic_hours,
                closures=closed,
                busy=busy,
                practitioner_hours={pid: hours.get(pid) for pid in members},
                room_ids=chosen_rooms,
                device_rows=device_rows,
                device_type=device_type,
                not_before=earliest,
                limit=limit - len(found),
                days_wanted=days_left,
            )
            if days_left is not None:
                days_left -= len({slot.start.astimezone(zone).date() for slot in found[before:]})
        chunk_start = chunk_end
    return found


def _search_window(
    *,
    window_start: datetime,
    window_end: datetime,
    zone: ZoneInfo,
    duration: timedelta,
    clinic_hours: core.WeeklyHours,
    closures: frozenset[date],
    busy: list[tuple[int, int, int | None, datetime, datetime]],
    practitioner_hours: dict[int, core.WeeklyHours | None],
    room_ids: list[int],
    device_rows: list[tuple[int, str]],
    device_type: str | None,
    not_before: datetime,
    limit: int,
    days_wanted: int | None = None,
) -> list[Slot]:
    by_practitioner: dict[int, list[core.Interval]] = {pid: [] for pid in practitioner_hours}
    by_room: dict[int, list[core.Interval]] = {rid: [] for rid in room_ids}
    by_device: dict[int, list[core.Interval]] = {did: [] for did, _ in device_rows}
    for practitioner_id, room_id, device_id, start, end in busy:
        interval = (start, end)
        if practitioner_id in by_practitioner:
            by_practitioner[practitioner_id].append(interval)
        if room_id in by_room:
            by_room[room_id].append(interval)
        if device_id in by_device:
            by_device[device_id].append(interval)
    query = core.SlotQuery(
        zone=zone,
        duration=duration,
        window_start=window_start,
        window_end=window_end,
        clinic_hours=clinic_hours,
        closures=closures,
        device_kind=device_type,
        step=SLOT_STEP,
        limit=limit,
        days_wanted=days_wanted,
        not_before=not_before,
        practitioners=tuple(
            core.Resource(
                id=pid,
                busy=by_practitioner[pid],
                # A practitioner with no working hours recorded works whenever the clinic
                # is open; one with hours on some days works only then.
                hours=week if week and any(week.values()) else None,
            )
            for pid, week in practitioner_hours.items()
        ),
        rooms=tuple(core.Resource(id=rid, busy=by_room[rid]) for rid in room_ids),
        devices=tuple(
            core.Resource(id=did, busy=by_device[did], kind=kind) for did, kind in device_rows
        ),
    )
    return core.find_slots(query)


def appointment_timeline(
    clinic: Clinic, appointment: Appointment, *, library: Library | None = None
) -> Timeline | None:
    """The patient's timeline around a session appointment (preparation, day of, aftercare,
    watch), from their latest intake, the plan the appointment belongs to (else their
    active plan) and the clinic's overrides; None for a consultation or follow-up, or when
    there is no valid intake to build it from."""
    if appointment.kind != AppointmentKind.SESSION:
        return None
    library = library if library is not None else load_library()
    version = patients.latest_intake(clinic, appointment.patient)
    if version is None:
        return None
    plan: TreatmentPlan | None
    if appointment.planned_session_id is not None:
        plan = TreatmentPlan.objects.filter(
            clinic=clinic, sessions__pk=appointment.planned_session_id
        ).first()
    else:
        plan = plans.active_plan(clinic, appointment.patient)
    try:
        intake = parse_intake(version.answers, library)
        plan_input = plans.core_plan(plan, library) if plan is not None else None
    except InputError:
        return None
    zone = clinic_zone(clinic)
    return build_timeline(
        intake,
        plan_input,
        start=appointment.start.astimezone(zone),
        duration=appointment.end - appointment.start,
        library=library,
        overrides=engine_overrides(clinic=clinic),
    )


def session_to_show(appointments: Iterable[Appointment], now: datetime) -> Appointment | None:
    """Of a patient's `appointments`, the next booked treatment session (one that has not
    ended), else their latest booked or completed one: the session whose timeline their
    chart shows. The chart has read the appointments already: no query."""
    sessions = [
        a
        for a in appointments
        if a.kind == AppointmentKind.SESSION
        and a.status in (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED)
    ]
    upcoming = [a for a in sessions if a.end > now]
    if upcoming:
        return min(upcoming, key=lambda a: (a.start, a.pk))
    return max(sessions, key=lambda a: (a.start, a.pk), default=None)


# --- the patient portal ------------------------------------------------------------------


def patient_appointment(clinic: Clinic, patient: Patient, appointment_id: int) -> Appointment:
    """The patient's own appointment at the clinic; Http404 for anyone else's or none."""
    return get_object_or_404(
        Appointment.objects.select_related("patient", "practitioner", "room", "device"),
        clinic=clinic,
        patient=patient,
        pk=appointment_id,
    )


def upcoming_appointments(
    clinic: Clinic,
    patient: Patient,
    *,
    kind: AppointmentKind | None = None,
    limit: int | None = None,
) -> list[Appointment]:
    """The patient's booked appointments (of `kind`, if given) that have not ended yet,
    soonest first, at most `limit`; with patient, practitioner, room and device. One query
    in plain SQL: the portal's pages read it on every view."""
    db = router.db_for_read(Appointment)
    params: list[Any] = [clinic.pk, patient.pk, AppointmentStatus.BOOKED.value]
    params.append(connections[db].ops.adapt_datetimefield_value(timezone.now()))
    if kind is not None:
        params.append(kind.value)
    if limit is not None:
        params.append(limit)
    where = _upcoming_sql(db, kind is not None, limit is not None)
    return _appointments(clinic, _appointment_sql(db, where), params, db)


@cache
def _upcoming_sql(db: str, of_kind: bool, limited: bool) -> str:
    start, end = _start_end(db)
    return (
        f" WHERE a.clinic_id = %s AND a.patient_id = %s AND a.status = %s AND a.{end} > %s"
        + (" AND a.kind = %s" if of_kind else "")
        + f" ORDER BY a.{start}, a.id"
        + (" LIMIT %s" if limited else "")
    )


def next_session(clinic: Clinic, patient: Patient) -> Appointment | None:
    """The patient's next booked session that has not ended (the one their timeline is for)."""
    found = upcoming_appointments(clinic, patient, kind=AppointmentKind.SESSION, limit=1)
    return found[0] if found else None
