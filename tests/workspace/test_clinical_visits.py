"""The visit from Today and the appointment page: one-click steps by role, who did what
when, late cancellation with a reason, rebooking after a no-show, and past visits to close."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.scheduling import visits
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.api.conftest import intake

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def monday() -> date:
    today = datetime.now(BERLIN).date()
    return today + timedelta(days=14 + (7 - today.weekday()))


def at(day: date, hh_mm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hh_mm), BERLIN)


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def lena(clinic: Clinic, fiona: User) -> Patient:
    patient = register_patient(clinic=clinic, by=fiona, first_name="Lena", last_name="Berg")
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake())
    return patient


@pytest.fixture
def consultation(
    clinic: Clinic, lena: Patient, fiona: User, pedro: User, room: Room, monday: date
) -> Appointment:
    return book_appointment(
        clinic=clinic, patient=lena, by=fiona, kind="consultation", start=at(monday, "10:00"),
        practitioner=pedro, room=room,
    )  # fmt: skip


def signed_in(user: User) -> Client:
    """A fresh signed-in session: a session opened before a time travel has expired."""
    return sign_in_with_mfa(Client(), user)


def step_url(appointment: Appointment, step: str) -> str:
    return f"/staff/lindenhof/appointments/{appointment.pk}/visit/{step}/"


def today_url(day: date) -> str:
    return f"/staff/lindenhof/?day={day.isoformat()}"


def test_front_desk_checks_in_from_today_and_comes_back_to_the_day(
    consultation: Appointment, fiona: User, monday: date
) -> None:
    with time_machine.travel(at(monday, "09:55"), tick=False):
        desk = signed_in(fiona)
        page = desk.get(today_url(monday))
        assert f'action="{step_url(consultation, "check-in")}"' in page.text
        assert step_url(consultation, "no-show") not in page.text  # not begun yet
        done = desk.post(
            step_url(consultation, "check-in"), {"next": today_url(monday)}, follow=True
        )
    assert done.redirect_chain[-1][0] == today_url(monday)
    assert "Checked in Lena Berg." in done.text
    assert "Checked in 09:55 by Fiona" in done.text
    consultation.refresh_from_db()
    assert (consultation.arrived_at, consultation.arrived_by) == (at(monday, "09:55"), fiona)


def test_each_role_sees_only_the_steps_it_may_take(
    clinic: Clinic,
    consultation: Appointment,
    fiona: User,
    pedro: User,
    monday: date,
) -> None:
    with time_machine.travel(at(monday, "10:05"), tick=False):
        desk, doctor = signed_in(fiona), signed_in(pedro)
        desk_page = desk.get(today_url(monday)).text
        doctor_page = doctor.get(today_url(monday)).text
        assert step_url(consultation, "check-in") in desk_page
        assert step_url(consultation, "no-show") in desk_page
        assert step_url(consultation, "check-in") not in doctor_page
        assert step_url(consultation, "no-show") not in doctor_page
        # A consultation that has begun may be completed without a start.
        assert step_url(consultation, "complete") in doctor_page
        assert step_url(consultation, "complete") not in desk_page
        # The services refuse what the pages do not offer.
        assert doctor.post(step_url(consultation, "check-in")).status_code == 403
        assert desk.post(step_url(consultation, "complete")).status_code == 403
    consultation.refresh_from_db()
    assert visits.stage(consultation) == "booked"


def test_a_practitioner_starts_and_completes_on_the_appointment_page(
    clinic: Clinic,
    consultation: Appointment,
    fiona: User,
    pedro: User,
    monday: date,
) -> None:
    url = f"/staff/lindenhof/appointments/{consultation.pk}/"
    with time_machine.travel(at(monday, "10:01"), tick=False):
        desk, doctor = signed_in(fiona), signed_in(pedro)
        desk.post(step_url(consultation, "check-in"), {"next": url})
        page = doctor.get(url).text
        # A consultation: "Complete" without a start.
        assert step_url(consultation, "complete") in page
    with time_machine.travel(at(monday, "10:28"), tick=False):
        desk, doctor = signed_in(fiona), signed_in(pedro)
        done = doctor.post(step_url(consultation, "complete"), {"next": url}, follow=True)
    assert "Visit completed for Lena Berg." in done.text
    assert "Checked in <time" in done.text and "by Fiona" in done.text
    assert "Completed <time" in done.text and "by Pedro" in done.text
    assert ">Completed</span>" in done.text


def test_a_refused_step_says_why(consultation: Appointment, fiona: User, monday: date) -> None:
    with time_machine.travel(at(monday, "09:30"), tick=False):
        desk = signed_in(fiona)
        page = desk.post(step_url(consultation, "no-show"), follow=True)
    assert "it cannot be a no-show yet" in page.text
    consultation.refresh_from_db()
    assert consultation.status == "booked"


def test_a_no_show_offers_to_book_again(
    consultation: Appointment, fiona: User, monday: date
) -> None:
    with time_machine.travel(at(monday, "10:20"), tick=False):
        desk = signed_in(fiona)
        page = desk.post(step_url(consultation, "no-show"), follow=True)
    assert ">No-show</span>" in page.text
    assert "Recorded as a no-show" in page.text and "by Fiona" in page.text
    book = f"/staff/lindenhof/patients/{consultation.patient_id}/book/?kind=consultation&amp;start="
    assert book in page.text


def test_a_late_cancellation_needs_a_reason(
    consultation: Appointment, fiona: User, pedro: User, monday: date
) -> None:
    url = f"/staff/lindenhof/appointments/{consultation.pk}/late-cancel/"
    desk, doctor = signed_in(fiona), signed_in(pedro)
    assert doctor.post(url, {"late-reason": "Fever."}).status_code == 403
    refused = desk.post(url, {"late-reason": ""})
    assert refused.status_code == 422
    assert "Say why the appointment is cancelled." in refused.text
    with time_machine.travel(at(monday, "08:30"), tick=False):
        desk, doctor = signed_in(fiona), signed_in(pedro)
        page = desk.post(url, {"late-reason": "Called at 8:30, has a fever."}, follow=True)
    assert "Late cancellation recorded for Lena Berg." in page.text
    assert "Cancelled late" in page.text and "Called at 8:30, has a fever." in page.text
    consultation.refresh_from_db()
    assert consultation.status == "late_cancelled"


def test_past_visits_still_booked_are_listed_on_today_to_close(
    consultation: Appointment, fiona: User, monday: date
) -> None:
    with time_machine.travel(at(monday + timedelta(days=1), "08:00"), tick=False):
        desk = signed_in(fiona)
        page = desk.get("/staff/lindenhof/").text
        assert "Past visits to close" in page
        assert step_url(consultation, "no-show") in page
        desk.post(step_url(consultation, "no-show"), {"next": "/staff/lindenhof/"})
        assert "Past visits to close" not in desk.get("/staff/lindenhof/").text


def test_another_clinic_s_staff_get_404_for_every_step(
    consultation: Appointment, outsider: Client
) -> None:
    for step in ("check-in", "undo-check-in", "start", "complete", "no-show"):
        assert outsider.post(step_url(consultation, step)).status_code == 404
    url = f"/staff/lindenhof/appointments/{consultation.pk}/late-cancel/"
    assert outsider.post(url, {"late-reason": "x"}).status_code == 404


def test_an_unknown_step_is_404_and_next_may_not_leave_the_site(
    consultation: Appointment, fiona: User, monday: date
) -> None:
    assert signed_in(fiona).post(step_url(consultation, "teleport")).status_code == 404
    with time_machine.travel(at(monday, "09:50"), tick=False):
        desk = signed_in(fiona)
        response = desk.post(step_url(consultation, "check-in"), {"next": "https://evil.test/"})
    assert response["Location"] == f"/staff/lindenhof/appointments/{consultation.pk}/"
