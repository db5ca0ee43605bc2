"""Calendar feeds, exports and integrations in a real browser: an admin makes a room's
calendar address, downloads a CSV and issues a token; a practitioner makes their own
calendar address from the Today page. Accessible and finished at both widths."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from ical.calendar_stream import IcsCalendarStream
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_device, add_room
from mesodesk.patients.services import register_patient
from tests.browser.conftest import check_both_widths, sign_in
from tests.charting.fixtures import session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def booked(clinic: Clinic, fiona: User, pedro: User) -> Room:
    """A room with one appointment of Anna Müller with Pedro, tomorrow."""
    room = add_room(clinic=clinic, name="Garden room")
    add_device(clinic=clinic, name="Gun A", device_type="meso_gun", model_name="U225")
    anna = register_patient(clinic=clinic, by=fiona, first_name="Anna", last_name="Müller")
    start = timezone.now() + timedelta(days=1)
    session(
        clinic,
        anna,
        pedro,
        room,
        start=start,
        end=start + timedelta(minutes=45),
        arrived_at=None,
        started_at=None,
    )
    return room


def _calendar_at(url: str) -> list[str]:
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    body = Client().get(path).content
    return [event.summary for event in IcsCalendarStream.calendar_from_ics(body.decode()).events]


def test_an_admin_walks_feeds_exports_and_integrations(
    page: Page, live_server: object, alice: User, pedro: User, clinic: Clinic, booked: Room
) -> None:
    page.set_default_timeout(30_000)  # two cores shared with the rest of the suite
    sign_in(page, alice, live_server)
    page.goto("/staff/lindenhof/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role(
        "link", name="Calendar feeds"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar feeds")
    check_both_widths(page, "exports-feeds")
    page.get_by_role("button", name="Make an address for Garden room").click()
    address = page.get_by_label("Calendar address").input_value()
    assert _calendar_at(address) == ["A.M. — treatment session"]
    check_both_widths(page, "exports-feeds-made")

    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports")
    check_both_widths(page, "exports-csv")
    appointments = page.get_by_role("region", name="Appointments")
    appointments.get_by_label("From (appointment date)").fill("2020-01-01")
    appointments.get_by_label("To").fill("2099-12-31")
    with page.expect_download() as download:
        appointments.get_by_role("button", name="Download CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["patient_name"] == "Anna Müller" and row["room"] == "Garden room"

    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integrations")
    check_both_widths(page, "exports-integrations")
    page.get_by_label("Acts as").select_option(label="Pedro (pedro@lindenhof.test) · Practitioner")
    page.get_by_label("What it is for").fill("Booking site")
    page.get_by_role("button", name="Issue token").click()
    token = page.get_by_label("Token", exact=True).input_value()
    assert token.startswith("mdk_")
    assert page.get_by_label("FHIR R4 base address").input_value().endswith("/fhir/r4/")
    check_both_widths(page, "exports-integrations-issued")
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_text("no longer works")).to_be_visible()


def test_a_practitioner_makes_their_calendar_address(
    page: Page, live_server: object, pedro: User, clinic: Clinic, booked: Room
) -> None:
    page.set_default_timeout(30_000)
    sign_in(page, pedro, live_server)
    page.goto("/staff/lindenhof/")
    page.get_by_role("link", name="My calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My calendar")
    check_both_widths(page, "exports-my-calendar")
    page.get_by_role("button", name="Make my calendar address").click()
    address = page.get_by_label("Your private calendar address").input_value()
    assert _calendar_at(address) == ["A.M. — treatment session"]
    check_both_widths(page, "exports-my-calendar-made")
    page.get_by_role("button", name="Stop my address").click()
    expect(page.get_by_text("no longer works")).to_be_visible()
