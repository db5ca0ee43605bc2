"""Issue 6, browser test 3: a practitioner signs in with e-mail, password and a TOTP code
through allauth's own pages, sees the day, opens a chart and signs off a review verdict
with a reason."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_room
from mesodesk.patients.selectors import current_screening
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.scheduling.models import Appointment
from tests.accounts.helpers import PASSWORD, give_totp, totp_code
from tests.api.conftest import intake
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def fresh_code(secret: str) -> str:
    """A code with a few seconds of its 30-second step left (codes are single-step here)."""
    if 30 - time.time() % 30 < 4:
        time.sleep(30 - time.time() % 30 + 0.5)
    return totp_code(secret)


def test_a_practitioner_signs_in_with_totp_and_signs_off_a_review_verdict(
    page: Page, clinic: Clinic, pedro: User, fiona: User
) -> None:
    secret = give_totp(pedro)
    patient = register_patient(clinic=clinic, by=fiona, first_name="Jonas", last_name="Fischer")
    record_intake(
        clinic=clinic,
        patient=patient,
        by=fiona,
        answers=intake(medications=[{"name": "Eliquis 5 mg", "prescribed": True}]),
    )
    # A consultation today, written as a row: booking refuses times that have passed.
    zone = ZoneInfo(clinic.time_zone)
    now = timezone.now().astimezone(zone)
    start = max(now.replace(hour=0, minute=5, second=0, microsecond=0), now - timedelta(hours=1))
    start = min(start, datetime.combine(now.date(), datetime.max.time(), zone) - timedelta(hours=1))
    Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        kind="consultation",
        practitioner=pedro,
        room=add_room(clinic=clinic, name="Room 1"),
        start=start,
        end=start + timedelta(minutes=30),
        created_by=fiona,
    )

    page.goto("/staff/")
    page.fill("input[name=login]", pedro.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.fill("input[name=code]", fresh_code(secret))
    page.locator("form button[type=submit]").first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    assert_accessible(page)
    page.get_by_role("link", name="Jonas Fischer", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Jonas Fischer")
    expect(page.get_by_text("Needs sign-off").first).to_be_visible()
    page.get_by_label("Reason").fill("Spoke with his cardiologist: small volumes, firm pressure.")
    page.get_by_role("button", name="Sign off the review verdict").click()

    expect(page.get_by_text("The review verdict is signed off.")).to_be_visible()
    expect(page.get_by_text("Spoke with his cardiologist")).to_be_visible()
    screening = current_screening(clinic, patient)
    assert screening is not None and screening.signed_off_by == pedro
