"""Closing a day over booked appointments: the admin sees the bookings and confirms; each is
cancelled with a notice to the patient and listed on Today to book again (issue 13)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, ClinicClosure, Room
from mesodesk.messaging.models import Reminder
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.selectors import unclosed_or_to_rebook
from mesodesk.scheduling.services import book_appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.workspace.test_clinical_schedule import BERLIN, book, monday, rooms

pytestmark = pytest.mark.django_db
CLOSURES = "/staff/lindenhof/settings/closures/"
__all__ = ["monday", "rooms"]  # fixtures


def _two_bookings(
    clinic: Clinic, fiona: User, pedro: User, room: Room, day: date
) -> list[Appointment]:
    return [
        book(clinic, fiona, pedro, room, datetime.combine(day, time(9, 30), BERLIN), "Anna"),
        book(clinic, fiona, pedro, room, datetime.combine(day, time(11), BERLIN), "Ben"),
    ]


def test_closing_a_day_with_bookings_lists_them_and_asks_first(
    clinic: Clinic, alice: User, fiona: User, pedro: User, rooms: list[Room], monday: date
) -> None:
    anna, ben = _two_bookings(clinic, fiona, pedro, rooms[0], monday)
    admin = sign_in_with_mfa(Client(), alice)
    data = {"action": "add", "date": monday.isoformat(), "reason": "Water damage"}
    page = admin.post(CLOSURES, data)
    assert page.status_code == 200
    assert "2 appointments booked on" in page.text
    assert "09:30</time> Anna Test" in page.text and "11:00</time> Ben Test" in page.text
    assert 'name="confirmed" value="2"' in page.text
    assert "Keep the day open" in page.text
    # Nothing changed yet.
    assert not ClinicClosure.objects.filter(clinic=clinic, date=monday).exists()
    assert set(Appointment.objects.values_list("status", flat=True)) == {"booked"}

    done = admin.post(CLOSURES, data | {"confirmed": "2"}, follow=True)
    assert "2 appointments cancelled, the patients told" in done.text
    assert ClinicClosure.objects.filter(clinic=clinic, date=monday).exists()
    for appointment in (anna, ben):
        appointment.refresh_from_db()
        assert (appointment.status, appointment.rebook) == ("cancelled", True)
        assert appointment.cancel_reason == "The clinic is closed that day: Water damage."


def test_a_stale_confirmation_asks_again(
    clinic: Clinic, alice: User, fiona: User, pedro: User, rooms: list[Room], monday: date
) -> None:
    _two_bookings(clinic, fiona, pedro, rooms[0], monday)
    admin = sign_in_with_mfa(Client(), alice)
    # Confirmed for one booking, but two are booked by now: shown again, nothing closed.
    page = admin.post(CLOSURES, {"action": "add", "date": monday.isoformat(), "confirmed": "1"})
    assert 'name="confirmed" value="2"' in page.text
    assert not ClinicClosure.objects.exists()


def test_each_patient_gets_a_cancellation_notice_even_before_the_confirmation_went_out(
    clinic: Clinic, alice: User, fiona: User, pedro: User, rooms: list[Room], monday: date
) -> None:
    anna, _ = _two_bookings(clinic, fiona, pedro, rooms[0], monday)
    anna.patient.email = "anna@example.test"
    anna.patient.save()
    # Her booking confirmation (no address before: none) — she is told of the closure.
    admin = sign_in_with_mfa(Client(), alice)
    admin.post(CLOSURES, {"action": "add", "date": monday.isoformat(), "confirmed": "2"})
    notices = Reminder.objects.filter(kind="cancelled")
    assert [(r.patient_id, r.channel, r.status) for r in notices] == [
        (anna.patient_id, "email", "pending")
    ]


def test_today_lists_them_to_book_again_until_booked_or_settled(
    clinic: Clinic, alice: User, fiona: User, pedro: User, rooms: list[Room], monday: date
) -> None:
    anna, ben = _two_bookings(clinic, fiona, pedro, rooms[0], monday)
    sign_in_with_mfa(Client(), alice).post(
        CLOSURES, {"action": "add", "date": monday.isoformat(), "confirmed": "2"}
    )
    desk = sign_in_with_mfa(Client(), fiona)
    today = desk.get("/staff/lindenhof/").text
    assert "To book again: days the clinic closed" in today
    assert "Anna Test" in today and "Ben Test" in today
    assert f"/staff/lindenhof/patients/{anna.patient_id}/book/?kind=consultation" in today
    # Anna is booked again the next day: off the list.
    book_appointment(
        clinic=clinic,
        patient=anna.patient,
        by=fiona,
        kind="consultation",
        start=datetime.combine(monday + timedelta(days=1), time(9, 30), BERLIN),
        practitioner=pedro,
        room=rooms[0],
    )
    # Ben will call himself: the desk marks it settled.
    settled = desk.post(
        f"/staff/lindenhof/appointments/{ben.pk}/rebooking-settled/",
        {"next": "/staff/lindenhof/"},
        follow=True,
    )
    assert "Ben Test is off the list to book again" in settled.text
    assert "To book again" not in settled.text


def test_only_admins_close_a_day_and_outsiders_get_404(
    clinic: Clinic, fiona: User, pedro: User, rooms: list[Room], monday: date, outsider: Client
) -> None:
    _, ben = _two_bookings(clinic, fiona, pedro, rooms[0], monday)
    desk = sign_in_with_mfa(Client(), fiona)
    data = {"action": "add", "date": monday.isoformat(), "confirmed": "2"}
    assert desk.post(CLOSURES, data).status_code == 403
    assert not ClinicClosure.objects.exists()
    # The settle button is for an appointment a closure cancelled only.
    page = desk.post(f"/staff/lindenhof/appointments/{ben.pk}/rebooking-settled/", follow=True)
    assert "Nothing to rebook for this appointment" in page.text
    # Another clinic's admin: neither the appointment nor the day are theirs.
    assert (
        outsider.post(f"/staff/lindenhof/appointments/{ben.pk}/rebooking-settled/").status_code
        == 404
    )
    assert outsider.post(CLOSURES, data).status_code == 404


def test_what_today_asks_to_close_or_rebook_comes_oldest_first_up_to_the_limit(
    clinic: Clinic, alice: User, fiona: User, pedro: User, rooms: list[Room], monday: date
) -> None:
    anna, ben = _two_bookings(clinic, fiona, pedro, rooms[0], monday)
    sign_in_with_mfa(Client(), alice).post(
        CLOSURES, {"action": "add", "date": monday.isoformat(), "confirmed": "2"}
    )
    later = monday + timedelta(days=1)
    cara, dan = _two_bookings(clinic, fiona, pedro, rooms[0], later)
    book(clinic, fiona, pedro, rooms[0], datetime.combine(later, time(15), BERLIN), "Eve")
    # The next morning at 12:00: Cara's and Dan's visits are over and still booked, Eve's
    # is to come; Anna and Ben were cancelled by the closure.
    with time_machine.travel(datetime.combine(later, time(12), BERLIN), tick=False):
        now = datetime.combine(later, time(12), BERLIN)
        found = unclosed_or_to_rebook(clinic, now=now, limit=10)
        assert [a.pk for a in found] == [anna.pk, ben.pk, cara.pk, dan.pk]
        assert found[0].patient.last_name == "Test" and found[2].room == rooms[0]
        assert [a.pk for a in unclosed_or_to_rebook(clinic, now=now, limit=3)] == [
            anna.pk,
            ben.pk,
            cara.pk,
        ]
