"""Booking from the workspace: slot search, booking a slot, refusals (a washout offers the
earliest safe start), rescheduling, cancelling with a reason, and a whole series."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.clinics.services import add_device, add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.services import create_plan
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.api.conftest import intake

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def monday() -> date:
    today = timezone.now().astimezone(BERLIN).date()
    return today + timedelta(days=14 + (7 - today.weekday()))


def at(day: date, hh_mm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hh_mm), BERLIN)


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def needles(clinic: Clinic) -> Device:
    return add_device(
        clinic=clinic, name="Needle kit", device_type="manual_needle_kit", model_name="30G"
    )


@pytest.fixture
def desk(fiona: User) -> Client:
    return sign_in_with_mfa(Client(), fiona)


def patient_with(clinic: Clinic, by: User, last_name: str, **answers: object) -> Patient:
    patient = register_patient(clinic=clinic, by=by, first_name="Maria", last_name=last_name)
    record_intake(clinic=clinic, patient=patient, by=by, answers=intake(**answers))
    return patient


def book_url(patient: Patient) -> str:
    return f"/staff/lindenhof/patients/{patient.pk}/book/"


def test_slot_search_lists_free_times_with_practitioner_and_room(
    clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client, monday: date
) -> None:
    patient = patient_with(clinic, fiona, "Keller")
    page = desk.get(
        book_url(patient), {"kind": "consultation", "start": monday.isoformat(), "practitioner": ""}
    )
    assert page.status_code == 200
    assert page.text.count('class="slot"') >= 10
    assert "Room 1" in page.text and "Pedro" in page.text
    assert f'value="{at(monday, "09:00").isoformat()}"' in page.text


def test_slot_search_for_one_practitioner_and_room_offers_only_theirs(
    clinic: Clinic, other_clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client,
    monday: date,
) -> None:  # fmt: skip
    patient = patient_with(clinic, fiona, "Keller")
    second = add_room(clinic=clinic, name="Room 2")
    harbour = add_room(clinic=other_clinic, name="Harbour room")
    asked = {"kind": "consultation", "start": monday.isoformat(), "practitioner": pedro.pk}
    page = desk.get(book_url(patient), asked | {"room": second.pk})
    assert page.status_code == 200
    slots = re.findall(r'name="room" value="(\d+)"', page.text)
    assert slots and set(slots) == {str(second.pk)}
    # The lists offer the clinic's own, the choice kept.
    assert f'<option value="{second.pk}" selected>Room 2</option>' in page.text
    assert f'<option value="{pedro.pk}" selected>' in page.text
    # Another clinic's room is not one of the choices: said next to the field, no search.
    page = desk.get(book_url(patient), asked | {"room": harbour.pk})
    assert page.status_code == 200
    assert 'id="id_room_error"' in page.text and "Select a valid choice" in page.text
    assert 'class="slot"' not in page.text


def test_slot_search_with_a_bad_date_says_so_next_to_the_field(
    clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client
) -> None:
    patient = patient_with(clinic, fiona, "Keller")
    page = desk.get(book_url(patient), {"kind": "session", "start": "not-a-date"})
    assert page.status_code == 200
    assert 'id="id_start_error"' in page.text


def test_booking_a_slot_books_it_and_opens_the_chart(
    clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client, monday: date
) -> None:
    patient = patient_with(clinic, fiona, "Keller")
    start = at(monday, "10:00")
    response = desk.post(
        book_url(patient),
        {
            "kind": "consultation",
            "start": start.isoformat(),
            "practitioner": pedro.pk,
            "room": room.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/lindenhof/patients/{patient.pk}/"
    booked = Appointment.objects.get(patient=patient)
    assert (booked.start, booked.status) == (start, AppointmentStatus.BOOKED)


def test_a_taken_slot_is_refused_with_the_reason(
    clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client, monday: date
) -> None:
    first = patient_with(clinic, fiona, "One")
    second = patient_with(clinic, fiona, "Two")
    start = at(monday, "11:00")
    book_appointment(
        clinic=clinic, patient=first, by=fiona, kind="consultation", start=start,
        practitioner=pedro, room=room,
    )  # fmt: skip
    response = desk.post(
        book_url(second),
        {
            "kind": "consultation",
            "start": start.isoformat(),
            "practitioner": pedro.pk,
            "room": room.pk,
        },
    )
    assert response.status_code == 409
    assert "Not booked" in response.text and "already booked" in response.text
    assert not Appointment.objects.filter(patient=second).exists()


def test_a_pregnant_patient_is_refused_a_session(
    clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client, monday: date
) -> None:
    patient = patient_with(clinic, fiona, "Pregnant", pregnant=True)
    page = desk.get(book_url(patient)).text
    assert "a treatment session cannot" in page
    response = desk.post(
        book_url(patient),
        {
            "kind": "session",
            "start": at(monday, "10:00").isoformat(),
            "practitioner": pedro.pk,
            "room": room.pk,
        },
    )
    assert response.status_code == 409
    assert "regnan" in response.text
    assert not Appointment.objects.filter(patient=patient).exists()


def test_a_washout_not_met_offers_the_earliest_safe_start(
    clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client, monday: date
) -> None:
    peel_day = (timezone.now().date() - timedelta(days=1)).isoformat()
    patient = patient_with(
        clinic, fiona, "Peel", recent_procedures=[{"name": "glycolic peel", "date": peel_day}]
    )
    response = desk.post(
        book_url(patient),
        {
            "kind": "session",
            "start": at(monday, "10:00").isoformat(),
            "practitioner": pedro.pk,
            "room": room.pk,
        },
    )
    assert response.status_code == 409
    assert "The earliest safe start is" in response.text
    assert "Book at the earliest safe start" in response.text
    assert not Appointment.objects.filter(patient=patient).exists()


def test_a_session_search_skips_times_too_soon_for_the_preparation(
    clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client
) -> None:
    peel_day = (timezone.now().date() - timedelta(days=1)).isoformat()
    patient = patient_with(
        clinic, fiona, "Peel", recent_procedures=[{"name": "glycolic peel", "date": peel_day}]
    )
    page = desk.get(book_url(patient), {"kind": "session", "start": timezone.now().date()})
    assert page.status_code == 200
    skipped = re.search(
        r'id="skipped">\s*<p>Times before <strong><time datetime="([^"]+)"', page.text
    )
    assert skipped, "the page says why the first days are not offered"
    earliest = datetime.fromisoformat(skipped.group(1))
    assert earliest > timezone.now() + timedelta(days=7)
    offered = [
        datetime.fromisoformat(v)
        for v in re.findall(r'name="start" value="([^"]+T[^"]+)"', page.text)
    ]
    assert offered, "the times from the earliest safe start are offered"
    assert min(offered) >= earliest
    # The first offered time can be booked: it is not refused for the washout.
    response = desk.post(
        book_url(patient),
        {
            "kind": "session",
            "start": offered[0].isoformat(),
            "practitioner": pedro.pk,
            "room": room.pk,
        },
    )
    assert response.status_code == 302
    assert Appointment.objects.filter(patient=patient, start=offered[0]).exists()


def booked(
    clinic: Clinic, patient: Patient, by: User, pedro: User, room: Room, start: datetime
) -> Appointment:
    return book_appointment(
        clinic=clinic, patient=patient, by=by, kind="consultation", start=start,
        practitioner=pedro, room=room,
    )  # fmt: skip


def test_an_appointment_is_moved_to_another_slot(
    clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client, monday: date
) -> None:
    patient = patient_with(clinic, fiona, "Keller")
    appointment = booked(clinic, patient, fiona, pedro, room, at(monday, "10:00"))
    url = f"/staff/lindenhof/appointments/{appointment.pk}/"
    page = desk.get(url)
    assert page.status_code == 200 and "Move here" in page.text
    new_start = at(monday + timedelta(days=1), "14:00")
    response = desk.post(
        url + "reschedule/",
        {"start": new_start.isoformat(), "practitioner": pedro.pk, "room": room.pk},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == new_start


def test_cancelling_needs_a_reason(
    clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client, monday: date
) -> None:
    patient = patient_with(clinic, fiona, "Keller")
    appointment = booked(clinic, patient, fiona, pedro, room, at(monday, "10:00"))
    url = f"/staff/lindenhof/appointments/{appointment.pk}/cancel/"
    refused = desk.post(url, {"reason": "  "})
    assert refused.status_code == 422
    assert 'id="id_reason_error"' in refused.text
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert desk.post(url, {"reason": "Patient is ill."}).status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == ("cancelled", "Patient is ill.")


@pytest.fixture
def plan(clinic: Clinic, fiona: User, pedro: User, monday: date) -> TreatmentPlan:
    patient = patient_with(clinic, fiona, "Series")
    return create_plan(
        clinic=clinic,
        patient=patient,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid", "vitamin_c"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=at(monday, "10:00"),
    )


def series_url(plan: TreatmentPlan) -> str:
    return f"/staff/lindenhof/patients/{plan.patient_id}/plans/{plan.pk}/series/"


def test_front_desk_books_a_whole_series_and_sees_what_was_skipped(
    clinic: Clinic,
    fiona: User,
    pedro: User,
    room: Room,
    needles: Device,
    desk: Client,
    plan: TreatmentPlan,
) -> None:
    first = plan.sessions.get(number=1)
    book_appointment(
        clinic=clinic, patient=plan.patient, by=fiona, kind="session", start=first.starts_at,
        practitioner=pedro, room=room, device=needles, planned_session=first,
    )  # fmt: skip
    page = desk.get(series_url(plan))
    assert page.status_code == 200 and "Book the whole series" in page.text
    response = desk.post(
        series_url(plan),
        {"practitioner": pedro.pk, "room": room.pk, "device": needles.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "Booked 2 sessions: 2, 3." in response.text
    assert "Session 1 skipped: it is booked already." in response.text
    assert Appointment.objects.filter(patient=plan.patient, status="booked").count() == 3


def test_a_series_refused_says_which_session_and_books_none(
    clinic: Clinic,
    fiona: User,
    pedro: User,
    room: Room,
    needles: Device,
    desk: Client,
    plan: TreatmentPlan,
) -> None:
    page = desk.get(series_url(plan)).text
    assert "The plan&#x27;s technique needs a" in page
    # The technique needs a needle kit: none chosen is refused at the field.
    response = desk.post(series_url(plan), {"practitioner": pedro.pk, "room": room.pk})
    assert response.status_code == 409
    assert "the plan&#x27;s technique needs one." in response.text
    # The room is taken at session 2: the refusal names it, and nothing is booked.
    second = plan.sessions.get(number=2).starts_at
    other = patient_with(clinic, fiona, "Other")
    booked(clinic, other, fiona, pedro, room, second)
    response = desk.post(
        series_url(plan), {"practitioner": pedro.pk, "room": room.pk, "device": needles.pk}
    )
    assert response.status_code == 409
    assert "Session 2:" in response.text
    assert not Appointment.objects.filter(patient=plan.patient).exists()


def test_another_patients_plan_is_a_404(
    clinic: Clinic, fiona: User, desk: Client, plan: TreatmentPlan
) -> None:
    other = patient_with(clinic, fiona, "Other")
    assert (
        desk.get(f"/staff/lindenhof/patients/{other.pk}/plans/{plan.pk}/series/").status_code == 404
    )


def test_a_patient_awaiting_review_is_offered_consultations_not_refused_sessions(
    clinic: Clinic, fiona: User, pedro: User, room: Room, desk: Client, monday: date
) -> None:
    # A prescribed anticoagulant: a review, not signed off (issue 13).
    patient = patient_with(
        clinic, fiona, "Review", medications=[{"name": "warfarin", "prescribed": True}]
    )
    page = desk.get(book_url(patient)).text
    assert '<option value="consultation" selected>' in page
    assert 'name="kind" value="consultation"' in page
    assert 'name="kind" value="session"' not in page
    assert "a treatment session cannot: needs a practitioner" in page
    # Asking for sessions anyway offers none and says why, with the way to consultations.
    sessions = desk.get(book_url(patient), {"kind": "session", "start": monday.isoformat()}).text
    assert 'class="slot"' not in sessions
    assert "No session times are offered: needs a practitioner" in sessions
    assert f'href="?kind=consultation&amp;start={monday.isoformat()}"' in sessions
