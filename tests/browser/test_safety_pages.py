"""Adverse events in a real browser, at phone and desktop widths with axe-core: a nurse
(practitioner role) triages a patient's red-flag report into a graded event and the urgent
banner clears; the safety page flags a lot and offers its quarantine and recall."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_today
from mesodesk.inventory.models import Lot
from mesodesk.patients.models import Patient
from mesodesk.safety.models import AdverseEvent
from mesodesk.safety.services import record_adverse_event
from tests.browser.conftest import check_both_widths, sign_in
from tests.safety.conftest import (
    Charted,
    big_lot,
    chart_session,
    red_flag_report,
    suspect_lot,
    suspect_lot_events,
)

__all__ = ["big_lot", "chart_session", "suspect_lot"]
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_nurse_triages_a_red_flag_report_into_a_graded_event(
    page: Page,
    live_server: object,
    clinic: Clinic,
    patient: Patient,
    pedro: User,
    chart_session: Charted,
    lot: Lot,
) -> None:
    chart_session(lot)
    red_flag_report(clinic, patient, pedro, details="A hard lump where I was treated.")
    sign_in(page, pedro, live_server)
    page.goto("/staff/lindenhof/")
    banner = page.get_by_role("region", name="Urgent side effects reported this week")
    banner.get_by_role("link").first.click()
    page.get_by_role("link", name="Triage it into an adverse event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Triage the report into an adverse event"
    )
    page.get_by_label("Event", exact=True).select_option(
        label="Nodules or lumps in the treated area"
    )
    page.get_by_label("What you see").fill("Two firm nodules, 5 mm, not fluctuant.")
    page.get_by_label("Grade 2: Moderate").check()
    page.get_by_label("Revita HA cocktail, lot RV2401", exact=False).check()
    page.get_by_label("Actions taken").fill("Warm compresses; review in a week.")
    check_both_widths(page, "staff-adverse-event-triage")
    page.get_by_role("button", name="Record the adverse event").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nodules or lumps in the treated area"
    )
    expect(
        page.get_by_text("Adverse event recorded. The patient's report is closed.")
    ).to_be_visible()
    event = AdverseEvent.objects.get()
    assert event.grade == 2 and event.suspects.get().lot == lot
    check_both_widths(page, "staff-adverse-event")
    page.get_by_role("link", name="Pat Eligible").first.click()
    section = page.get_by_role("region", name="Adverse events")
    expect(section.get_by_role("link", name="Nodules or lumps in the treated area")).to_be_visible()
    expect(page.get_by_role("link", name="see the event")).to_be_visible()
    check_both_widths(page, "staff-chart-adverse-events")
    page.goto("/staff/lindenhof/")
    expect(page.get_by_role("region", name="Urgent side effects reported this week")).to_have_count(
        0
    )


def test_the_safety_page_flags_a_lot_and_leads_to_its_quarantine(
    page: Page,
    live_server: object,
    clinic: Clinic,
    patient: Patient,
    pedro: User,
    chart_session: Charted,
    big_lot: Lot,
    suspect_lot: Lot,
) -> None:
    records = suspect_lot_events(
        chart_session, pedro, big_lot, suspect_lot, events=3, with_suspect=3, without=6
    )
    # One event after the usual lot too: the rest of the clinic is not spotless.
    record_adverse_event(
        clinic=clinic,
        patient=patient,
        by=pedro,
        event="bruising",
        onset=clinic_today(clinic),
        grade=1,
        session_record=records[-1],
        administrations=list(records[-1].administrations.all()),
    )
    sign_in(page, pedro, live_server)
    page.goto("/staff/lindenhof/")
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Safety").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety")
    expect(page.get_by_text("Biotin vial, lot BT-SUS").first).to_be_visible()
    check_both_widths(page, "staff-safety")
    page.get_by_role("link", name="Quarantine lot BT-SUS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Biotin vial, lot BT-SUS")


def test_an_admin_closes_a_report_with_a_note(
    page: Page,
    live_server: object,
    clinic: Clinic,
    patient: Patient,
    alice: User,
    pedro: User,
    chart_session: Charted,
    lot: Lot,
) -> None:
    chart_session(lot)
    red_flag_report(clinic, patient, pedro, red_flags=[], how_bad="severe")
    sign_in(page, alice, live_server)
    page.goto("/staff/lindenhof/safety/")
    page.get_by_role("link", name="Close with a note").click()
    page.get_by_label("Expected reaction, patient reassured").check()
    page.get_by_label("What you found and what the patient was told").fill(
        "Called her: usual swelling, settling; told to call if it spreads."
    )
    check_both_widths(page, "staff-side-effect-report")
    page.get_by_role("button", name="Close the report").click()
    expect(page.get_by_text("Report closed.")).to_be_visible()
    expect(page.get_by_text("Expected reaction, patient reassured on")).to_be_visible()
