"""Issue 10, browser tests: a practitioner plans a new patient's series from the chart and
sees its sessions; the front desk checks a patient in and closes a no-show from Today.
Both widths, axe-core on every page."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.planning.models import TreatmentPlan
from mesodesk.scheduling.models import Appointment
from tests.api.conftest import intake
from tests.browser.conftest import check_both_widths, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def step(label: str, who: str) -> re.Pattern[str]:
    """A visit step's button: its label, then (for screen readers) whose visit it is."""
    return re.compile(rf"^{re.escape(label)}\W+{re.escape(who)}\b")


def patient(clinic: Clinic, by: User, first: str, last: str) -> Patient:
    registered = register_patient(clinic=clinic, by=by, first_name=first, last_name=last)
    record_intake(clinic=clinic, patient=registered, by=by, answers=intake())
    return registered


def test_a_practitioner_plans_a_new_patient_s_series_from_the_chart(
    page: Page, live_server: object, clinic: Clinic, pedro: User, fiona: User
) -> None:
    nina = patient(clinic, fiona, "Nina", "Vogel")
    sign_in(page, pedro, live_server)
    page.goto(f"/staff/lindenhof/patients/{nina.pk}/")
    expect(page.get_by_text("No treatment plan yet.")).to_be_visible()
    page.get_by_role("link", name="Plan a series").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Plan a series for Nina Vogel")
    check_both_widths(page, "staff-plan-new")
    first = timezone.now().astimezone(ZoneInfo(clinic.time_zone)).date() + timedelta(days=9)
    while first.weekday() > 4:  # a weekday, when Lindenhof is open
        first += timedelta(days=1)
    page.get_by_label("Indication").select_option("skin_rejuvenation")
    page.get_by_label("Face", exact=True).check()
    page.get_by_label("Neck", exact=True).check()
    page.get_by_label("Hyaluronic acid").check()
    page.get_by_label("Amino acids").check()
    page.get_by_label("Technique").select_option("meso_gun")
    page.get_by_label("Template").select_option("monthly_starter")
    page.get_by_label("First session on").fill(first.isoformat())
    page.get_by_label("at", exact=True).fill("11:00")
    page.get_by_role("button", name="Plan the series").click()

    expect(page.get_by_text("Planned: 3 sessions.")).to_be_visible()
    expect(page.get_by_role("heading", name="Screening with this plan")).to_be_visible()
    expect(page.get_by_text("A treatment session may be booked.")).to_be_visible()
    expect(page.locator("dd", has_text="Meso gun (injector gun)")).to_be_visible()
    sessions = page.locator("table.sessions tbody tr")
    expect(sessions).to_have_count(3)
    expect(sessions.first).to_contain_text(f"{first:%a} {first.day} {first:%b %Y}, 11:00")
    expect(sessions.first).to_contain_text("not booked")
    check_both_widths(page, "staff-plan")
    plan = TreatmentPlan.objects.get(patient=nina)
    assert plan.ingredients == ["hyaluronic_acid", "amino_acids"] and plan.created_by == pedro


def test_front_desk_checks_a_patient_in_and_closes_a_no_show_from_today(
    page: Page, live_server: object, clinic: Clinic, pedro: User, fiona: User
) -> None:
    zone = ZoneInfo(clinic.time_zone)
    now = timezone.now().astimezone(zone)
    room = add_room(clinic=clinic, name="Room 1")

    def appointment(who: Patient, start: datetime) -> Appointment:
        # Written as rows: booking refuses times that have passed.
        return Appointment.objects.create(
            clinic=clinic, patient=who, kind="consultation", practitioner=pedro, room=room,
            start=start, end=start + timedelta(minutes=30), created_by=fiona,
        )  # fmt: skip

    today = appointment(
        patient(clinic, fiona, "Anna", "Schmidt"),
        datetime.combine(now.date(), time(23, 0), zone) if now.hour < 22 else now,
    )
    yesterday = appointment(
        patient(clinic, fiona, "Jonas", "Fischer"),
        datetime.combine(now.date() - timedelta(days=1), time(15, 0), zone),
    )
    sign_in(page, fiona, live_server)
    page.goto("/staff/lindenhof/")
    expect(page.get_by_role("heading", name="Past visits to close")).to_be_visible()
    check_both_widths(page, "staff-today-visits")

    page.get_by_role("button", name=step("Check in", "Anna Schmidt")).click()
    expect(page.get_by_text("Checked in Anna Schmidt.")).to_be_visible()
    expect(page.locator(".badge.arrived")).to_have_text("Checked in")
    expect(page.locator(".visit-event")).to_contain_text("Checked in")
    expect(page.locator(".visit-event")).to_contain_text("by Fiona")
    expect(page.get_by_role("button", name=step("Undo check-in", "Anna Schmidt"))).to_be_visible()
    # Front desk starts no treatment: practitioners do.
    expect(page.get_by_role("button", name=step("Start treatment", "Anna Schmidt"))).to_have_count(
        0
    )

    page.get_by_role("button", name=step("No-show", "Jonas Fischer")).click()
    expect(page.get_by_text("No-show recorded for Jonas Fischer.")).to_be_visible()
    expect(page.get_by_role("heading", name="Past visits to close")).to_have_count(0)
    check_both_widths(page, "staff-today-checked-in")

    today.refresh_from_db()
    yesterday.refresh_from_db()
    assert (today.arrived_by, today.status) == (fiona, "booked")
    assert (yesterday.status, yesterday.ended_by) == ("no_show", fiona)

    page.goto(f"/staff/lindenhof/appointments/{yesterday.pk}/")
    expect(page.get_by_text("Recorded as a no-show")).to_be_visible()
    expect(page.get_by_role("link", name="Book Jonas again")).to_be_visible()
    check_both_widths(page, "staff-appointment-no-show")
