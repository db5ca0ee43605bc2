"""Stock and recall in a real browser, at phone and desktop widths with axe-core: an admin
receives a lot by pasting its barcode, then recalls a lot and sees the patient who
received it, and asks them to contact the clinic."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.models import Lot, Product
from mesodesk.inventory.services import create_product, receive_lot
from mesodesk.messaging.choices import ReminderKind
from mesodesk.messaging.models import Reminder
from mesodesk.patients.models import Patient
from tests.browser.conftest import check_both_widths, sign_in
from tests.inventory.conftest import cocktail, lot, maria

__all__ = ["cocktail", "lot", "maria"]
pytestmark = pytest.mark.django_db(transaction=True)
GTIN = "09501101530003"


@pytest.fixture
def stocked(clinic: Clinic, alice: User, maria: Patient) -> Patient:
    """A vial product with a GTIN, a reorder level and a lot; Maria, who had 0.80 mL of lot
    RV2401 on her neck."""
    vial = create_product(
        clinic=clinic,
        by=alice,
        name="Revita vial 2 mL",
        manufacturer="Mesolab",
        gtin=GTIN,
        package_size=Decimal("2"),
        reorder_level=Decimal("10"),
        refrigerated=True,
    )
    receive_lot(
        clinic=clinic,
        product=vial,
        by=alice,
        number="VX-9",
        expiry=datetime.now(UTC).date().replace(day=1).replace(year=datetime.now(UTC).year + 1),
        quantity=Decimal("4"),
    )
    return maria


def test_an_admin_receives_a_lot_from_its_barcode_then_recalls_a_lot_and_reaches_the_patient(
    page: Page,
    live_server: object,
    alice: User,
    cocktail: Product,
    lot: Lot,
    stocked: Patient,
) -> None:
    sign_in(page, alice, live_server)
    page.goto("/staff/lindenhof/")
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Stock").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stock")
    expect(page.get_by_text("below the reorder level of 10.00")).to_be_visible()
    check_both_widths(page, "staff-stock")

    page.get_by_role("link", name="Receive a lot").first.click()
    page.get_by_label("Scan or paste the barcode").fill(f"(01){GTIN}(17)291130(10)NEW-42")
    page.get_by_role("button", name="Fill in the form").click()
    expect(page.get_by_label("Lot number")).to_have_value("NEW-42")
    expect(page.get_by_label("Expiry")).to_have_value("2029-11-30")
    expect(page.get_by_label("Product")).to_have_value(str(Product.objects.get(gtin=GTIN).pk))
    page.get_by_label("Quantity received (mL)").fill("20")
    page.get_by_label("Supplier").fill("Mesolab GmbH")
    check_both_widths(page, "staff-stock-receive")
    page.get_by_role("button", name="Receive the lot").click()
    expect(page.get_by_text("Lot NEW-42 of Revita vial 2 mL received.")).to_be_visible()
    assert Lot.objects.get(number="NEW-42").quantity_on_hand == Decimal("20.00")

    page.goto(f"/staff/lindenhof/stock/lots/{lot.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Revita HA cocktail, lot RV2401")
    check_both_widths(page, "staff-stock-lot")
    page.locator("#status summary", has_text="Recall").click()
    page.get_by_label("Why it is recalled").fill("Endotoxin above the release limit")
    page.get_by_label("Recall notice reference").fill("FSN-2026-117")
    page.get_by_role("button", name="Recall the lot").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Recall of Revita HA cocktail")
    row = page.get_by_role("row").filter(has_text="Keller, Maria")
    expect(row).to_contain_text("9 Nov 2026, 10:00")
    expect(row).to_contain_text("Neck")
    expect(row).to_contain_text("0.80 mL")
    expect(row).to_contain_text("Pedro")
    page.get_by_role("button", name="Ask every patient to contact the clinic").click()
    expect(page.get_by_text("Messages queued for 1 patient.")).to_be_visible()
    expect(row).to_contain_text("E-mail: Pending")
    check_both_widths(page, "staff-recall")
    assert (
        Reminder.objects.filter(kind=ReminderKind.TREATMENT_CONTACT, patient=stocked).count() == 1
    )


def test_the_product_pages_are_accessible(
    page: Page, live_server: object, pedro: User, cocktail: Product, lot: Lot, stocked: Patient
) -> None:
    sign_in(page, pedro, live_server)
    page.goto("/staff/lindenhof/stock/products/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Products")
    check_both_widths(page, "staff-stock-products")
    page.get_by_role("link", name="Revita HA cocktail").click()
    page.get_by_text("Edit the product").click()
    check_both_widths(page, "staff-stock-product")
    page.goto("/staff/lindenhof/stock/products/new/")
    check_both_widths(page, "staff-stock-product-new")
