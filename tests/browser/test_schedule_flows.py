"""The front desk's day in a real browser (issue 13): booking, moving and cancelling tell
the patient (the notices in the outbox); closing a day over bookings asks first and lists
them on Today to book again; the week's hour grid at desktop and phone width."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_working_hours, update_clinic_settings
from mesodesk.messaging.models import ContactPreferences
from mesodesk.messaging.worker import Worker
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.browser.conftest import check_both_widths, screenshot, sign_in
from tests.messaging.conftest import BERLIN, next_weekday

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_desk_books_moves_and_cancels_and_the_patient_is_told_each_time(
    page: Page,
    live_server: object,
    clinic: Clinic,
    fiona: User,
    pedro: User,
    lena: Patient,
    room: Room,
) -> None:
    update_clinic_settings(clinic=clinic, address="Lindenstraße 4\n10969 Berlin")
    # No quiet hours, so every notice goes out at once whatever the time of the run: inside
    # the default 21:00–08:00 the confirmation would wait, and a cancellation of a booking
    # the patient was never told of is rightly not announced (messaging.services).
    ContactPreferences.objects.update_or_create(
        clinic=clinic, patient=lena, defaults={"quiet_start": time(0), "quiet_end": time(0)}
    )
    day = next_weekday(1)
    sign_in(page, fiona, live_server)
    page.goto(f"/staff/lindenhof/patients/{lena.pk}/book/?kind=consultation&start={day}")
    page.get_by_role("button", name=f"Book {day:%A} {day.day} {day:%B} at 10:00").first.click()
    expect(page.get_by_text("Booked: Consultation")).to_be_visible()
    Worker().run_once()  # the confirmation goes out (the demo runs a worker)
    appointment = Appointment.objects.get(patient=lena)
    page.goto(f"/staff/lindenhof/appointments/{appointment.pk}/")
    page.get_by_role("button", name="Move here").nth(3).click()
    expect(page.get_by_text("Moved", exact=False).first).to_be_visible()
    Worker().run_once()
    page.goto(f"/staff/lindenhof/appointments/{appointment.pk}/")
    page.locator("#id_reason").fill("The patient called: she is travelling.")
    page.get_by_role("button", name="Cancel the appointment").click()
    # The cancellation's answer, before leaving the page (a navigation away could overtake
    # the form's POST).
    expect(
        page.get_by_text("The appointment is cancelled; its time is free again.")
    ).to_be_visible()
    page.goto("/reminders/lindenhof/outbox/")
    body = page.inner_text("main")
    for kind in ("Booking confirmation", "Change notice", "Cancellation notice"):
        assert kind in body, kind
    page.get_by_role("link", name="View message").nth(2).click()  # the cancellation notice
    # The desk sees when and how it went, not its text (clinics.reading; the text is
    # tested through SMTP in tests/messaging/test_notices.py).
    expect(page.get_by_text("The text is for practitioners and admins")).to_be_visible()
    check_both_widths(page, "staff-outbox-notices")


def test_closing_a_day_over_bookings_asks_first_and_lists_them_on_today(
    page: Page,
    live_server: object,
    clinic: Clinic,
    alice: User,
    fiona: User,
    pedro: User,
    lena: Patient,
    room: Room,
) -> None:
    day = next_weekday(2)
    for hh, patient in ((10, lena),):
        book_appointment(
            clinic=clinic,
            patient=patient,
            by=fiona,
            kind="consultation",
            start=datetime.combine(day, time(hh), BERLIN),
            practitioner=pedro,
            room=room,
        )
    sign_in(page, alice, live_server)
    page.goto("/staff/lindenhof/settings/closures/")
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Reason").fill("Water damage")
    page.get_by_role("button", name="Add closure").click()
    expect(page.get_by_role("heading", name="1 appointment booked on")).to_be_visible()
    check_both_widths(page, "staff-closure-confirm")
    page.get_by_role("button", name="Close the day and cancel 1 appointment").click()
    expect(page.get_by_text("1 appointment cancelled, the patients told")).to_be_visible()
    page.goto("/staff/lindenhof/")
    expect(
        page.get_by_role("heading", name="To book again: days the clinic closed")
    ).to_be_visible()
    check_both_widths(page, "staff-today-to-rebook")


def test_the_week_is_an_hour_grid_on_a_desktop_and_a_list_on_a_phone(
    page: Page,
    live_server: object,
    clinic: Clinic,
    fiona: User,
    pedro: User,
    lena: Patient,
    room: Room,
) -> None:
    for weekday in range(5):
        add_working_hours(
            clinic=clinic, practitioner=pedro, weekday=weekday, start=time(9), end=time(17)
        )
    monday = next_weekday(0)
    for offset, hh_mm in ((0, "09:30"), (1, "14:00"), (3, "11:15")):
        start = datetime.combine(monday + timedelta(days=offset), time.fromisoformat(hh_mm), BERLIN)
        book_appointment(
            clinic=clinic,
            patient=lena,
            by=fiona,
            kind="consultation",
            start=start,
            practitioner=pedro,
            room=room,
        )
    sign_in(page, fiona, live_server)
    page.goto(f"/staff/lindenhof/week/?start={monday}")
    expect(page.locator(".wg")).to_be_visible()
    expect(page.locator(".wg-day")).to_have_count(5)  # Saturday and Sunday: nobody works
    check_both_widths(page, "staff-week")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator(".wg")).to_be_hidden()
    expect(page.locator(".week-list")).to_be_visible()
    screenshot(page, "staff-week-list-phone")
