"""Quarantine, release, recall and expiry: who did it and why is in the lot's history,
and charting refuses the lot meanwhile."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.choices import LotStatus, MoveKind
from mesodesk.inventory.errors import LotRefused
from mesodesk.inventory.models import Lot, Product
from mesodesk.inventory.services import (
    mark_expired,
    quarantine,
    recall,
    receive_lot,
    release,
    use_in_session,
    waste,
)

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)


def _last_history(lot: Lot):  # type: ignore[no-untyped-def]
    return lot.history.order_by("-history_id").first()


def test_a_quarantine_is_in_the_history_with_who_and_why_and_blocks_charting(
    clinic: Clinic, alice: User, pedro: User, lot: Lot
) -> None:
    quarantine(clinic=clinic, lot=lot, by=alice, reason="Fridge at 12 °C overnight")
    entry = _last_history(lot)
    assert (entry.status, entry.history_user) == (LotStatus.QUARANTINED, alice)
    assert entry.history_change_reason == "Quarantined: Fridge at 12 °C overnight"
    with pytest.raises(LotRefused) as refused:
        use_in_session(clinic=clinic, lot=lot, quantity=Decimal("1"), by=pedro, at=NOON)
    assert refused.value.code == "quarantined"


def test_release_makes_a_quarantined_lot_usable_again(
    clinic: Clinic, alice: User, pedro: User, lot: Lot
) -> None:
    quarantine(clinic=clinic, lot=lot, by=alice, reason="Fridge alarm")
    release(clinic=clinic, lot=lot, by=alice, reason="Logger shows 2-8 °C throughout")
    lot.refresh_from_db()
    assert lot.status == LotStatus.AVAILABLE
    assert _last_history(lot).history_change_reason.startswith("Released: Logger")
    use_in_session(clinic=clinic, lot=lot, quantity=Decimal("1"), by=pedro, at=NOON)


def test_only_a_quarantined_lot_can_be_released_and_a_quarantine_needs_a_reason(
    clinic: Clinic, alice: User, lot: Lot
) -> None:
    with pytest.raises(ValidationError) as refused:
        release(clinic=clinic, lot=lot, by=alice)
    assert refused.value.error_dict["lot"][0].code == "not_quarantined"
    with pytest.raises(ValidationError) as refused:
        quarantine(clinic=clinic, lot=lot, by=alice, reason="")
    assert refused.value.error_dict["reason"][0].code == "required"


def test_a_recall_takes_what_is_left_off_the_shelf_and_is_final(
    clinic: Clinic, alice: User, pedro: User, lot: Lot
) -> None:
    waste(clinic=clinic, lot=lot, quantity=Decimal("3.00"), by=pedro, reason="Spilled")
    recall(clinic=clinic, lot=lot, by=alice, reason="Endotoxin above limit", reference="FSN-77")
    lot.refresh_from_db()
    assert (lot.status, lot.quantity_on_hand, lot.recall_reference, lot.status_reason) == (
        LotStatus.RECALLED,
        Decimal("0.00"),
        "FSN-77",
        "Endotoxin above limit",
    )
    move = lot.moves.get(kind=MoveKind.RECALLED)
    assert (move.quantity, move.quantity_before, move.by) == (
        Decimal("-7.00"),
        Decimal("7.00"),
        alice,
    )
    entry = lot.history.filter(status=LotStatus.RECALLED).order_by("history_id").first()
    assert entry.history_user == alice
    assert entry.history_change_reason == "Recalled (FSN-77): Endotoxin above limit"
    for change in (
        lambda: recall(clinic=clinic, lot=lot, by=alice, reason="Again"),
        lambda: quarantine(clinic=clinic, lot=lot, by=alice, reason="Hold"),
        lambda: release(clinic=clinic, lot=lot, by=alice),
    ):
        with pytest.raises(ValidationError):
            change()
    with pytest.raises(LotRefused) as refused:
        use_in_session(clinic=clinic, lot=lot, quantity=Decimal("1"), by=pedro, at=NOON)
    assert refused.value.code == "recalled"


def test_a_quarantined_lot_can_be_recalled(clinic: Clinic, alice: User, lot: Lot) -> None:
    quarantine(clinic=clinic, lot=lot, by=alice, reason="Supplier warning")
    recall(clinic=clinic, lot=lot, by=alice, reason="Confirmed by the supplier")
    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED


def test_the_expiry_sweep_marks_only_lots_past_their_day_in_the_clinics_zone(
    clinic: Clinic, alice: User, cocktail: Product, lot: Lot
) -> None:
    old = receive_lot(
        clinic=clinic,
        product=cocktail,
        by=alice,
        number="OLD1",
        expiry=date(2026, 12, 2),
        quantity=Decimal("1.00"),
    )
    today = receive_lot(
        clinic=clinic,
        product=cocktail,
        by=alice,
        number="TODAY1",
        expiry=date(2026, 12, 3),
        quantity=Decimal("1.00"),
    )
    # 23:30 UTC on 2 December is already 3 December in Berlin: OLD1 expired, TODAY1 not.
    assert mark_expired(clinic=clinic, at=datetime(2026, 12, 2, 23, 30, tzinfo=UTC)) == 1
    for row in (old, today, lot):
        row.refresh_from_db()
    assert (old.status, today.status, lot.status) == (
        LotStatus.EXPIRED,
        LotStatus.AVAILABLE,
        LotStatus.AVAILABLE,
    )
    assert _last_history(old).history_change_reason == "Expired on 2026-12-02"
    assert mark_expired(clinic=clinic, at=datetime(2026, 12, 2, 23, 30, tzinfo=UTC)) == 0


def test_the_expire_lots_command_sweeps_every_clinic(
    clinic: Clinic, alice: User, cocktail: Product
) -> None:
    from io import StringIO

    from django.core.management import call_command

    old = receive_lot(
        clinic=clinic,
        product=cocktail,
        by=alice,
        number="OLD2",
        expiry=date(2020, 1, 31),
        quantity=Decimal("1.00"),
    )
    out = StringIO()
    call_command("expire_lots", stdout=out)
    old.refresh_from_db()
    assert (old.status, out.getvalue().strip()) == (LotStatus.EXPIRED, "1 lot marked expired")
