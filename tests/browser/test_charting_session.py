"""Issue 10, browser test: a practitioner charts a two-area session with two products by
clicking on the face map, is refused an expired lot (scanned) and picks another in one
click, answers nothing out of range, and signs; at phone and desk widths, with axe."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from mesodesk.accounts.models import User
from mesodesk.charting.choices import RecordStatus
from mesodesk.charting.models import SessionRecord
from mesodesk.inventory.models import Lot, Product
from mesodesk.scheduling.models import Appointment
from tests.browser.conftest import assert_accessible, check_both_widths, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def click_in(zone: Locator, fx: float, fy: float) -> None:
    """A click at a fraction of the zone's box (rotated zones: near the middle)."""
    box = zone.bounding_box()
    assert box is not None
    zone.click(position={"x": box["width"] * fx, "y": box["height"] * fy})


def test_a_practitioner_charts_two_areas_on_the_face_map_and_signs(
    page: Page,
    live_server: object,
    pedro: User,
    appointment: Appointment,
    cocktail: Product,
    lot: Lot,
    expired_lot: Lot,
    biotin_lot: Lot,
    make_lot: Callable[..., Lot],
) -> None:
    Product.objects.filter(pk=cocktail.pk).update(gtin="05060000000016")
    # Six form posts and their pages: more time than the default on a busy machine.
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(30_000)
    sign_in(page, pedro, live_server)
    page.goto(f"/staff/lindenhof/appointments/{appointment.pk}/")
    page.get_by_role("button", name="Chart this session").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Session record of Pat Eligible")

    page.get_by_label("Cream").fill("Lidocaine/prilocaine 5% cream")
    page.get_by_label("On at").fill("09:00")
    page.get_by_label("Off at").fill("09:22")
    page.get_by_role("button", name="Save numbing").click()
    expect(page.get_by_text("Numbing saved.")).to_be_visible()

    # The face: the vial at hand is scanned; its lot has expired.
    entry = page.locator("svg.injection-map[data-interactive]")
    page.get_by_label("Area", exact=True).select_option("face")
    page.get_by_label("Or scan the package").fill(f"(01)05060000000016(10){expired_lot.number}")
    page.get_by_label("Volume (mL)").fill("1.50")
    page.get_by_label("Technique", exact=True).select_option("nappage")
    page.locator("#id_depth_mm").fill("2.5")
    page.get_by_label("Needle gauge (G)").fill("32")
    page.get_by_label("Needle length (mm)").fill("4")
    for zone, fx, fy in (
        ("forehead", 0.3, 0.5),
        ("forehead", 0.7, 0.5),
        ("cheek_l", 0.5, 0.5),
        ("cheek_r", 0.5, 0.5),
        ("perioral", 0.5, 0.4),
    ):
        click_in(entry.locator(f"[data-zone={zone}]"), fx, fy)
    expect(page.get_by_text("5 points placed on the map.")).to_be_visible()
    page.get_by_role("button", name="Chart what was given").click()

    expect(page.get_by_role("heading", name="This lot may not be used")).to_be_visible()
    expect(page.get_by_text(f"Lot {expired_lot.number} expired")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=f"Use lot {lot.number}").click()
    expect(page.get_by_text("1.50 mL charted in the face.")).to_be_visible()

    # The neck: a lot chosen from those in stock, point by point at 4 mm, 0.1 mL a point.
    page.get_by_label("Area", exact=True).select_option("neck")
    page.get_by_label("Product and lot").select_option(str(biotin_lot.pk))
    page.get_by_label("Volume (mL)").fill("0.40")
    page.get_by_label("Technique", exact=True).select_option("point_by_point")
    page.locator("#id_depth_mm").fill("4")
    page.get_by_label("Needle gauge (G)").fill("30")
    neck = page.locator("svg.injection-map[data-interactive] [data-zone=neck_front]")
    for fx in (0.25, 0.42, 0.58, 0.75):
        click_in(neck, fx, 0.5)
    page.get_by_role("button", name="Chart what was given").click()
    expect(page.get_by_text("0.40 mL charted in the neck.")).to_be_visible()

    page.get_by_label("Pain score").fill("3")
    page.get_by_label("Wheals (papules) at the points").check()
    page.get_by_role("button", name="Save pain, reactions and notes").click()
    expect(page.get_by_text("Pain, reactions and notes saved.")).to_be_visible()

    record = SessionRecord.objects.get(appointment=appointment)
    given = list(record.administrations.order_by("id"))
    assert [(a.area, a.lot_id, a.injection_points.count()) for a in given] == [
        ("face", lot.pk, 5),
        ("neck", biotin_lot.pk, 4),
    ]
    check_both_widths(page, "staff-session-record")

    page.get_by_role("button", name="Sign and lock the record").click()
    expect(page.get_by_text("The record is signed and locked.")).to_be_visible()
    record.refresh_from_db()
    assert record.status == RecordStatus.SIGNED
    expect(page.get_by_role("button", name="Chart what was given")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "staff-session-record-signed-desktop")
