"""Every clinical page of the staff workspace in a real browser: axe-core finds no serious
or critical violation, and nothing is wider than a phone at 390 px; screenshots at 390 and
1280 px (MESODESK_SCREENSHOTS=folder). Also issue 6, browser tests 4 (front desk books a
whole series) and 5 (another clinic's member gets a 404 for a patient URL)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_device, add_member, add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.services import create_plan
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.api.conftest import intake
from tests.browser.conftest import check_both_widths, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
BERLIN = ZoneInfo("Europe/Berlin")


def open_as(page: Page, user: User, path: str) -> None:
    page.goto("/")
    sign_in(page, user, page.url)
    page.goto(path)


@dataclass
class Cast:
    monday: date
    review: Patient
    eligible: Patient
    plan: TreatmentPlan
    appointment: Appointment


@pytest.fixture
def cast(clinic: Clinic, fiona: User, pedro: User) -> Cast:
    today = timezone.now().astimezone(BERLIN).date()
    monday = today + timedelta(days=14 + (7 - today.weekday()))
    room = add_room(clinic=clinic, name="Treatment room 1")
    add_room(clinic=clinic, name="Treatment room 2")
    add_device(clinic=clinic, name="Needle kit", device_type="manual_needle_kit", model_name="30G")
    review = register_patient(
        clinic=clinic, by=fiona, first_name="Jonas", last_name="Fischer", email="j@example.test"
    )
    record_intake(
        clinic=clinic,
        patient=review,
        by=fiona,
        answers=intake(medications=[{"name": "Eliquis 5 mg", "prescribed": True}]),
    )
    eligible = register_patient(
        clinic=clinic, by=fiona, first_name="Clara", last_name="Weber", email="c@example.test"
    )
    record_intake(
        clinic=clinic,
        patient=eligible,
        by=fiona,
        answers=intake(
            medications=[
                {"name": "Advil 200 mg", "prescribed": False},
                {"name": "fish oil", "prescribed": False},
            ]
        ),
    )
    plan = create_plan(
        clinic=clinic,
        patient=eligible,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid", "vitamin_c"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=datetime.combine(monday, time(10), BERLIN),
    )
    appointment = book_appointment(
        clinic=clinic,
        patient=review,
        by=fiona,
        kind="consultation",
        start=datetime.combine(monday, time(9), BERLIN),
        practitioner=pedro,
        room=room,
    )
    return Cast(monday, review, eligible, plan, appointment)


def test_the_day_week_and_patient_list_are_accessible_at_both_widths(
    page: Page, cast: Cast, fiona: User
) -> None:
    day = cast.monday.isoformat()
    open_as(page, fiona, f"/staff/lindenhof/?day={day}")
    expect(page.get_by_role("link", name="Jonas Fischer", exact=True)).to_be_visible()
    check_both_widths(page, "staff-today")
    page.goto(f"/staff/lindenhof/week/?start={day}")
    # The hour grid on a desktop (the list, for a phone, is hidden at this width).
    expect(page.locator(".wg").get_by_text("Jonas Fischer")).to_be_visible()
    check_both_widths(page, "staff-week")
    page.goto("/staff/lindenhof/patients/")
    expect(page.get_by_role("link", name="Weber, Clara")).to_be_visible()
    check_both_widths(page, "staff-patients")
    page.goto("/staff/lindenhof/patients/new/")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    check_both_widths(page, "staff-patient-new")


def test_the_chart_booking_and_appointment_pages_are_accessible_at_both_widths(
    page: Page, cast: Cast, pedro: User
) -> None:
    open_as(page, pedro, f"/staff/lindenhof/patients/{cast.review.pk}/")
    expect(page.get_by_role("button", name="Sign off the review verdict")).to_be_visible()
    check_both_widths(page, "staff-chart")
    page.goto(f"/staff/lindenhof/patients/{cast.eligible.pk}/book/")
    expect(page.locator(".slot").first).to_be_visible()
    check_both_widths(page, "staff-book")
    page.goto(f"/staff/lindenhof/appointments/{cast.appointment.pk}/")
    expect(page.get_by_role("heading", name="Reschedule")).to_be_visible()
    page.get_by_role("button", name="Cancel the appointment").click()
    expect(page.get_by_text("Say why the appointment is cancelled.")).to_be_visible()
    check_both_widths(page, "staff-appointment")


def test_front_desk_books_a_whole_series_for_a_patient(page: Page, cast: Cast, fiona: User) -> None:
    open_as(page, fiona, f"/staff/lindenhof/patients/{cast.eligible.pk}/")
    page.get_by_role("link", name="Book the whole series").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book the series of Clara Weber")
    check_both_widths(page, "staff-series")
    page.get_by_role("button", name="Book the whole series").click()

    expect(page.get_by_text("Booked 3 sessions: 1, 2, 3.")).to_be_visible()
    expect(page.get_by_text("Every session of this plan has its appointment.")).to_be_visible()
    assert Appointment.objects.filter(patient=cast.eligible, status="booked").count() == 3
    screenshot(page, "staff-series-booked-desktop")
    page.goto(f"/staff/lindenhof/patients/{cast.eligible.pk}/")
    # Her timeline (Advil and fish oil to pause before the first session) is built from
    # her answers: the practitioner's to read, not the desk's (clinics.reading).
    expect(page.get_by_text("The timeline is built from the intake's answers")).to_be_visible()
    expect(page.get_by_text("About: Advil 200 mg")).to_have_count(0)


def test_a_member_of_another_clinic_opening_a_patient_url_gets_a_404(
    page: Page, cast: Cast, other_clinic: Clinic
) -> None:
    stranger = create_user(email="hugo@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=stranger, role=Role.PRACTITIONER)
    page.goto("/")
    sign_in(page, stranger, page.url)
    response = page.goto(f"/staff/lindenhof/patients/{cast.review.pk}/")
    assert response is not None and response.status == 404
    assert "Fischer" not in page.content()


def test_the_patient_search_narrows_as_you_type_without_breaking_the_csp(
    page: Page, cast: Cast, fiona: User
) -> None:
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    open_as(page, fiona, "/staff/lindenhof/patients/")
    expect(page.get_by_role("link", name="Weber, Clara")).to_be_visible()
    page.get_by_label("Search by name, e-mail or phone").press_sequentially("Fisch")
    # htmx swapped the results in place (no navigation) and put the search in the URL.
    expect(page.get_by_role("link", name="Weber, Clara")).to_have_count(0)
    expect(page.get_by_role("link", name="Fischer, Jonas")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=Fisch"))
    assert page.evaluate("document.getElementById('q') === document.activeElement")
    assert errors == []
