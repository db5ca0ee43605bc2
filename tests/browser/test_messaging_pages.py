"""The outbox (staff) and the reminder choices reached from a message's link (patients), in
a real browser: accessible and finished at both widths; choices saved without signing in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.messaging.models import ContactPreferences, Reminder
from mesodesk.patients.models import Patient
from tests.browser.conftest import check_both_widths, sign_in
from tests.messaging.conftest import BookSession, next_weekday

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_outbox_and_a_message_preview(
    page: Page, live_server: object, pedro: User, lena: Patient, book_session: BookSession
) -> None:
    """As a practitioner: a message's text is for clinical roles (clinics.reading)."""
    book_session(lena, next_weekday(3))
    sign_in(page, pedro, live_server)
    page.goto("/reminders/lindenhof/outbox/")
    expect(page.get_by_role("heading", name="Outbox", level=1)).to_be_visible()
    page.get_by_role("link", name="View message").first.click()
    expect(page.locator("pre.message")).to_contain_text("Hello Lena")
    check_both_widths(page, "staff-outbox")


def test_a_patient_turns_off_preparation_reminders_from_the_link(
    page: Page, lena: Patient, book_session: BookSession
) -> None:
    book_session(lena, next_weekday(3))
    token = ContactPreferences.objects.get(patient=lena).token
    page.goto(f"/reminders/p/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your reminders from Lindenhof Aesthetics"
    )
    check_both_widths(page, "reminder-preferences")
    page.get_by_label("When a preparation step starts").uncheck()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Your choices are saved.")).to_be_visible()
    assert not Reminder.objects.filter(patient=lena, kind="preparation", status="pending").exists()
