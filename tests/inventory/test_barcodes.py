"""A scanned GS1 DataMatrix (as a scanner types it, with FNC1/GS separators, or as the
printed "(01)…(17)…(10)…" line) names the clinic's product, the lot and its expiry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.models import Product
from mesodesk.inventory.selectors import from_barcode
from mesodesk.inventory.services import create_product, receive_lot

pytestmark = pytest.mark.django_db
GS = "\x1d"
GTIN = "09501101530003"  # GS1's own example GTIN


@pytest.fixture
def vial(clinic: Clinic, alice: User) -> Product:
    return create_product(clinic=clinic, by=alice, name="Revita vial", gtin=GTIN)


@pytest.mark.parametrize(
    "text",
    [
        f"01{GTIN}17281231" + f"10AB-123{GS}21SN998",  # lot ends at a GS, then a serial
        f"]d201{GTIN}10AB-123{GS}17281231",  # symbology prefix; lot before expiry
        f"{GS}01{GTIN}1728123110AB-123",  # a leading FNC1, lot last
        f"(01){GTIN}(17)281231(10)AB-123",  # the printed line
        f"  (01){GTIN}(17)281231(10)AB-123\n",
    ],
)
def test_scanned_and_printed_forms_give_the_product_lot_and_expiry(
    clinic: Clinic, vial: Product, text: str
) -> None:
    scanned = from_barcode(clinic, text)
    assert (scanned.product, scanned.number, scanned.expiry, scanned.lot) == (
        vial,
        "AB-123",
        date(2028, 12, 31),
        None,
    )


def test_a_lot_in_stock_is_found_and_day_00_is_the_end_of_the_month(
    clinic: Clinic, alice: User, vial: Product
) -> None:
    lot = receive_lot(
        clinic=clinic,
        product=vial,
        by=alice,
        number="AB-123",
        expiry=date(2027, 2, 28),
        quantity=Decimal("5"),
    )
    scanned = from_barcode(clinic, f"01{GTIN}17270200" + "10AB-123")
    assert (scanned.lot, scanned.expiry) == (lot, date(2027, 2, 28))


def test_a_gtin_the_clinic_has_no_product_for_comes_back_without_one(
    clinic: Clinic, other_clinic: Clinic, alice: User, vial: Product
) -> None:
    scanned = from_barcode(other_clinic, f"(01){GTIN}(17)281231(10)AB-123")
    assert (scanned.product, scanned.gtin, scanned.number) == (None, GTIN, "AB-123")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Scan or paste the barcode first."),
        ("hello", "This is not a GS1 barcode"),
        ("(17)281231(10)AB-123", "no product number (GTIN, AI 01)"),
        ("(01)09501101530004(17)281231(10)AB", "not a valid GTIN (its check digit is wrong)"),
        (f"(01){GTIN}(17)281331(10)AB", "The printed barcode text cannot be read"),
    ],
)
def test_unreadable_strings_are_refused_with_a_plain_reason(
    clinic: Clinic, text: str, says: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        from_barcode(clinic, text)
    error = refused.value.error_dict["barcode"][0]
    assert error.code == "unreadable"
    assert says in error.message
