"""Twenty practitioners charting the last vial at the same moment, each on a database
connection of their own: exactly as many as the vial holds succeed, the rest are refused,
and the lot ends at zero, never below."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.choices import LotStatus, MoveKind
from mesodesk.inventory.errors import LotRefused
from mesodesk.inventory.models import Lot, Product, StockMove
from mesodesk.inventory.services import create_product, receive_lot, use_in_session

PARALLEL = 20
NOON = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_uses_of_the_last_vial_never_take_stock_below_zero(
    clinic: Clinic, pedro: User
) -> None:
    # SQLite runs this too: its immediate write transactions take turns (the test
    # database is a file, so each thread really has a connection of its own).
    product: Product = create_product(
        clinic=clinic, by=pedro, name="Last vial", package_size=Decimal("5.00")
    )
    lot: Lot = receive_lot(
        clinic=clinic,
        product=product,
        by=pedro,
        number="LAST",
        expiry=date(2027, 6, 30),
        quantity=Decimal("5.00"),
    )
    start = threading.Barrier(PARALLEL)

    def chart(_: int) -> str:
        try:
            start.wait()
            use_in_session(clinic=clinic, lot=lot, quantity=Decimal("0.50"), by=pedro, at=NOON)
            return "used"
        except LotRefused as refused:
            return refused.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(chart, range(PARALLEL)))

    assert outcomes.count("used") == 10
    assert outcomes.count("not_enough") == 10
    lot.refresh_from_db()
    assert (lot.quantity_on_hand, lot.status) == (Decimal("0.00"), LotStatus.DEPLETED)
    used = StockMove.objects.filter(lot=lot, kind=MoveKind.USED).order_by("id")
    assert used.count() == 10
    assert min(m.quantity_after for m in used) == Decimal("0.00")
    # The moves chain: each starts where the one before ended.
    afters = [Decimal("5.00")] + [m.quantity_after for m in used]
    assert [m.quantity_before for m in used] == afters[:-1]
