"""The protocol library browser and clinic settings in a real browser: accessible and
finished at phone and desktop widths; an admin sets an override with a reason."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import (
    add_closure,
    add_device,
    add_room,
    add_working_hours,
    invite_member,
)
from mesodesk.protocols.models import ClinicOverride
from mesodesk.protocols.services import set_clinic_override
from tests.browser.conftest import assert_accessible, check_both_widths, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def furnished(clinic: Clinic, alice: User, pedro: User) -> Clinic:
    """Lindenhof with a room, a device, a closure, working hours, an override, an invite."""
    room = add_room(clinic=clinic, name="Garden room")
    add_device(clinic=clinic, name="Gun A", device_type="meso_gun", model_name="U225", room=room)
    add_closure(clinic=clinic, date=clinic.created_at.date().replace(year=2030), reason="Away")
    add_working_hours(clinic=clinic, practitioner=pedro, weekday=0, start=time(9), end=time(17))
    set_clinic_override(
        clinic=clinic, rule_code="avoid_sun", value="3w", reason="Sunny town.", by=alice
    )
    invite_member(
        clinic=clinic, email="nina@example.test", role=Role.PRACTITIONER, by=alice, link=str
    )
    return clinic


def test_an_admin_sets_an_override_with_a_reason(
    page: Page, live_server: object, alice: User, clinic: Clinic
) -> None:
    sign_in(page, alice, live_server)
    page.goto("/staff/lindenhof/library/")
    page.get_by_role("searchbox", name="Search").fill("aspirin")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="No over-the-counter aspirin or anti-inflammatories").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "No over-the-counter aspirin or anti-inflammatories"
    )
    page.get_by_label("Value for this clinic").fill("10")
    page.get_by_role("button", name="Save the override").click()
    # No reason: refused, and the error is tied to the field.
    reason = page.get_by_label("Reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    screenshot(page, "staff-library-rule-error-desktop")
    reason.fill("Our surgeon wants ten days.")
    page.get_by_role("button", name="Save the override").click()
    expect(page.get_by_text("is saved")).to_be_visible()
    expect(page.locator(".override-reason")).to_contain_text("Our surgeon wants ten days.")
    override = ClinicOverride.objects.get(clinic=clinic, rule_code="avoid_nsaids")
    assert (override.value, override.updated_by) == (10, alice)
    check_both_widths(page, "staff-library-rule")


def test_the_library_pages_are_accessible(
    page: Page, live_server: object, pedro: User, furnished: Clinic
) -> None:
    sign_in(page, pedro, live_server)
    page.goto("/staff/lindenhof/library/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Protocol library")
    check_both_widths(page, "staff-library")
    page.goto("/staff/lindenhof/library/avoid_sun/")
    expect(page.get_by_text("Sunny town.").first).to_be_visible()
    check_both_widths(page, "staff-library-override")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("", "staff-settings"),
        ("closures/", "staff-settings-closures"),
        ("rooms/", "staff-settings-rooms"),
        ("devices/", "staff-settings-devices"),
        ("working-hours/", "staff-settings-working-hours"),
        ("staff/", "staff-settings-staff"),
    ],
)
def test_the_settings_pages_are_accessible(
    path: str, name: str, page: Page, live_server: object, alice: User, furnished: Clinic
) -> None:
    sign_in(page, alice, live_server)
    page.goto(f"/staff/lindenhof/settings/{path}")
    expect(page.get_by_role("navigation", name="Settings")).to_be_visible()
    check_both_widths(page, name)


def test_the_invitation_page_is_accessible(
    page: Page, live_server: object, alice: User, clinic: Clinic
) -> None:
    tokens: list[str] = []

    def link(token: str) -> str:
        tokens.append(token)
        return token

    invite_member(
        clinic=clinic, email="nina@example.test", role=Role.FRONT_DESK, by=alice, link=link
    )
    page.goto(f"/staff/lindenhof/invitation/{tokens[0]}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Lindenhof Aesthetics")
    check_both_widths(page, "staff-invitation")
