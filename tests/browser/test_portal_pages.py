"""The rest of the portal in a real browser: sign-in, side effects, reminders, calendar,
cancelling and deleting the account — accessible and finished at both widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import update_clinic_settings
from mesodesk.portal.models import DeletionRequest
from mesodesk.safety.models import SideEffectReport
from tests.browser.portal_helpers import check_page
from tests.portal.conftest import PASSWORD, make_patient
from tests.safety.test_side_effect_reports import SESSION_DAY, held_session

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_patient_signs_in_reports_side_effects_sets_reminders_and_asks_to_be_deleted(
    page: Page, clinic: Clinic, pedro: User
) -> None:
    held_session(clinic, make_patient(clinic, "paula@example.test"), pedro, SESSION_DAY)
    update_clinic_settings(clinic=clinic, phone="+49 30 1234567")
    page.goto("/portal/lindenhof/intake/")
    expect(page).to_have_url("/accounts/login/?next=/portal/lindenhof/intake/")
    check_page(page, "account-login")
    page.get_by_label("Email").fill("paula@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your health questionnaire")

    page.get_by_role("link", name="My timeline").click()
    check_page(page, "portal-timeline-empty")

    page.get_by_role("link", name="Side effects").click()
    expect(page.get_by_text("Call emergency services now", exact=True)).to_be_visible()
    dial = page.locator(".red-flags").get_by_role("link", name="+49 30 1234567")
    expect(dial).to_have_attribute("href", "tel:+49301234567")
    check_page(page, "portal-side-effects")
    page.get_by_label("Redness").check()
    page.get_by_label("Where is it?").fill("left cheek")
    page.get_by_label("Since when?").fill("2019-12-31")
    page.get_by_label("Moderate").check()
    page.get_by_role("button", name="Send to the clinic").click()
    # A date before her session is refused next to the date, with what to choose.
    expect(
        page.get_by_text("Choose a date on or after your session of 1 January 2020")
    ).to_be_visible()
    check_page(page, "portal-side-effects-error")
    page.get_by_label("Since when?").fill("2020-01-01")
    page.get_by_role("button", name="Send to the clinic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, the clinic has your report"
    )
    expect(page.get_by_text("Call emergency services now", exact=True)).to_be_visible()
    check_page(page, "portal-side-effect-sent")
    assert SideEffectReport.objects.get().area == "left cheek"

    page.get_by_role("link", name="Reminders").click()
    check_page(page, "portal-preferences")
    page.get_by_label("By text message").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Add a mobile number first")).to_be_visible()
    check_page(page, "portal-preferences-error")

    page.get_by_role("link", name="Delete my account").click()
    check_page(page, "portal-delete")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Ask the clinic to delete my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request is with the clinic")
    check_page(page, "portal-deleted")
    assert DeletionRequest.objects.get().status == "pending"


def test_a_new_sign_up_form_shows_its_mistakes_accessibly(page: Page, clinic: Clinic) -> None:
    page.goto("/portal/lindenhof/signup/")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_contain_text("Please check")
    check_page(page, "portal-signup-errors")
