"""Reads of clinics, memberships, opening hours, rooms, devices and working hours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.db import connections, router
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import (
    Clinic,
    ClinicClosure,
    Device,
    Invitation,
    Membership,
    Room,
    WorkingHours,
    invitation_token_hash,
)


def clinic_today(clinic: Clinic) -> date:
    """Today in the clinic's time zone: its date can differ from the server's (UTC) for
    hours every night, and every rule about "today" is the clinic's."""
    return timezone.now().astimezone(ZoneInfo(clinic.time_zone)).date()


def clinic_by_slug(*, slug: str) -> Clinic | None:
    """The clinic with this slug, if any."""
    return Clinic.objects.filter(slug=slug).first()


def all_clinics() -> QuerySet[Clinic]:
    """Every clinic, by name."""
    return Clinic.objects.order_by("name")


def memberships_of_clinic(*, clinic: Clinic) -> QuerySet[Membership]:
    """The clinic's staff with their users, by role and then e-mail address."""
    return (
        Membership.objects.filter(clinic=clinic)
        .select_related("user")
        .order_by("role", "user__email")
    )


def membership(clinic: Clinic, user: User | AnonymousUser | None) -> Membership | None:
    """The user's membership in the clinic, or None (also for anonymous users)."""
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(clinic=clinic, user=user).first()


def _time(text: str) -> time:
    return time.fromisoformat(text)


def clinic_hours(clinic: Clinic) -> dict[int, list[tuple[time, time]]]:
    """The clinic's opening hours: weekday (0 = Monday) to its (open, close) spans."""
    hours = clinic.opening_hours or {}
    return {
        day: [(_time(start), _time(end)) for start, end in hours.get(str(day), [])]
        for day in range(7)
    }


def closed_weekdays(clinic: Clinic) -> frozenset[int]:
    """The weekdays (0 = Monday) on which the clinic has no opening hours at all."""
    return frozenset(day for day, spans in clinic_hours(clinic).items() if not spans)


def closures_between(clinic: Clinic, start_date: date, end_date: date) -> frozenset[date]:
    """The days from start_date to end_date (both included) the clinic is closed. One
    query in plain SQL (mesodesk.rows): every slot search and week asks."""
    db = router.db_for_read(ClinicClosure)
    adapt = connections[db].ops.adapt_datefield_value
    found = rows.fetch(_closures_sql(db), [clinic.pk, adapt(start_date), adapt(end_date)], db)
    shape = rows.shape(ClinicClosure, db)
    return frozenset(shape.load(row, 0, db).date for row in found)


@cache
def _closures_sql(db: str) -> str:
    quote = connections[db].ops.quote_name
    name, day = rows.table(ClinicClosure, db), quote("date")
    return (
        f"SELECT {rows.columns(ClinicClosure, name, db)} FROM {name}"  # noqa: S608 - names from the models, values as parameters
        f" WHERE clinic_id = %s AND {day} >= %s AND {day} <= %s"
    )


def closures(clinic: Clinic) -> QuerySet[ClinicClosure]:
    """The clinic's closures, by date."""
    return ClinicClosure.objects.filter(clinic=clinic).order_by("date")


def practitioners(clinic: Clinic) -> QuerySet[Membership]:
    """The clinic's practitioners' memberships, with their users, by e-mail address."""
    return (
        Membership.objects.filter(clinic=clinic, role=Role.PRACTITIONER)
        .select_related("user")
        .order_by("user__email")
    )


def working_hours(
    clinic: Clinic, practitioner_ids: Iterable[int]
) -> dict[int, dict[int, list[tuple[time, time]]]]:
    """Practitioner id to weekday (0 = Monday) to their (start, end) spans, in order.

    Every practitioner asked about is in the answer, with an empty week if they have no
    working hours at this clinic. One query in plain SQL (mesodesk.rows) for the clinic's
    few rows: every slot search and week asks.
    """
    ids = list(dict.fromkeys(practitioner_ids))
    out: dict[int, dict[int, list[tuple[time, time]]]] = {
        pid: {day: [] for day in range(7)} for pid in ids
    }
    db = router.db_for_read(WorkingHours)
    shape = rows.shape(WorkingHours, db)
    for row in rows.fetch(_working_hours_sql(db), [clinic.pk], db):
        span = shape.load(row, 0, db)
        if span.practitioner_id in out:
            out[span.practitioner_id][span.weekday].append((span.start, span.end))
    return out


@cache
def _working_hours_sql(db: str) -> str:
    name, start = rows.table(WorkingHours, db), connections[db].ops.quote_name("start")
    return (
        f"SELECT {rows.columns(WorkingHours, name, db)} FROM {name}"  # noqa: S608 - names from the models, values as parameters
        f" WHERE clinic_id = %s ORDER BY practitioner_id, weekday, {start}"
    )


def working_hours_of(clinic: Clinic, practitioner: User) -> QuerySet[WorkingHours]:
    """One practitioner's working-hours rows at the clinic, by weekday and start."""
    return WorkingHours.objects.filter(clinic=clinic, practitioner=practitioner).order_by(
        "weekday", "start"
    )


def rooms(clinic: Clinic, *, include_inactive: bool = False) -> QuerySet[Room]:
    """The clinic's rooms (only active ones unless asked), by name."""
    qs = Room.objects.filter(clinic=clinic)
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs.order_by("name")


def devices(
    clinic: Clinic, device_type: str | None = None, *, include_inactive: bool = False
) -> QuerySet[Device]:
    """The clinic's devices (only active ones unless asked), maybe of one type, by name."""
    qs = Device.objects.filter(clinic=clinic)
    if device_type is not None:
        qs = qs.filter(device_type=device_type)
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs.order_by("name")


@dataclass(frozen=True)
class Resources:
    """What a slot search and its form, or the week, are drawn from: the clinic's
    practitioners (by e-mail address, as `practitioners`), all its rooms and devices (by
    name, in use or not; `rooms` and `devices` are those in use) and the practitioners'
    working hours (as `working_hours`)."""

    practitioners: list[User]
    every_room: list[Room]
    every_device: list[Device]
    hours: dict[int, dict[int, list[tuple[time, time]]]]

    @property
    def rooms(self) -> list[Room]:
        return [room for room in self.every_room if room.active]

    @property
    def devices(self) -> list[Device]:
        return [device for device in self.every_device if device.active]

    @property
    def practitioners_by_name(self) -> list[User]:
        """The practitioners as the pages list them: by name, then e-mail address."""
        return sorted(self.practitioners, key=lambda u: (u.first_name, u.last_name, u.email))


def resources(clinic: Clinic) -> Resources:
    """The clinic's `Resources`, in one statement of plain SQL (mesodesk.rows): slot search
    read them in four, and its form three more times through the ORM; the week in four.
    Instances carry the columns the pages and searches use (names, types, ids, whether in
    use), not whole rows."""
    db = router.db_for_read(Membership)
    practitioners: list[User] = []
    room_list: list[Room] = []
    device_list: list[Device] = []
    hours: dict[int, dict[int, list[tuple[time, time]]]] = {}
    params = [clinic.pk, clinic.pk, Role.PRACTITIONER.value, clinic.pk, clinic.pk]
    for part, pk, name, order, first, last, start, end, active in rows.fetch(
        _resources_sql(db), params, db
    ):
        if part == 0:
            practitioners.append(User(pk=pk, email=name, first_name=first, last_name=last))
        elif part == 1:
            room_list.append(Room(pk=pk, clinic_id=clinic.pk, name=name, active=bool(active)))
        elif part == 2:
            device_list.append(
                Device(
                    pk=pk,
                    clinic_id=clinic.pk,
                    name=name,
                    device_type=first,
                    model_name=last,
                    active=bool(active),
                )
            )
        else:
            week = hours.setdefault(pk, {day: [] for day in range(7)})
            week[order].append(
                (
                    rows.converted(start, WorkingHours, "start", db),
                    rows.converted(end, WorkingHours, "end", db),
                )
            )
    for user in practitioners:
        hours.setdefault(user.pk, {day: [] for day in range(7)})
    return Resources(practitioners, room_list, device_list, hours)


@cache
def _resources_sql(db: str) -> str:
    # One row shape for the four parts: (part, id, name, order, text, text, start, end,
    # active), sorted as each part's own selector sorts (by e-mail address or name, then
    # id; hours by weekday and start).
    m, u, r, d, w = (
        rows.table(model, db) for model in (Membership, User, Room, Device, WorkingHours)
    )
    start, end = (connections[db].ops.quote_name(name) for name in ("start", "end"))
    # The hours first: PostgreSQL types a UNION's columns from left to right, and a NULL
    # that comes first is text, which a time (or a boolean) then cannot join.
    return (
        f"SELECT 3, practitioner_id, NULL, weekday, NULL, NULL, {start}, {end},"  # noqa: S608 - names from the models, values as parameters
        " CAST(NULL AS BOOLEAN)"
        f" FROM {w} WHERE clinic_id = %s"
        " UNION ALL SELECT 0, u.id, u.email, m.id, u.first_name, u.last_name, NULL, NULL, NULL"
        f" FROM {m} m JOIN {u} u ON u.id = m.user_id WHERE m.clinic_id = %s AND m.role = %s"
        " UNION ALL SELECT 1, id, name, id, NULL, NULL, NULL, NULL, active"
        f" FROM {r} WHERE clinic_id = %s"
        " UNION ALL SELECT 2, id, name, id, device_type, model_name, NULL, NULL, active"
        f" FROM {d} WHERE clinic_id = %s"
        " ORDER BY 1, 3, 4, 7"
    )


def get_room(clinic: Clinic, room_id: int) -> Room:
    """The clinic's room with this id; Http404 for another clinic's room or no room."""
    return _of_clinic(Room, clinic, room_id)


def get_device(clinic: Clinic, device_id: int) -> Device:
    """The clinic's device with this id; Http404 for another clinic's device or none."""
    return _of_clinic(Device, clinic, device_id)


def _of_clinic[M: Room | Device](model: type[M], clinic: Clinic, pk: int) -> M:
    # Plain SQL (mesodesk.rows): every booking reads its room, and a session its device.
    found = rows.one(model, clinic_id=clinic.pk, id=pk)
    if found is None:
        raise Http404(f"No such {model._meta.verbose_name}.")
    rows.attach(found, "clinic", clinic)
    return found


def get_practitioner(clinic: Clinic, user_id: int) -> User:
    """A practitioner of the clinic by user id; Http404 for anyone else. One query, in
    plain SQL (mesodesk.rows): every booking and day list asks it."""
    db = router.db_for_read(User)
    found = rows.fetch(_practitioner_sql(db), [clinic.pk, Role.PRACTITIONER.value, user_id], db)
    if not found:
        raise Http404("No such practitioner.")
    return rows.shape(User, db).load(found[0], 0, db)


@cache
def _practitioner_sql(db: str) -> str:
    users, memberships = rows.table(User, db), rows.table(Membership, db)
    return (
        f"SELECT {rows.columns(User, 'u', db)} FROM {users} u"  # noqa: S608 - names from the models, values as parameters
        f" JOIN {memberships} m ON m.user_id = u.id"
        " WHERE m.clinic_id = %s AND m.role = %s AND u.id = %s"
    )


def who_and_where(
    clinic: Clinic, *, practitioner_id: int, room_id: int, device_id: int | None
) -> tuple[User, Room, Device | None]:
    """The practitioner, room and device (if one is asked for) a booking names, as
    get_practitioner, get_room and get_device find them, in one statement of plain SQL
    (every booking and move reads all three). Http404 naming the first not found."""
    db = router.db_for_read(Room)
    params = [practitioner_id, clinic.pk, Role.PRACTITIONER.value]
    found = rows.fetch(
        _who_and_where_sql(db), [*params, clinic.pk, room_id, clinic.pk, device_id], db
    )
    practitioner, room, device = rows.load_all(found, User, Room, Device, db=db)[0]
    if practitioner is None:
        raise Http404("No such practitioner.")
    for model, instance in ((Room, room), (Device, device)):
        if instance is not None:
            rows.attach(instance, "clinic", clinic)
        elif model is Room or device_id is not None:
            raise Http404(f"No such {model._meta.verbose_name}.")
    return practitioner, room, device


@cache
def _who_and_where_sql(db: str) -> str:
    u, m, r, d = (rows.table(model, db) for model in (User, Membership, Room, Device))
    selected = rows.columns_of((User, "u"), (Room, "r"), (Device, "d"), db=db)
    # One row whatever is found: each part joined to it on its own, NULL when missing.
    return (
        f"SELECT {selected} FROM (SELECT 1 AS one) x"  # noqa: S608 - names from the models, values as parameters
        f" LEFT JOIN {u} u ON u.id = %s AND EXISTS (SELECT 1 FROM {m} m"
        " WHERE m.user_id = u.id AND m.clinic_id = %s AND m.role = %s)"
        f" LEFT JOIN {r} r ON r.clinic_id = %s AND r.id = %s"
        f" LEFT JOIN {d} d ON d.clinic_id = %s AND d.id = %s"
    )


def get_closure(clinic: Clinic, closure_id: int) -> ClinicClosure:
    """The clinic's closure with this id; Http404 for another clinic's or none."""
    return get_object_or_404(ClinicClosure, clinic=clinic, pk=closure_id)


def get_working_hours(clinic: Clinic, hours_id: int) -> WorkingHours:
    """The clinic's working-hours row with this id; Http404 for another clinic's or none."""
    return get_object_or_404(WorkingHours, clinic=clinic, pk=hours_id)


def all_working_hours(clinic: Clinic) -> QuerySet[WorkingHours]:
    """Every practitioner's working hours at the clinic, by practitioner, weekday, start."""
    return (
        WorkingHours.objects.filter(clinic=clinic)
        .select_related("practitioner")
        .order_by("practitioner__email", "weekday", "start")
    )


def devices_with_rooms(clinic: Clinic) -> QuerySet[Device]:
    """All the clinic's devices, active or not, with their rooms, by name."""
    return Device.objects.filter(clinic=clinic).select_related("room").order_by("name")


def invitations(clinic: Clinic) -> QuerySet[Invitation]:
    """The clinic's staff invitations, newest first, with who sent them."""
    return (
        Invitation.objects.filter(clinic=clinic)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def get_invitation(clinic: Clinic, invitation_id: int) -> Invitation:
    """The clinic's invitation with this id; Http404 for another clinic's or none."""
    return get_object_or_404(Invitation, clinic=clinic, pk=invitation_id)


def invitation_by_token(clinic: Clinic, token: str) -> Invitation:
    """The clinic's invitation whose link carries `token`; Http404 if there is none."""
    return get_object_or_404(
        Invitation.objects.select_related("invited_by"),
        clinic=clinic,
        token_hash=invitation_token_hash(token),
    )
