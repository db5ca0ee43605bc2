"""Slot search and the day and week schedules, on the real database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.clinics.services import add_closure, add_device, add_working_hours
from mesodesk.patients.models import Patient
from mesodesk.scheduling.choices import AppointmentKind
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.selectors import (
    day_schedule,
    find_slots,
    get_appointment,
    week_schedule,
)
from mesodesk.scheduling.services import book_appointment, cancel_appointment
from tests.scheduling.conftest import BERLIN, make_patient

At = Callable[..., datetime]


def local(slot_start: datetime) -> str:
    """A slot's start as Berlin wall time, "Mon 09:00"."""
    return slot_start.astimezone(BERLIN).strftime("%a %H:%M")


def book(
    clinic: Clinic,
    patient: Patient,
    by: User,
    start: datetime,
    practitioner: User,
    room: Room,
    *,
    kind: str = AppointmentKind.CONSULTATION,
    device: Device | None = None,
) -> Appointment:
    return book_appointment(
        clinic=clinic,
        patient=patient,
        by=by,
        kind=kind,
        start=start,
        practitioner=practitioner,
        room=room,
        device=device,
    )


def test_slots_follow_the_opening_hours_on_a_fifteen_minute_grid(
    clinic: Clinic, pedro: User, room: Room, monday: date
) -> None:
    slots = find_slots(
        clinic=clinic, kind=AppointmentKind.CONSULTATION, start_date=monday, days=7, limit=500
    )
    starts = [local(s.start) for s in slots]
    assert starts[:3] == ["Mon 09:00", "Mon 09:15", "Mon 09:30"]
    # Weekdays 09:00-18:00: the last 30-minute consultation starts at 17:30.
    assert "Mon 17:30" in starts and "Mon 17:45" not in starts
    # Saturday 09:00-13:00, Sunday closed.
    assert [s for s in starts if s.startswith("Sat")][-1] == "Sat 12:30"
    assert not [s for s in starts if s.startswith("Sun")]
    assert len(slots) == 5 * 35 + 15
    assert {(s.practitioner, s.room, s.device) for s in slots} == {(pedro.pk, room.pk, None)}


def test_a_session_slot_lasts_the_numbing_time_and_the_procedure(
    clinic: Clinic, pedro: User, room: Room, monday: date
) -> None:
    slot = find_slots(clinic=clinic, kind=AppointmentKind.SESSION, start_date=monday, limit=1)[0]
    assert slot.end - slot.start == timedelta(minutes=20 + 30)


def test_slots_follow_each_practitioners_working_hours(
    clinic: Clinic, pedro: User, petra: User, room: Room, room_2: Room, monday: date
) -> None:
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=0, start=time(13), end=time(17))
    slots = find_slots(
        clinic=clinic, kind=AppointmentKind.CONSULTATION, start_date=monday, days=2, limit=500
    )
    pedros = [local(s.start) for s in slots if s.practitioner == pedro.pk]
    petras = [local(s.start) for s in slots if s.practitioner == petra.pk]
    assert pedros[0] == "Mon 13:00" and pedros[-1] == "Mon 16:30"
    # Petra has no working hours recorded: she works whenever the clinic is open.
    assert petras[0] == "Mon 09:00" and petras[-1] == "Tue 17:30"


def test_no_slots_on_a_closure_day(clinic: Clinic, pedro: User, room: Room, monday: date) -> None:
    add_closure(clinic=clinic, date=monday, reason="Staff training")
    slot = find_slots(clinic=clinic, kind=AppointmentKind.CONSULTATION, start_date=monday)[0]
    assert local(slot.start) == "Tue 09:00"


def test_slots_avoid_existing_appointments_of_the_practitioner_and_the_room(
    clinic: Clinic, eligible: Patient, fiona: User, pedro: User, petra: User, room: Room, at: At
) -> None:
    book(clinic, eligible, fiona, at("09:00"), pedro, room)
    # One room: Petra is free at 09:00 but the room is not.
    slots = find_slots(
        clinic=clinic, kind=AppointmentKind.CONSULTATION, start_date=at("09:00").date(), limit=2
    )
    assert [(local(s.start), s.practitioner) for s in slots] == [
        ("Mon 09:30", pedro.pk),
        ("Mon 09:30", petra.pk),
    ]


def test_slots_for_a_device_type_need_a_free_device_of_that_type(
    clinic: Clinic,
    eligible: Patient,
    fiona: User,
    pedro: User,
    petra: User,
    room: Room,
    room_2: Room,
    meso_gun: Device,
    at: At,
) -> None:
    add_device(clinic=clinic, name="RF 1", device_type="rf_facial")
    book(clinic, eligible, fiona, at("09:00"), petra, room, kind="session", device=meso_gun)
    slot = find_slots(
        clinic=clinic,
        kind=AppointmentKind.SESSION,
        start_date=at("09:00").date(),
        practitioner_ids=[pedro.pk],
        device_type="meso_gun",
        limit=1,
    )[0]
    # The only meso gun is busy until 09:50; the next start on the grid is 10:00.
    assert (local(slot.start), slot.room, slot.device) == ("Mon 10:00", room.pk, meso_gun.pk)
    none = find_slots(
        clinic=clinic,
        kind=AppointmentKind.SESSION,
        start_date=at("09:00").date(),
        device_type="needle_free_electroporation",
    )
    assert none == []


def test_a_cancelled_appointment_frees_its_slot(
    clinic: Clinic, eligible: Patient, fiona: User, pedro: User, room: Room, at: At
) -> None:
    appointment = book(clinic, eligible, fiona, at("09:00"), pedro, room)

    def first() -> str:
        kind = AppointmentKind.CONSULTATION
        return local(find_slots(clinic=clinic, kind=kind, start_date=at("09:00").date())[0].start)

    assert first() == "Mon 09:30"
    cancel_appointment(clinic=clinic, appointment=appointment, by=fiona, reason="Moved away")
    assert first() == "Mon 09:00"


def test_slots_start_no_earlier_than_asked(clinic: Clinic, pedro: User, room: Room, at: At) -> None:
    slot = find_slots(
        clinic=clinic,
        kind=AppointmentKind.CONSULTATION,
        start_date=at("09:00").date(),
        not_before=at("11:05"),
        limit=1,
    )[0]
    assert local(slot.start) == "Mon 11:15"


def test_slot_search_looks_past_a_closed_week(
    clinic: Clinic, pedro: User, room: Room, monday: date
) -> None:
    for day in range(7):
        add_closure(clinic=clinic, date=monday + timedelta(days=day), reason="Holidays")
    slots = find_slots(clinic=clinic, kind=AppointmentKind.CONSULTATION, start_date=monday)
    assert len(slots) == 20
    assert slots[0].start.astimezone(BERLIN).date() == monday + timedelta(days=7)


def test_a_search_for_a_few_days_stops_after_them_and_reads_one_week_only(
    clinic: Clinic, pedro: User, room: Room, monday: date
) -> None:
    # Sunday is closed and the Saturday (09:00-13:00) counts as a day with times; a
    # closure is skipped, not counted.
    add_closure(clinic=clinic, date=monday + timedelta(days=1), reason="Training")
    everything = find_slots(
        clinic=clinic, kind=AppointmentKind.CONSULTATION, start_date=monday, days=14, limit=1000
    )
    with CaptureQueriesContext(connection) as queries:
        few = find_slots(
            clinic=clinic,
            kind=AppointmentKind.CONSULTATION,
            start_date=monday,
            days=14,
            limit=1000,
            days_wanted=3,
        )
    days = sorted({s.start.astimezone(BERLIN).date() for s in few})
    assert days == [monday, monday + timedelta(days=2), monday + timedelta(days=3)]
    assert few == [s for s in everything if s.start.astimezone(BERLIN).date() in days]
    # The clinic's resources, then the closures and bookings of the first week only (one
    # statement: scheduling.selectors.busy_and_closed).
    assert len(queries) == 2
    # Over a week boundary: the days come from both weeks, read one after the other.
    later = find_slots(
        clinic=clinic,
        kind=AppointmentKind.CONSULTATION,
        start_date=monday + timedelta(days=4),
        days=14,
        limit=1000,
        days_wanted=3,
    )
    assert sorted({s.start.astimezone(BERLIN).strftime("%a") for s in later}) == [
        "Fri",
        "Mon",
        "Sat",
    ]
    with pytest.raises(ValidationError) as refused:
        find_slots(
            clinic=clinic,
            kind=AppointmentKind.CONSULTATION,
            start_date=monday,
            days=7,
            days_wanted=8,
        )
    assert "days_wanted" in refused.value.message_dict


def test_slot_search_reads_a_fixed_number_of_queries_per_week_searched(
    clinic: Clinic, eligible: Patient, fiona: User, pedro: User, room: Room, at: At
) -> None:
    for hour in ("09:00", "10:00", "11:00"):
        book(clinic, eligible, fiona, at(hour), pedro, room)
    with CaptureQueriesContext(connection) as queries:
        slots = find_slots(
            clinic=clinic, kind=AppointmentKind.CONSULTATION, start_date=at("09:00").date()
        )
    assert len(slots) == 20
    # Practitioners, rooms, devices and working hours in one; then closures and busy
    # times of the one week in one.
    assert len(queries) == 2


def test_the_day_schedule_lists_the_local_day_in_one_query(
    clinic: Clinic,
    other_clinic: Clinic,
    eligible: Patient,
    fiona: User,
    pedro: User,
    petra: User,
    room: Room,
    room_2: Room,
    meso_gun: Device,
    harbour_room: Room,
    at: At,
    django_assert_num_queries: Callable[..., CaptureQueriesContext],
) -> None:
    others = [make_patient(clinic, fiona, f"Other {i}") for i in range(3)]
    book(clinic, eligible, fiona, at("09:00"), pedro, room, kind="session", device=meso_gun)
    book(clinic, others[0], fiona, at("10:00"), petra, room_2)
    book(clinic, others[1], fiona, at("17:30"), pedro, room)
    book(clinic, others[2], fiona, at("09:00", days=1), pedro, room)  # Tuesday
    cancelled = book(clinic, eligible, fiona, at("12:00"), pedro, room)
    cancel_appointment(clinic=clinic, appointment=cancelled, by=fiona, reason="Ill")

    with django_assert_num_queries(1):
        day = day_schedule(clinic, at("09:00").date())
        rows = [(a.patient.last_name, a.practitioner.email, a.room.name) for a in day]
        devices = [a.device.name if a.device else None for a in day]
    assert rows == [
        ("Eligible", "pedro@lindenhof.test", "Room 1"),
        ("Other 0", "petra@lindenhof.test", "Room 2"),
        ("Other 1", "pedro@lindenhof.test", "Room 1"),
    ]
    assert devices == ["Gun A", None, None]
    with django_assert_num_queries(1):
        pedros = day_schedule(clinic, at("09:00").date(), pedro)
    assert [a.patient.last_name for a in pedros] == ["Eligible", "Other 1"]
    assert day_schedule(other_clinic, at("09:00").date()) == []


def test_the_week_schedule_groups_by_local_day_in_one_query(
    clinic: Clinic,
    eligible: Patient,
    fiona: User,
    pedro: User,
    room: Room,
    at: At,
    django_assert_num_queries: Callable[..., CaptureQueriesContext],
) -> None:
    book(clinic, eligible, fiona, at("09:00"), pedro, room)
    book(clinic, eligible, fiona, at("12:00", days=5), pedro, room)  # Saturday
    with django_assert_num_queries(1):
        week = week_schedule(clinic, at("09:00").date())
    assert [len(week[day]) for day in sorted(week)] == [1, 0, 0, 0, 0, 1, 0]


def test_another_clinics_appointment_is_not_found(
    clinic: Clinic,
    other_clinic: Clinic,
    eligible: Patient,
    fiona: User,
    pedro: User,
    room: Room,
    at: At,
) -> None:
    appointment = book(clinic, eligible, fiona, at("09:00"), pedro, room)
    assert get_appointment(clinic, appointment.pk) == appointment
    with pytest.raises(Http404):
        get_appointment(other_clinic, appointment.pk)


def test_slot_search_refuses_a_search_too_long_or_an_unknown_kind(
    clinic: Clinic, monday: date
) -> None:
    with pytest.raises(ValidationError) as caught:
        find_slots(clinic=clinic, kind="massage", start_date=monday, days=400, limit=0)
    assert sorted(caught.value.message_dict) == ["days", "kind", "limit"]
