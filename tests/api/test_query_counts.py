"""The SQL statements of the API's everyday requests, pinned (DESIGN 12 and
benchmarks/http.py): each one is about 1 ms on the server, so they must not creep back.

Each count is what the request does once the token's last use was noted this minute (the
first call of a minute also notes it: one UPDATE more).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.inventory.models import Lot
from mesodesk.messaging.models import Reminder
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.planning.models import PlannedSession
from mesodesk.planning.services import create_plan
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.api.conftest import API, intake
from tests.inventory.conftest import cocktail, lot
from tests.query_counts import (
    assert_statements,
    read_and_log,
    read_checking_token,
    statements,
    write_with_history,
)

__all__ = ["cocktail", "lot"]
BASE = f"{API}/lindenhof"

# The token with its membership, the appointment and its access event: one statement on
# PostgreSQL, where the read checks the token (api.auth.token_checked_by_read).
ONE_ROW_READ = read_checking_token()
# A lot is no patient's data: the token with its membership and the lot (no access event),
# one statement on PostgreSQL; elsewhere the token's look-up, then the lot.
ONE_ROW_READ_UNLOGGED = 1 if connection.vendor == "postgresql" else 2
READ_PATIENT = read_checking_token()  # as one appointment: the patient and its event
# The token, the practitioner, the day's appointments with patients and the access event:
# one statement on PostgreSQL (api.common.read_listed), once this process has seen the
# clinic's time zone. Elsewhere the token with its membership (one query), the
# practitioner, the day's appointments with patients and the access event.
DAY_WITH_NAMES = 1 if connection.vendor == "postgresql" else 2 + read_and_log()
CREATE_PATIENT = 3  # + the patient, its history row
# + the patient with their contact preferences (one); the practitioner, room and device
# (one); the roles, closure and working hours (one); the appointment and its history row;
# the reminders. Whether the practitioner, room, device, patient and planned session are
# free is the database's answer to the INSERT (scheduling.rules.save_or_conflict), not a
# query of its own.
BOOK_CONSULTATION = 5 + write_with_history()
# As a consultation, + the planned session; the plan, the patient's lock, the screening
# with every staleness fact, the clinic's overrides (the washout's timeline, reused for
# the reminders), the last session of the series (for the maintenance recall).
BOOK_SESSION = 11 + write_with_history()
# + the appointment, locked with who and what it books and the patient's contact
# preferences; the checks and writes of a booking; the existing reminders, cancelling the
# old ones, and the new reminder with the change notice (one INSERT).
RESCHEDULE = 9
# + the appointment twice (read, locked, the second with the patient's contact
# preferences), whether `by` may change it, the change and its history row, the reminders
# and cancelling them, and the cancellation notice to the patient: one statement more than
# before notices existed, the INSERT of the notice itself (issue 13: patients are told).
CANCEL = 9


@pytest.fixture
def api(token: str) -> Client:
    """The front desk's token, its use already noted this minute."""
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get(f"{BASE}/patients?search=nobody").status_code == 200
    return client


@pytest.fixture
def maria(clinic: Clinic, fiona: User, pedro: User, room: Room, at: Callable) -> Patient:
    """A patient with an e-mail address (so her bookings have reminders), an intake, and
    a consultation the week after (her first booking stored her contact preferences)."""
    patient = register_patient(
        clinic=clinic, by=fiona, first_name="Maria", last_name="Keller", email="m@example.org"
    )
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake())
    consultation(clinic, patient, fiona, pedro, room, at("10:00", days=7))
    return patient


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{BASE}{path}", body, content_type="application/json")


def consultation(
    clinic: Clinic, patient: Patient, by: User, practitioner: User, room: Room, start: str
) -> Appointment:
    return book_appointment(
        clinic=clinic,
        patient=patient,
        by=by,
        kind="consultation",
        start=datetime.fromisoformat(start),
        practitioner=practitioner,
        room=room,
    )


def test_reading_one_appointment(
    clinic: Clinic, api: Client, maria: Patient, fiona: User, pedro: User, room: Room, at: Callable
) -> None:
    booked = consultation(clinic, maria, fiona, pedro, room, at("10:00"))
    with statements() as found:
        assert api.get(f"{BASE}/appointments/{booked.pk}").status_code == 200
    assert_statements(found, ONE_ROW_READ)


def test_reading_one_lot(api: Client, lot: Lot) -> None:
    with statements() as found:
        assert api.get(f"{BASE}/lots/{lot.pk}").status_code == 200
    assert_statements(found, ONE_ROW_READ_UNLOGGED)


def test_reading_a_patient_writes_its_access_event(api: Client, maria: Patient) -> None:
    with statements() as found:
        assert api.get(f"{BASE}/patients/{maria.pk}").status_code == 200
    assert_statements(found, READ_PATIENT)
    assert "audit_accessevent" in found[-1]


@pytest.mark.parametrize("count", [1, 12])
def test_a_practitioners_day_with_names_takes_the_same_statements_for_1_or_12(
    clinic: Clinic,
    api: Client,
    fiona: User,
    pedro: User,
    room: Room,
    at: Callable,
    count: int,
) -> None:
    for n in range(count):
        patient = register_patient(clinic=clinic, by=fiona, first_name="P", last_name=f"N{n}")
        consultation(clinic, patient, fiona, pedro, room, at(f"{9 + n // 2:02}:{30 * (n % 2):02}"))
    day = at("10:00")[:10]
    query = {"day": day, "practitioner_id": pedro.pk}
    # The first list of the clinic in this process also finds its time zone (on
    # PostgreSQL: tests/api/test_token_checked_by_read.py).
    assert api.get(f"{BASE}/appointments", query).status_code == 200
    with statements() as found:
        answer = api.get(f"{BASE}/appointments", query)
    assert len(answer.json()) == count
    assert answer.json()[0]["patient_name"] == "P N0"
    assert_statements(found, DAY_WITH_NAMES)


def test_creating_a_patient(api: Client) -> None:
    with statements() as found:
        created = post(api, "/patients", {"first_name": "New", "last_name": "Patient"})
    assert created.status_code == 201
    assert_statements(found, CREATE_PATIENT)


def test_booking_a_consultation_writes_its_reminders(
    clinic: Clinic, api: Client, maria: Patient, pedro: User, room: Room, at: Callable
) -> None:
    body = {"kind": "consultation", "start": at("10:00"), "practitioner_id": pedro.pk}
    with statements() as found:
        booked = post(api, "/appointments", {"patient_id": maria.pk, "room_id": room.pk, **body})
    assert booked.status_code == 201, booked.json()
    assert Reminder.objects.filter(appointment_id=booked.json()["id"]).exists()
    assert_statements(found, BOOK_CONSULTATION)


def test_booking_a_session_rescreens_checks_the_washout_and_writes_its_reminders(
    clinic: Clinic,
    api: Client,
    maria: Patient,
    pedro: User,
    room: Room,
    needle_kit: Device,
    at: Callable,
) -> None:
    plan = create_plan(
        clinic=clinic,
        patient=maria,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=datetime.fromisoformat(at("10:00")),
    )
    session = PlannedSession.objects.filter(plan=plan).order_by("number").first()
    assert session is not None
    body = {
        "patient_id": maria.pk,
        "kind": "session",
        "start": session.starts_at.isoformat(),
        "practitioner_id": pedro.pk,
        "room_id": room.pk,
        "device_id": needle_kit.pk,
        "planned_session_id": session.pk,
    }
    with statements() as found:
        booked = post(api, "/appointments", body)
    assert booked.status_code == 201, booked.json()
    kinds = set(Reminder.objects.filter(appointment_id=booked.json()["id"]).values_list("kind"))
    assert {("preparation",), ("aftercare",)} <= kinds
    assert_statements(found, BOOK_SESSION)


def test_rescheduling_and_cancelling(
    clinic: Clinic,
    api: Client,
    maria: Patient,
    fiona: User,
    pedro: User,
    room: Room,
    at: Callable,
) -> None:
    booked = consultation(clinic, maria, fiona, pedro, room, at("10:00"))
    with statements() as moving:
        moved = post(api, f"/appointments/{booked.pk}/reschedule", {"start": at("11:00")})
    assert moved.status_code == 200, moved.json()
    # The change notice went out: the patient is told of the cancellation too.
    Reminder.objects.filter(kind="moved").update(status="sent")
    with statements() as cancelling:
        cancelled = post(api, f"/appointments/{booked.pk}/cancel", {"reason": "Ill."})
    assert cancelled.json()["status"] == "cancelled"
    assert_statements(moving, RESCHEDULE)
    assert_statements(cancelling, CANCEL)
