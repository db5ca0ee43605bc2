"""Issue 11 (outcome scores), browser tests: a practitioner scores GAIS on a session from
its record, the patient rates the session in the portal at phone width, and the progress
chart page (SVG with its table) passes axe at both widths."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.charting.services import open_record
from mesodesk.clinics.models import Clinic
from mesodesk.outcomes import services
from mesodesk.outcomes.models import Score
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment
from tests.browser.conftest import (
    PHONE,
    assert_accessible,
    check_both_widths,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_practitioner_scores_gais_on_a_session(
    page: Page, live_server: object, pedro: User, clinic: Clinic, series: list[Appointment]
) -> None:
    record = open_record(clinic=clinic, appointment=series[2], by=pedro)
    page.set_default_timeout(30_000)
    sign_in(page, pedro, live_server)
    page.goto(f"/staff/lindenhof/records/{record.pk}/")
    page.get_by_role("link", name="Score this session").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outcome scores of Pat Eligible")
    check_both_widths(page, "outcomes-session-scores")
    page.get_by_label("2 — Much improved").check()
    page.get_by_label("Area").select_option("face")
    page.get_by_role("button", name="Save the score").click()
    expect(page.get_by_text("score saved")).to_be_visible()
    expect(page.locator("#scores + .table-scroll, #scores ~ .table-scroll").first).to_contain_text(
        "After session 3"
    )
    assert_accessible(page)
    score = Score.objects.get()
    assert (score.scale, score.value, score.area) == ("gais", "2", "face")


def test_the_patient_rates_the_session_in_the_portal_at_phone_width(
    page: Page, live_server: object, portal_patient: Patient, series: list[Appointment]
) -> None:
    page.set_viewport_size(PHONE)
    client = Client()
    client.force_login(portal_patient.portal_user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": str(live_server)}]
    )
    page.goto("/portal/lindenhof/")
    page.get_by_role("link", name="Rate your session").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your session of")
    assert_accessible(page)
    page.get_by_label("2 — Much improved").check()
    page.get_by_label("8", exact=True).check()
    screenshot(page, "outcomes-portal-rate-phone")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_text("Thank you")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_both_widths(page, "outcomes-portal-ratings")
    assert sorted(Score.objects.values_list("scale", "value")) == [
        ("gais", "2"),
        ("satisfaction", "8"),
    ]


def test_the_progress_chart_page(
    page: Page,
    live_server: object,
    pedro: User,
    clinic: Clinic,
    portal_patient: Patient,
    series: list[Appointment],
) -> None:
    services.record_score(
        clinic=clinic, appointment=series[0], by=pedro, scale="wsrs", value="4", side="left",
        time_point="baseline",
    )  # fmt: skip
    services.record_score(
        clinic=clinic, appointment=series[0], by=pedro, scale="wsrs", value="4", side="right",
        time_point="baseline",
    )  # fmt: skip
    user = portal_patient.portal_user
    assert user is not None
    for appointment, (gais, left, right) in zip(
        series, (("3", "3", "4"), ("2", "3", "3"), ("2", "2", "2")), strict=True
    ):
        services.record_score(
            clinic=clinic, appointment=appointment, by=pedro, scale="gais", value=gais
        )
        for side, value in (("left", left), ("right", right)):
            services.record_score(
                clinic=clinic, appointment=appointment, by=pedro, scale="wsrs", value=value,
                side=side,
            )  # fmt: skip
    for appointment, gais, satisfied in ((series[0], "3", "6"), (series[1], "2", "8")):
        services.rate_session(
            clinic=clinic, patient=portal_patient, appointment=appointment, by=user, gais=gais,
            satisfaction=satisfied,
        )  # fmt: skip
    sign_in(page, pedro, live_server)
    page.goto(f"/staff/lindenhof/patients/{portal_patient.pk}/")
    page.get_by_role("link", name="Outcome scores and progress across the series").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Progress of Pat Eligible")
    chart = page.get_by_role("img", name="Global Aesthetic Improvement Scale (GAIS)")
    expect(chart).to_be_visible()
    expect(page.locator("#loose-gais-table")).to_contain_text("Practitioner")
    check_both_widths(page, "outcomes-progress")
