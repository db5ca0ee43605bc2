"""The home page in a real browser: accessible, and finished at phone and desktop widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mesodesk.clinics.models import Clinic
from tests.browser.conftest import PHONE, assert_accessible, check_both_widths, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_is_accessible_at_both_widths(page: Page) -> None:
    page.goto("/")
    assert page.get_by_role("heading", name="What mesodesk is").is_visible()
    assert_accessible(page)
    screenshot(page, "home-desktop")
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    # Nothing wider than the phone's screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "home-phone")


def test_the_general_sign_up_page_is_accessible_and_leads_patients_to_their_clinic(
    page: Page, clinic: Clinic
) -> None:
    page.goto("/accounts/signup/")
    check_both_widths(page, "account-signup")
    page.get_by_role("link", name=clinic.name).click()
    expect(page.get_by_role("button", name="Create my account")).to_be_visible()
