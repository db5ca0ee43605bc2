"""The SQL statements of the pages staff wait on, pinned (DESIGN 12 and
benchmarks/http.py): the same number for a few rows as for many, and no more than now."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.scheduling.services import book_appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.api.conftest import intake
from tests.patient_pages import build_world
from tests.query_counts import assert_statements, read_and_log, statements

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")

# Each starts with the session and its user with their memberships and TOTP (two:
# accounts.access.user_with_memberships), then the page's own reads. The chart also
# writes its access event.
# Today also reads the past visits to close and, for clinical roles, the adverse events
# to follow up.
TODAY = 5 + read_and_log()  # the day's appointments with the access event of its patients
# + the practitioners, rooms, devices and working hours (one: the filters' lists and the
# hours of the grid), the week's appointments with the access event of its patients, and
# the closures (the days hidden), whatever the number of appointments.
WEEK = 4 + read_and_log()
# The chart reads the patient with their contact preferences, the access event and which
# parts of the record have rows in one statement (two on SQLite), and queries only those
# parts: this patient's intakes, screenings and appointments, then the likely duplicates
# (none to look for without a birth date or contact). Whether a session may be booked and
# which session's timeline to show come from the screening and the appointments it read
# already (no query).
CHART = 5 + read_and_log()
# A record with the parts the walk's world has (intake, plan with its sessions, screening,
# consents, appointments, a side-effect report, reminders): one query for each (two for
# the plan), the consent gate, the likely duplicates, and the booked session's timeline
# (its intake, plan and the clinic's overrides). The parts it lacks (adverse events,
# deletion requests, merges, session records) cost nothing.
FULL_CHART = 15 + read_and_log()
# The patient with the page's access event; the screening; the clinic's practitioners,
# rooms, devices and working hours in one statement, which the search form's lists, the
# search and the slots' names share; a week's closures and bookings (one); and the rest
# of the page (the session and the user with their memberships first).
SLOT_SEARCH = 5 + read_and_log()


@pytest.fixture
def monday() -> date:
    today = timezone.now().astimezone(BERLIN).date()
    return today + timedelta(days=14 + (7 - today.weekday()))


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def doctor(pedro: User) -> Client:
    client = sign_in_with_mfa(Client(), pedro)
    client.get("/staff/lindenhof/")  # the session's clocks started, as on any later page
    return client


def booked_patients(
    clinic: Clinic, by: User, pedro: User, room: Room, monday: date, count: int
) -> list[Patient]:
    """`count` patients with an intake, each with a consultation on `monday` (or on the
    days after it, eight a day)."""
    patients = []
    for n in range(count):
        patient = register_patient(clinic=clinic, by=by, first_name="P", last_name=f"N{n}")
        record_intake(clinic=clinic, patient=patient, by=by, answers=intake())
        day = monday + timedelta(days=n // 8)
        book_appointment(
            clinic=clinic,
            patient=patient,
            by=by,
            kind="consultation",
            start=datetime.combine(day, time(9 + n % 8), BERLIN),
            practitioner=pedro,
            room=room,
        )
        patients.append(patient)
    return patients


@pytest.mark.parametrize("count", [1, 10])
def test_today_and_the_week_take_the_same_statements_for_1_or_10_appointments(
    clinic: Clinic,
    doctor: Client,
    pedro: User,
    room: Room,
    monday: date,
    count: int,
) -> None:
    booked_patients(clinic, pedro, pedro, room, monday, count)
    with statements() as day:
        assert doctor.get("/staff/lindenhof/", {"day": monday.isoformat()}).status_code == 200
    with statements() as week:
        page = doctor.get("/staff/lindenhof/week/", {"start": monday.isoformat()})
    assert page.status_code == 200
    assert_statements(day, TODAY)
    assert_statements(week, WEEK)


def test_the_chart_and_its_slot_search(
    clinic: Clinic, doctor: Client, pedro: User, room: Room, monday: date
) -> None:
    patient = booked_patients(clinic, pedro, pedro, room, monday, 3)[0]
    with statements() as chart:
        assert doctor.get(f"/staff/lindenhof/patients/{patient.pk}/").status_code == 200
    with statements() as search:
        page = doctor.get(
            f"/staff/lindenhof/patients/{patient.pk}/book/",
            {"kind": "consultation", "start": monday.isoformat()},
        )
    assert page.status_code == 200
    assert_statements(chart, CHART)
    assert_statements(search, SLOT_SEARCH)


def test_a_chart_with_every_part_reads_each_part_once(
    clinic: Clinic, fiona: User, pedro: User
) -> None:
    world = build_world(clinic, fiona, pedro)
    url = f"/staff/lindenhof/patients/{world.patient.pk}/"
    assert world.doctor.get(url).status_code == 200  # the session's activity noted
    with statements() as chart:
        assert world.doctor.get(url).status_code == 200
    assert_statements(chart, FULL_CHART)
