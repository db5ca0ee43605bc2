"""Browser tests 1 and 2 of the portal: a new patient signs up, answers the questionnaire,
books and sees their timeline; a pregnant patient is told to see the clinic."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_room
from mesodesk.scheduling.models import Appointment
from tests.browser.portal_helpers import check_page, fill_intake

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


def sign_up(page: Page, email: str) -> None:
    page.goto("/portal/lindenhof/")
    check_page(page, "portal-welcome")
    page.get_by_role("link", name="Create an account").click()
    check_page(page, "portal-signup")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Brandt")
    page.get_by_label("Date of birth").fill("1990-04-01")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill("a long passphrase here")
    page.get_by_label("Password (again)").fill("a long passphrase here")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    check_page(page, "account-verification-sent")
    body = mail.outbox[-1].body
    link = re.search(r"https?://\S+?(/accounts/confirm-email/\S+/)", body)
    assert link is not None, body
    page.goto(link.group(1))
    check_page(page, "account-confirm-email")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Nora")


def test_a_new_patient_signs_up_books_a_session_and_is_told_to_stop_both_a_week_before(
    page: Page, clinic: Clinic, pedro: User, room: Room
) -> None:
    sign_up(page, "nora@example.test")
    check_page(page, "portal-home")

    page.get_by_role("link", name="Start the questionnaire").click()
    check_page(page, "portal-intake")
    fill_intake(page, pregnant=False, medications=["Advil 200 mg", "fish oil"])
    # Enter in a field keeps the answers and stays: it neither adds a row nor sends them.
    medicines = page.get_by_label(re.compile(r"^Medicine or supplement \d+"))
    rows = medicines.count()
    page.get_by_label("Medicine or supplement 2 (optional)", exact=True).press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Your answers so far are saved")
    expect(page.get_by_label("Medicine or supplement 2 (optional)", exact=True)).to_have_value(
        "fish oil"
    )
    assert medicines.count() == rows
    page.get_by_role("button", name="Send my answers").click()

    expect(page.get_by_role("heading", name="You can book")).to_be_visible()
    check_page(page, "portal-outcome")

    page.get_by_role("link", name="Book a session").click()
    # The consent gate: a session needs the signed treatment consent first.
    expect(page.get_by_text("A session needs your signed consent first")).to_be_visible()
    page.get_by_role("link", name="read and sign it").click()
    page.get_by_role("link", name="Consent to mesotherapy by hand with a fine needle").click()
    page.get_by_label("Full name of the person signing").fill("Nora Example")
    page.get_by_label("I have read this consent and I agree to it").check()
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.get_by_text("The PDF is under Documents.")).to_be_visible()
    page.goto("/portal/lindenhof/book/?kind=session")
    expect(page.get_by_text("the earliest date we can treat you is")).to_be_visible()
    check_page(page, "portal-book")
    # Nothing is chosen for the patient: she picks the first time offered.
    page.locator('input[name="slot"]').first.check()
    page.get_by_role("button", name="Book the time chosen").click()

    expect(page.get_by_role("heading", name="Your preparation and aftercare")).to_be_visible()
    session = Appointment.objects.get(kind="session")
    berlin = ZoneInfo("Europe/Berlin")
    week_before = (session.start.astimezone(berlin) - timedelta(days=7)).date()
    day = page.locator(
        f"xpath=//h3[time[@datetime='{week_before.isoformat()}']]/following-sibling::ul[1]"
    )
    expect(day).to_contain_text("Stop taking Advil 200 mg")
    expect(day).to_contain_text("Stop taking fish oil")
    check_page(page, "portal-timeline")


def test_a_pregnant_patient_cannot_book_a_session_and_is_told_to_see_the_clinic(
    page: Page, clinic: Clinic, pedro: User, room: Room
) -> None:
    sign_up(page, "petra@example.test")
    page.get_by_role("link", name="Start the questionnaire").click()
    fill_intake(page, pregnant=True, medications=[])
    page.get_by_role("button", name="Send my answers").click()

    expect(
        page.get_by_role("heading", name="This treatment is not suitable for you")
    ).to_be_visible()
    expect(page.get_by_text("Mesotherapy is not offered during pregnancy.")).to_be_visible()
    check_page(page, "portal-outcome-not-suitable")

    page.get_by_role("link", name="Book a consultation").click()
    expect(page.get_by_label(re.compile("A treatment session"))).to_be_disabled()
    expect(page.get_by_text("please see the clinic first")).to_be_visible()
    # Asking for a session by address gives consultation times only.
    page.goto("/portal/lindenhof/book/?kind=session")
    expect(page.get_by_role("heading", name="Free times for a consultation")).to_be_visible()
    page.locator('input[name="slot"]').first.check()
    page.get_by_role("button", name="Book the time chosen").click()
    expect(page.get_by_role("status")).to_contain_text("Your consultation is booked")
    assert list(Appointment.objects.values_list("kind", flat=True)) == ["consultation"]
