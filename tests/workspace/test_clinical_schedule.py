"""The day and the week: appointments in the clinic's zone, day and week navigation, and
the week filtered by practitioner, room or device."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_room
from mesodesk.patients.services import register_patient
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.query_counts import read_and_log

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def monday() -> date:
    today = timezone.now().astimezone(BERLIN).date()
    return today + timedelta(days=14 + (7 - today.weekday()))


@pytest.fixture
def rooms(clinic: Clinic) -> list[Room]:
    return [add_room(clinic=clinic, name="Room 1"), add_room(clinic=clinic, name="Room 2")]


def book(
    clinic: Clinic, by: User, pedro: User, room: Room, start: datetime, name: str
) -> Appointment:
    patient = register_patient(clinic=clinic, by=by, first_name=name, last_name="Test")
    return book_appointment(
        clinic=clinic, patient=patient, by=by, kind="consultation", start=start,
        practitioner=pedro, room=room,
    )  # fmt: skip


def test_the_day_lists_its_appointments_in_the_clinics_zone(
    clinic: Clinic, fiona: User, pedro: User, rooms: list[Room], monday: date
) -> None:
    book(clinic, fiona, pedro, rooms[0], datetime.combine(monday, time(9, 30), BERLIN), "Anna")
    page = sign_in_with_mfa(Client(), fiona).get("/staff/lindenhof/", {"day": monday.isoformat()})
    assert page.status_code == 200
    assert "09:30" in page.text and "Anna Test" in page.text and "Room 1" in page.text
    assert f"?day={(monday - timedelta(days=1)).isoformat()}" in page.text
    assert f"?day={(monday + timedelta(days=1)).isoformat()}" in page.text


def test_an_empty_day_says_so_and_a_bad_day_means_today(clinic: Clinic, fiona: User) -> None:
    client = sign_in_with_mfa(Client(), fiona)
    page = client.get("/staff/lindenhof/", {"day": "31-02-2026"})
    assert page.status_code == 200
    assert "Today," in page.text and "Nothing booked on this day." in page.text


def test_the_day_takes_a_fixed_number_of_queries(
    clinic: Clinic,
    fiona: User,
    pedro: User,
    rooms: list[Room],
    monday: date,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = sign_in_with_mfa(Client(), fiona)
    book(clinic, fiona, pedro, rooms[0], datetime.combine(monday, time(9), BERLIN), "A")
    client.get("/staff/lindenhof/", {"day": monday.isoformat()})
    # Two for the session (its user read with their memberships), the day with its access
    # event (one statement on PostgreSQL, two elsewhere), one for the week's warning-sign
    # reports, one for the past visits still to close.
    with django_assert_num_queries(4 + read_and_log()) as one:
        client.get("/staff/lindenhof/", {"day": monday.isoformat()})
    for n, hour in enumerate((10, 11, 12)):
        book(clinic, fiona, pedro, rooms[n % 2], datetime.combine(monday, time(hour), BERLIN), "B")
    with django_assert_num_queries(len(one.captured_queries)):
        client.get("/staff/lindenhof/", {"day": monday.isoformat()})


def test_the_week_shows_seven_days_and_filters_by_room(
    clinic: Clinic, fiona: User, pedro: User, rooms: list[Room], monday: date
) -> None:
    book(clinic, fiona, pedro, rooms[0], datetime.combine(monday, time(9), BERLIN), "Anna")
    book(clinic, fiona, pedro, rooms[1], datetime.combine(monday, time(10), BERLIN), "Bert")
    client = sign_in_with_mfa(Client(), fiona)
    week = client.get("/staff/lindenhof/week/", {"start": monday.isoformat()}).text
    assert week.count('<h2 class="week-day-head">') == 7
    assert "Anna Test" in week and "Bert Test" in week
    only_room_2 = client.get(
        "/staff/lindenhof/week/", {"start": monday.isoformat(), "room": rooms[1].pk}
    ).text
    assert "Bert Test" in only_room_2 and "Anna Test" not in only_room_2
    by_pedro = client.get(
        "/staff/lindenhof/week/", {"start": monday.isoformat(), "practitioner": pedro.pk}
    ).text
    assert "Anna Test" in by_pedro and f"practitioner={pedro.pk}" in by_pedro


@pytest.mark.parametrize(
    "path",
    [
        "/staff/lindenhof/?day=9999-12-31",
        "/staff/lindenhof/?day=0001-01-01",
        "/staff/lindenhof/week/?start=9999-12-30",
        "/staff/lindenhof/week/?room=²&device=³&practitioner=¹",
    ],
)
def test_crafted_days_and_ids_fall_back_rather_than_fail(
    clinic: Clinic, fiona: User, path: str
) -> None:
    add_room(clinic=clinic, name="Room 1")
    assert sign_in_with_mfa(Client(), fiona).get(path).status_code == 200
