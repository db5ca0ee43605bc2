"""Taking a lot's product for an administration: the gates, and stock that adds up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.choices import LotStatus, MoveKind
from mesodesk.inventory.errors import LotRefused
from mesodesk.inventory.models import Lot, Product, StockMove
from mesodesk.inventory.services import receive_lot, use_in_session

NOON = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)


def test_a_use_takes_the_quantity_and_records_it_before_and_after(
    clinic: Clinic, pedro: User, lot: Lot
) -> None:
    use = use_in_session(clinic=clinic, lot=lot, quantity=Decimal("1.50"), by=pedro, at=NOON)
    lot.refresh_from_db()
    assert lot.quantity_on_hand == Decimal("8.50")
    assert (use.move.kind, use.move.quantity_before, use.move.quantity_after) == (
        MoveKind.USED,
        Decimal("10.00"),
        Decimal("8.50"),
    )
    assert use.vial is not None
    assert use.vial.beyond_use_at == NOON + timedelta(hours=24)


def test_an_expired_lot_is_refused_with_the_lots_that_may_be_used(
    clinic: Clinic, alice: User, pedro: User, cocktail: Product, lot: Lot
) -> None:
    old = receive_lot(
        clinic=clinic,
        product=cocktail,
        by=alice,
        number="RV2201",
        expiry=date(2026, 12, 2),
        quantity=Decimal("5.00"),
    )
    with pytest.raises(LotRefused) as refused:
        use_in_session(clinic=clinic, lot=old, quantity=Decimal("1.00"), by=pedro, at=NOON)
    assert refused.value.code == "expired"
    assert refused.value.alternatives == [lot]
    assert StockMove.objects.filter(lot=old, kind=MoveKind.USED).count() == 0


@pytest.mark.parametrize("status", [LotStatus.RECALLED, LotStatus.QUARANTINED])
def test_a_recalled_or_quarantined_lot_is_refused(
    clinic: Clinic, pedro: User, lot: Lot, status: LotStatus
) -> None:
    Lot.objects.filter(pk=lot.pk).update(status=status)
    with pytest.raises(LotRefused) as refused:
        use_in_session(clinic=clinic, lot=lot, quantity=Decimal("1.00"), by=pedro, at=NOON)
    assert refused.value.code == status.value


def test_more_than_is_left_is_refused_and_the_last_of_it_depletes_the_lot(
    clinic: Clinic, pedro: User, lot: Lot
) -> None:
    with pytest.raises(LotRefused) as refused:
        use_in_session(clinic=clinic, lot=lot, quantity=Decimal("10.50"), by=pedro, at=NOON)
    assert refused.value.code == "not_enough"
    for _ in range(2):
        use_in_session(clinic=clinic, lot=lot, quantity=Decimal("5.00"), by=pedro, at=NOON)
    lot.refresh_from_db()
    assert (lot.quantity_on_hand, lot.status) == (Decimal("0.00"), LotStatus.DEPLETED)


def test_an_opened_vial_past_its_beyond_use_time_is_refused(
    clinic: Clinic, pedro: User, lot: Lot
) -> None:
    use_in_session(clinic=clinic, lot=lot, quantity=Decimal("1.00"), by=pedro, at=NOON)
    with pytest.raises(LotRefused) as refused:
        use_in_session(
            clinic=clinic,
            lot=lot,
            quantity=Decimal("1.00"),
            by=pedro,
            at=NOON + timedelta(hours=25),
        )
    assert refused.value.code == "beyond_use"
