"""Dates, times and ids out of the range the system handles are refused at the page's
boundary with the field named, never a 500 (issue 14, finding 4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.workspace.test_clinical_booking import BERLIN, at

pytestmark = pytest.mark.django_db

FAR = "9999-12-31T23:00:00+00:00"
TWENTY_DIGITS = "9" * 20


def next_monday() -> date:
    today = timezone.now().astimezone(BERLIN).date()
    return today + timedelta(days=14 + (7 - today.weekday()))


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def patient(clinic: Clinic, fiona: User) -> Patient:
    return register_patient(clinic=clinic, by=fiona, first_name="Maria", last_name="Keller")


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01"])
def test_a_slot_search_from_a_date_out_of_range_says_so_next_to_the_field(
    desk: Client, patient: Patient, pedro: User, room: Room, start: str
) -> None:
    page = desk.get(
        f"/staff/lindenhof/patients/{patient.pk}/book/", {"start": start, "kind": "session"}
    )
    assert page.status_code == 200
    assert 'id="id_start_error"' in page.text


@pytest.mark.parametrize(
    "changes",
    [{"start": FAR}, {"start": "0001-01-01T00:00:00+00:00"}, {"practitioner": TWENTY_DIGITS},
     {"room": TWENTY_DIGITS}, {"device": TWENTY_DIGITS}],
)  # fmt: skip
def test_booking_a_time_or_id_out_of_range_is_refused_not_a_500(
    desk: Client, patient: Patient, pedro: User, room: Room, changes: dict[str, str]
) -> None:
    data = {"kind": "consultation", "start": "2030-01-07T09:00:00+01:00"}
    data |= {"practitioner": str(pedro.pk), "room": str(room.pk)} | changes
    page = desk.post(f"/staff/lindenhof/patients/{patient.pk}/book/", data)
    assert page.status_code == 409
    assert not Appointment.objects.exists()
    assert next(iter(changes)) in page.text


@pytest.mark.parametrize("start", [FAR, "0001-01-01T00:00:00+00:00"])
def test_moving_an_appointment_to_a_time_out_of_range_is_refused_not_a_500(
    clinic: Clinic, desk: Client, fiona: User, patient: Patient, pedro: User, room: Room, start: str
) -> None:
    day = next_monday()
    appointment = book_appointment(
        clinic=clinic, patient=patient, by=fiona, kind="consultation",
        start=at(day, "10:00"), practitioner=pedro, room=room,
    )  # fmt: skip
    page = desk.post(
        f"/staff/lindenhof/appointments/{appointment.pk}/reschedule/",
        {"start": start, "practitioner": str(pedro.pk), "room": str(room.pk)},
    )
    assert page.status_code == 409
    appointment.refresh_from_db()
    assert appointment.start == at(day, "10:00")
