"""Booking from the portal: consultations always, sessions when the screening allows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.helpers import give_consents
from tests.portal.conftest import intake, url

BERLIN = ZoneInfo("Europe/Berlin")


def a_monday_ahead(weeks: int = 3) -> date:
    today = timezone.now().astimezone(BERLIN).date()
    return today + timedelta(days=7 * weeks - today.weekday())


def book_consultation(clinic: Clinic, patient: Patient, pedro: User, room: Room) -> Appointment:
    start = datetime.combine(a_monday_ahead(), time(10), BERLIN)
    return book_appointment(
        clinic=clinic,
        patient=patient,
        by=pedro,
        kind="consultation",
        start=start,
        practitioner=pedro,
        room=room,
    )


def _slot(client: Client, clinic: Clinic, kind: str) -> str:
    page = client.get(url("book", clinic), {"kind": kind}).text
    start = page.index('name="slot" value="') + len('name="slot" value="')
    return page[start : page.index('"', start)]


def test_a_patient_without_answers_can_book_a_consultation(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    page = paula_client.get(url("book", clinic), {"kind": "session"}).text
    assert "Free times for a consultation" in page
    assert 'value="session" disabled' in page
    slot = _slot(paula_client, clinic, "consultation")
    response = paula_client.post(url("book", clinic), {"kind": "consultation", "slot": slot})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.kind, appointment.patient, appointment.created_by) == (
        "consultation",
        paula,
        paula.portal_user,
    )


def test_a_screened_patient_books_a_session_no_sooner_than_their_preparation_allows(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    record_intake(
        clinic=clinic,
        patient=paula,
        by=paula.portal_user,
        answers=intake(medications=[{"name": "Advil", "prescribed": False}]),
    )
    give_consents(paula)
    page = paula_client.get(url("book", clinic), {"kind": "session"}).text
    assert "the earliest date we can treat you is" in page
    slot = _slot(paula_client, clinic, "session")
    response = paula_client.post(url("book", clinic), {"kind": "session", "slot": slot})
    assert response["Location"] == url("timeline", clinic)
    session = Appointment.objects.get(kind="session")
    assert session.start - timezone.now() > timedelta(days=7)


def test_a_session_too_soon_is_refused_with_the_earliest_date(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    record_intake(
        clinic=clinic,
        patient=paula,
        by=paula.portal_user,
        answers=intake(medications=[{"name": "Advil", "prescribed": False}]),
    )
    give_consents(paula)
    soon = timezone.now().astimezone(BERLIN).date() + timedelta(days=2)
    while soon.weekday() >= 5:
        soon += timedelta(days=1)
    start = datetime.combine(soon, time(10), BERLIN)
    slot = f"{start.isoformat()}|{pedro.pk}|{room.pk}|"
    response = paula_client.post(url("book", clinic), {"kind": "session", "slot": slot})
    assert response.status_code == 200
    assert "the earliest date we can treat you is" in response.text
    assert not Appointment.objects.exists()


def test_a_pregnant_patient_cannot_book_a_session_even_by_posting_one(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    record_intake(clinic=clinic, patient=paula, by=paula.portal_user, answers=intake(pregnant=True))
    start = datetime.combine(a_monday_ahead(), time(10), BERLIN)
    slot = f"{start.isoformat()}|{pedro.pk}|{room.pk}|"
    paula_client.post(url("book", clinic), {"kind": "session", "slot": slot})
    assert list(Appointment.objects.values_list("kind", flat=True)) == ["consultation"]


def test_another_clinics_room_in_a_posted_slot_is_refused(
    clinic: Clinic, other_clinic: Clinic, paula: Patient, paula_client: Client, pedro: User
) -> None:
    from mesodesk.clinics.services import add_room

    theirs = add_room(clinic=other_clinic, name="Harbour room")
    start = datetime.combine(a_monday_ahead(), time(10), BERLIN)
    slot = f"{start.isoformat()}|{pedro.pk}|{theirs.pk}|"
    response = paula_client.post(url("book", clinic), {"kind": "consultation", "slot": slot})
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_a_garbled_slot_is_answered_plainly(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    response = paula_client.post(url("book", clinic), {"kind": "consultation", "slot": "x|y"})
    assert response.status_code == 422
    assert "Choose one of the times offered." in response.text


def test_the_patient_cancels_their_own_appointment_with_a_reason(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    appointment = book_consultation(clinic, paula, pedro, room)
    page = paula_client.get(url("book", clinic)).text
    assert url("cancel", clinic, appointment_id=appointment.pk) in page
    # The cancel page says when, in the clinic's time, not UTC.
    local = appointment.start.astimezone(ZoneInfo(clinic.time_zone))
    cancel_page = paula_client.get(url("cancel", clinic, appointment_id=appointment.pk)).text
    assert f"at {local:%H:%M}" in cancel_page
    response = paula_client.post(
        url("cancel", clinic, appointment_id=appointment.pk), {"reason": ""}
    )
    assert "This field is required." in response.text
    response = paula_client.post(
        url("cancel", clinic, appointment_id=appointment.pk), {"reason": "I am ill"}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == ("cancelled", "I am ill")


def test_a_past_appointment_cannot_be_cancelled_from_the_portal(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    appointment = book_consultation(clinic, paula, pedro, room)
    # Two days ago, and nobody has marked it done yet.
    length = appointment.end - appointment.start
    start = timezone.now() - timedelta(days=2)
    Appointment.objects.filter(pk=appointment.pk).update(start=start, end=start + length)
    cancel = url("cancel", clinic, appointment_id=appointment.pk)
    response = paula_client.post(cancel, {"reason": "I was ill"})
    assert response["Location"] == url("book", clinic)
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert "can no longer be cancelled here" in paula_client.get(response["Location"]).text


def test_a_session_needs_the_signed_consent_first(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    record_intake(clinic=clinic, patient=paula, by=paula.portal_user, answers=intake())
    page = paula_client.get(url("book", clinic), {"kind": "session"}).text
    assert "A session needs your signed consent first" in page
    assert url("consents", clinic) in page
    assert 'value="session" disabled' in page
    give_consents(paula)
    assert (
        "A session needs your signed consent first"
        not in paula_client.get(url("book", clinic), {"kind": "session"}).text
    )


def test_free_times_come_by_day_with_later_times_and_none_chosen_for_the_patient(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    monday = a_monday_ahead()
    page = paula_client.get(
        url("book", clinic), {"kind": "consultation", "from": monday.isoformat()}
    ).text
    # Three days, each a group of its own, and more than the eight times offered before.
    assert page.count('<fieldset class="slots">') == 3
    assert f"<legend>{monday:%A} {monday.day} {monday:%B}</legend>" in page
    assert page.count('name="slot"') > 8
    assert "checked" not in page.split('id="times"')[1].split("</form>")[0]
    # "Later times" searches from the day after the last day shown.
    later = page.split("Later times")[0].rsplit('href="', 1)[1]
    assert later.startswith(f"?kind=consultation&amp;from={monday + timedelta(days=3)}")
    assert "Times are the clinic's: Berlin time." in page
    # Sent without a choice: asked to choose, nothing booked.
    response = paula_client.post(url("book", clinic), {"kind": "consultation"})
    assert response.status_code == 422
    assert "Choose one of the times offered." in response.text
    assert not Appointment.objects.exists()


def test_the_patients_appointments_name_the_clinics_time_zone(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    book_consultation(clinic, paula, pedro, room)
    page = paula_client.get(url("home", clinic)).text
    assert ", 10:00</time>" in page
    assert "Times are the clinic's: Berlin time." in page
