"""What the stock pages read: levels, lots expiring soon, products below reorder level,
lots by number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.inventory import selectors
from mesodesk.inventory.models import Lot, Product
from mesodesk.inventory.services import create_product, quarantine, recall, receive_lot

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 3)


def _receive(
    clinic: Clinic, by: User, product: Product, number: str, expiry: date, qty: str
) -> Lot:
    return receive_lot(
        clinic=clinic, product=product, by=by, number=number, expiry=expiry, quantity=Decimal(qty)
    )


def test_levels_count_only_what_may_be_charted_and_show_what_is_held(
    clinic: Clinic, alice: User, cocktail: Product, lot: Lot
) -> None:
    _receive(clinic, alice, cocktail, "OLD", date(2026, 12, 1), "4")
    held = _receive(clinic, alice, cocktail, "HELD", date(2027, 5, 1), "3")
    gone = _receive(clinic, alice, cocktail, "GONE", date(2027, 5, 1), "2")
    quarantine(clinic=clinic, lot=held, by=alice, reason="Fridge alarm")
    recall(clinic=clinic, lot=gone, by=alice, reason="Manufacturer recall")
    empty = create_product(clinic=clinic, by=alice, name="Empty product")
    levels = {p.name: p for p in selectors.stock_levels(clinic, on=TODAY)}
    assert (levels[cocktail.name].on_hand, levels[cocktail.name].usable_lots) == (
        Decimal("10.00"),
        1,
    )
    assert levels[cocktail.name].held == Decimal("3.00")
    assert (levels[empty.name].on_hand, levels[empty.name].usable_lots) == (Decimal(0), 0)


def test_below_reorder_compares_usable_stock_with_the_level(
    clinic: Clinic, alice: User, cocktail: Product, lot: Lot
) -> None:
    low = create_product(clinic=clinic, by=alice, name="Low", reorder_level=Decimal("5"))
    create_product(clinic=clinic, by=alice, name="No level")
    Product.objects.filter(pk=cocktail.pk).update(reorder_level=Decimal("10"))
    assert [p.name for p in selectors.below_reorder(clinic, on=TODAY)] == ["Low"]
    _receive(clinic, alice, low, "L1", date(2027, 1, 1), "5")
    assert selectors.below_reorder(clinic, on=TODAY) == []


def test_expiring_lists_lots_with_stock_within_thirty_days_and_those_already_past(
    clinic: Clinic, alice: User, cocktail: Product, lot: Lot
) -> None:
    past = _receive(clinic, alice, cocktail, "PAST", date(2026, 11, 30), "1")
    soon = _receive(clinic, alice, cocktail, "SOON", date(2027, 1, 2), "1")
    _receive(clinic, alice, cocktail, "LATER", date(2027, 1, 3), "1")
    assert list(selectors.expiring_lots(clinic, on=TODAY)) == [past, soon]


def test_lots_by_number_finds_every_product_with_it_and_only_in_the_clinic(
    clinic: Clinic, other_clinic: Clinic, alice: User, cocktail: Product, lot: Lot
) -> None:
    other = create_product(clinic=clinic, by=alice, name="Other")
    same = _receive(clinic, alice, other, lot.number, date(2027, 1, 1), "1")
    assert list(selectors.lots_by_number(clinic, f" {lot.number} ")) == [same, lot]
    assert list(selectors.lots_by_number(other_clinic, lot.number)) == []
