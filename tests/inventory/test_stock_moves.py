"""Waste and adjustments: each says why, never takes stock below zero, and every lot's
moves add up to what is on hand."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.choices import LotStatus, MoveKind
from mesodesk.inventory.errors import LotRefused
from mesodesk.inventory.models import Lot, Product, StockMove
from mesodesk.inventory.services import (
    adjust,
    recall,
    receive_lot,
    return_to_stock,
    use_in_session,
    waste,
)

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)


def test_waste_takes_the_quantity_off_with_its_reason(
    clinic: Clinic, pedro: User, lot: Lot
) -> None:
    move = waste(clinic=clinic, lot=lot, quantity=Decimal("0.50"), by=pedro, reason="Vial dropped")
    lot.refresh_from_db()
    assert lot.quantity_on_hand == Decimal("9.50")
    assert (move.kind, move.quantity, move.reason, move.by) == (
        MoveKind.WASTED,
        Decimal("-0.50"),
        "Vial dropped",
        pedro,
    )


@pytest.mark.parametrize("change", [waste, adjust])
def test_waste_and_adjustments_need_a_reason(
    clinic: Clinic, pedro: User, lot: Lot, change: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        change(
            clinic=clinic,
            lot=lot,
            quantity=Decimal("-1" if change is adjust else "1"),
            by=pedro,
            reason=" ",
        )  # type: ignore[operator]
    assert refused.value.error_dict["reason"][0].code == "required"


def test_an_adjustment_goes_up_or_down_but_never_below_zero(
    clinic: Clinic, alice: User, lot: Lot
) -> None:
    adjust(clinic=clinic, lot=lot, quantity=Decimal("2.00"), by=alice, reason="Count found more")
    adjust(clinic=clinic, lot=lot, quantity=Decimal("-4.00"), by=alice, reason="Count found less")
    lot.refresh_from_db()
    assert lot.quantity_on_hand == Decimal("8.00")
    with pytest.raises(LotRefused) as refused:
        adjust(clinic=clinic, lot=lot, quantity=Decimal("-8.01"), by=alice, reason="Count")
    assert refused.value.code == "not_enough"
    with pytest.raises(ValidationError):
        adjust(clinic=clinic, lot=lot, quantity=Decimal("0"), by=alice, reason="Count")
    lot.refresh_from_db()
    assert lot.quantity_on_hand == Decimal("8.00")


def test_wasting_more_than_is_left_is_refused(clinic: Clinic, pedro: User, lot: Lot) -> None:
    with pytest.raises(LotRefused):
        waste(clinic=clinic, lot=lot, quantity=Decimal("10.01"), by=pedro, reason="Spoiled")


def test_adjusting_a_depleted_lot_up_makes_it_available_again(
    clinic: Clinic, alice: User, lot: Lot
) -> None:
    waste(clinic=clinic, lot=lot, quantity=Decimal("10.00"), by=alice, reason="Spoiled")
    lot.refresh_from_db()
    assert lot.status == LotStatus.DEPLETED
    adjust(clinic=clinic, lot=lot, quantity=Decimal("1.00"), by=alice, reason="One vial found")
    lot.refresh_from_db()
    assert (lot.status, lot.quantity_on_hand) == (LotStatus.AVAILABLE, Decimal("1.00"))


def test_every_move_adds_up_from_the_last_and_to_what_is_on_hand(
    clinic: Clinic, alice: User, pedro: User, lot: Lot
) -> None:
    use_in_session(clinic=clinic, lot=lot, quantity=Decimal("1.25"), by=pedro, at=NOON)
    waste(clinic=clinic, lot=lot, quantity=Decimal("0.75"), by=pedro, reason="Spilled")
    return_to_stock(clinic=clinic, lot=lot, quantity=Decimal("0.25"), by=pedro, reason="Unused")
    adjust(clinic=clinic, lot=lot, quantity=Decimal("0.50"), by=alice, reason="Count")
    recall(clinic=clinic, lot=lot, by=alice, reason="Sterility", reference="FSN-1")
    moves = list(StockMove.objects.filter(lot=lot).order_by("at", "id"))
    assert [m.kind for m in moves] == [
        MoveKind.RECEIVED,
        MoveKind.USED,
        MoveKind.WASTED,
        MoveKind.RETURNED,
        MoveKind.ADJUSTED,
        MoveKind.RECALLED,
    ]
    for before, after in itertools.pairwise(moves):
        assert after.quantity_before == before.quantity_after
    for move in moves:
        assert move.quantity_after == move.quantity_before + move.quantity
    lot.refresh_from_db()
    total = StockMove.objects.filter(lot=lot).aggregate(t=Sum("quantity"))["t"]
    assert total == lot.quantity_on_hand == Decimal("0.00")


def test_moves_in_tenths_add_up_on_every_database(
    clinic: Clinic, alice: User, pedro: User, cocktail: Product
) -> None:
    """0.3 - 0.1 is 0.19999999999999998 in floats, which SQLite uses for decimals; the
    check that each move adds up compares in hundredths, so the waste is accepted."""
    lot = receive_lot(
        clinic=clinic,
        product=cocktail,
        by=alice,
        number="RV2402",
        expiry=datetime(2027, 12, 31, tzinfo=UTC).date(),
        quantity=Decimal("0.30"),
    )
    move = waste(clinic=clinic, lot=lot, quantity=Decimal("0.10"), by=pedro, reason="Spilled")
    lot.refresh_from_db()
    assert (move.quantity_before, move.quantity_after) == (Decimal("0.30"), Decimal("0.20"))
    assert lot.quantity_on_hand == Decimal("0.20")
