"""Issue 13's first steps in Chromium: sign-up refusing the too young with every password
problem at once; the desk warned of a duplicate; a practitioner entering a paper form; an
admin merging two records; the error pages."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import IntakeVersion, Patient
from mesodesk.patients.services import register_patient
from tests.browser.conftest import check_both_widths, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def patient_page(page: Page) -> Page:
    """These walks are long (several pages and axe runs each): a loaded machine gets
    more than conftest's 10 s per action."""
    page.context.set_default_timeout(60_000)
    return page


def test_sign_up_refuses_a_14_year_old_and_shows_every_password_problem(
    page: Page, clinic: Clinic
) -> None:
    page.goto("/portal/lindenhof/signup/")
    page.get_by_label("First name").fill("Mia")
    page.get_by_label("Last name").fill("Young")
    today = date.today()  # noqa: DTZ011 - a birthday 14 years back, whatever the zone
    page.get_by_label("Date of birth").fill(date(today.year - 14, 1, 1).isoformat())
    page.get_by_label("E-mail address").fill("mia@example.test")
    page.get_by_label("Mobile phone").fill("030 1234567")
    page.get_by_label("Password", exact=True).fill("12345")
    page.get_by_label("Password (again)").fill("54321")
    page.get_by_role("button", name="Create my account").click()
    # all_inner_texts does not wait: wait for the answer page's errors before reading them
    expect(page.locator(".errorlist").first).to_be_visible()
    errors = page.locator(".errorlist").all_inner_texts()
    text = " ".join(errors)
    assert "You need to be 18 or older to create an account at Lindenhof Aesthetics" in text
    assert "too short" in text and "too common" in text and "entirely numeric" in text
    assert "The two passwords are not the same." in text
    check_both_widths(page, "portal-signup-refused")
    assert not Patient.objects.exists()


def test_the_desk_is_warned_of_a_duplicate_and_an_admin_merges_it(
    page: Page, clinic: Clinic, fiona: User, alice: User, live_server: object
) -> None:
    tom = register_patient(
        clinic=clinic,
        by=fiona,
        first_name="Tom",
        last_name="Baker",
        birth_date=date(1980, 1, 2),
        email="tom@example.test",
    )
    sign_in(page, fiona, live_server)
    page.goto("/staff/lindenhof/patients/new/")
    page.get_by_label("First name").fill("Thomas")
    page.get_by_label("Last name").fill("Baker")
    page.get_by_label("E-mail").fill("TOM@example.test")
    page.get_by_label("Phone").fill("0170 1234567")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(
        "This may be a patient the clinic already has"
    )
    check_both_widths(page, "staff-register-duplicate")
    page.get_by_role("button", name="Register anyway").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thomas Baker")
    thomas = Patient.objects.get(first_name="Thomas")
    assert thomas.phone == "+491701234567"

    page.context.clear_cookies()
    sign_in(page, alice, live_server)
    page.goto(f"/staff/lindenhof/patients/{tom.pk}/")
    page.get_by_role("link", name="Merge it into this record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merge a duplicate record")
    page.get_by_label("Why are these records the same person?").fill(
        "Registered twice at the desk, same e-mail"
    )
    check_both_widths(page, "staff-merge")
    page.get_by_role("button", name=f"Merge patient {thomas.pk} into patient {tom.pk}").click()
    expect(page.locator(".messages")).to_contain_text("merged into this one")
    check_both_widths(page, "staff-chart-after-merge")
    thomas.refresh_from_db()
    assert thomas.merged_into == tom


def test_a_practitioner_enters_a_paper_questionnaire(
    page: Page, clinic: Clinic, fiona: User, pedro: User, live_server: object
) -> None:
    greta = register_patient(clinic=clinic, by=fiona, first_name="Greta", last_name="Lang")
    sign_in(page, pedro, live_server)
    page.goto(f"/staff/lindenhof/patients/{greta.pk}/")
    page.get_by_role("link", name="Enter the answers for the patient").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Questionnaire for Greta Lang")
    page.get_by_label("A paper form the patient filled in").check()
    page.get_by_label("Date of birth").fill("1970-03-04")
    page.get_by_role("group", name="Sex").get_by_label("Female").check()
    page.get_by_role("group", name="Are you pregnant").get_by_label("No").check()
    page.get_by_role("group", name="Are you breastfeeding").get_by_label("No").check()
    page.get_by_label("Medicine or supplement 1").fill("warfarin")
    page.get_by_role("group", name="Did a doctor prescribe medicine 1?").get_by_label(
        "Yes, a doctor prescribed it"
    ).check()
    check_both_widths(page, "staff-intake-on-behalf")
    page.get_by_role("button", name="Record the answers").click()
    expect(page.locator(".messages")).to_contain_text("recorded for the patient")
    expect(page.locator("#intakes")).to_be_visible()
    assert "entered for the patient by Pedro" in page.inner_text("main")
    version = IntakeVersion.objects.get(patient=greta)
    assert (version.source, version.on_behalf) == ("paper_form", True)


def test_the_error_pages_look_like_the_product_and_lead_back(
    page: Page, clinic: Clinic, fiona: User, live_server: object
) -> None:
    response = page.goto("/staff/lindenhof/nothing-here/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We cannot find this page")
    check_both_widths(page, "error-404")
    sign_in(page, fiona, live_server)
    response = page.goto("/admin/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("for the site's administrators")
    check_both_widths(page, "error-admin-denied")
    page.get_by_role("link", name="Your clinic's workspace").click()
    expect(page.get_by_role("link", name="Today")).to_be_visible()
