"""A patient signs a consent on a phone: one with a drawn signature (pointer on the
canvas), another with the keyboard alone (typed name). The signed PDF's first page is
turned into a PNG with pdftoppm and checked to be a page with ink on it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.test import Client
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.consents.choices import Method
from mesodesk.consents.models import SignedConsent
from mesodesk.consents.selectors import pdf_bytes
from mesodesk.patients.models import Patient
from tests.browser.conftest import PHONE, assert_accessible, check_both_widths, screenshot
from tests.helpers import require_program
from tests.portal.conftest import make_patient

TITLE = "Consent to mesotherapy by hand with a fine needle"


def signed_in(page: Page, patient: Patient, live_server: object) -> None:
    client = Client()
    client.force_login(patient.portal_user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": str(live_server)}]
    )


def open_consent(page: Page) -> None:
    page.goto("/portal/lindenhof/consents/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def test_a_patient_signs_on_a_phone_with_a_drawn_signature(
    page: Page, clinic: Clinic, live_server: object, tmp_path: Path
) -> None:
    paula = make_patient(clinic, "paula@example.test")
    signed_in(page, paula, live_server)
    page.goto("/portal/lindenhof/consents/")
    check_both_widths(page, "portal-consents")
    open_consent(page)
    check_both_widths(page, "consent-sign")
    page.set_viewport_size(PHONE)
    page.get_by_label("Full name of the person signing").fill("Paula Keller")
    canvas = page.get_by_role("img", name="Signature drawing area")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x + w * (0.1 + i * 0.03), y + h * (0.6 - 0.3 * ((i % 6) / 5)))
    page.mouse.up()
    expect(page.get_by_text("Signature drawn.")).to_be_visible()
    screenshot(page, "consent-drawn-phone")
    page.get_by_label("I have read this consent and I agree to it").check()
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.get_by_text(f"Signed: {TITLE}.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "consent-documents-phone")
    consent = SignedConsent.objects.get(patient=paula)
    assert consent.method == Method.DRAWN and consent.signature_svg.count("<path") == 1
    # The PDF, turned into a picture as a reader would see it.
    pdftoppm = require_program("pdftoppm", "poppler-utils")
    (tmp_path / "c.pdf").write_bytes(pdf_bytes(consent))
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "c.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    png = next(tmp_path.glob("page*.png")).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_a_patient_signs_with_the_keyboard_alone(
    page: Page, clinic: Clinic, live_server: object
) -> None:
    tom = make_patient(clinic, "tom@example.test", "Tom")
    signed_in(page, tom, live_server)
    page.set_viewport_size(PHONE)
    open_consent(page)
    # The page's deferred script hides the relationship field for a patient signing alone;
    # on a loaded machine it may run after the page is shown.
    expect(page.locator("[data-representative]")).to_be_hidden()
    page.get_by_role("group", name="Who is signing?").get_by_label("I am the patient").focus()
    page.keyboard.press("Tab")  # past the relationship (hidden for the patient) to the name
    name = page.get_by_label("Full name of the person signing")
    expect(name).to_be_focused()
    page.keyboard.type("Tom Baker")
    agree = page.get_by_label("I have read this consent and I agree to it")
    while not agree.evaluate("e => e === document.activeElement"):
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign the consent")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Signed: {TITLE}.")).to_be_visible()
    consent = SignedConsent.objects.get(patient=tom)
    assert (consent.method, consent.signer_name) == (Method.TYPED, "Tom Baker")


def test_a_practitioner_hands_the_tablet_over_and_takes_it_back_with_a_code(
    page: Page, clinic: Clinic, live_server: object, pedro: User, fiona: User
) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    from tests.accounts.helpers import totp_code
    from tests.browser.conftest import sign_in
    from tests.scheduling.conftest import make_patient as make_clinic_patient

    patient = make_clinic_patient(clinic, fiona, "Tablet", consents=False)
    sign_in(page, pedro, live_server)
    page.goto(f"/staff/lindenhof/patients/{patient.pk}/")
    expect(page.get_by_text("has not signed a treatment consent")).to_be_visible()
    page.get_by_role("link", name="Collect it on the tablet").click()
    check_both_widths(page, "staff-consent-collect")
    page.get_by_role("button", name=f"Hand over: {TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("navigation", name="Workspace")).to_have_count(0)
    check_both_widths(page, "staff-consent-tablet")
    page.goto("/staff/lindenhof/")  # the workspace stays out of reach
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_label("Full name of the person signing").fill("Pat Tablet")
    page.get_by_label("I have read this consent and I agree to it").check()
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.get_by_text("Please hand the tablet back")).to_be_visible()
    totp = Authenticator.objects.get(user=pedro, type=Authenticator.Type.TOTP)
    page.get_by_label("Your authenticator code").fill(totp_code(decrypt(totp.data["secret"])))
    page.get_by_role("button", name="Return to the workspace").click()
    expect(page.get_by_text("The consent is signed; its PDF is on the chart.")).to_be_visible()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    consent = SignedConsent.objects.get(patient=patient)
    assert consent.collected_by == pedro and consent.channel == "tablet"
