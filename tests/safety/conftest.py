"""Charted sessions with lots, for the adverse-event and signal tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.charting import services as charting
from mesodesk.charting.models import Administration, SessionRecord
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.selectors import clinic_today
from mesodesk.inventory.models import Lot, Product
from mesodesk.patients.models import Patient
from tests.charting.fixtures import nappage, session

Charted = Callable[..., tuple[SessionRecord, list[Administration]]]


@pytest.fixture
def chart_session(clinic: Clinic, patient: Patient, pedro: User, room: Room) -> Charted:
    """A session `days_ago` days back, charted with 2 mL of each lot given, signed."""

    def make(*lots: Lot, days_ago: int = 1, sign: bool = True, **changes: Any) -> Any:
        start = timezone.now() - timedelta(days=days_ago, minutes=15)
        appointment = session(
            clinic,
            patient,
            pedro,
            room,
            start=start,
            end=start + timedelta(minutes=30),
            arrived_at=start,
            started_at=start,
        )
        record = charting.open_record(clinic=clinic, appointment=appointment, by=pedro)
        given = [nappage(clinic, record, pedro, lot, **changes) for lot in lots]
        if sign:
            charting.sign_record(clinic=clinic, record=record, by=pedro)
        return record, given

    return make


@pytest.fixture
def big_lot(cocktail: Product, make_lot: Callable[..., Lot]) -> Lot:
    return make_lot(cocktail, "RV-BIG", quantity="200.00")


@pytest.fixture
def suspect_lot(biotin: Product, make_lot: Callable[..., Lot]) -> Lot:
    return make_lot(biotin, "BT-SUS", quantity="200.00")


def red_flag_report(clinic: Clinic, patient: Patient, by: User, **changes: Any) -> Any:
    """The patient reports a lump weeks after a session (a warning sign), today."""
    from mesodesk.safety.services import report_side_effect

    arguments: dict[str, Any] = {
        "clinic": clinic,
        "patient": patient,
        "by": by,
        "symptoms": ["swelling"],
        "other": "",
        "area": "Left cheek",
        "since": clinic_today(clinic),
        "how_bad": "moderate",
        "red_flags": ["late_nodules"],
    }
    return report_side_effect(**(arguments | changes))


def suspect_lot_events(
    chart_session: Charted,
    by: User,
    usual: Lot,
    suspect: Lot,
    *,
    events: int,
    with_suspect: int,
    without: int,
) -> list[SessionRecord]:
    """`with_suspect` sessions giving both lots and `without` giving the usual one only;
    nodules after the first `events` sessions, suspecting the suspect lot's administration."""
    from mesodesk.safety.services import record_adverse_event

    sessions = [chart_session(usual, suspect, days_ago=i + 1) for i in range(with_suspect)]
    sessions += [chart_session(usual, days_ago=i + 40) for i in range(without)]
    for record, given in sessions[:events]:
        record_adverse_event(
            clinic=record.clinic,
            patient=record.patient,
            by=by,
            event="nodules",
            onset=clinic_today(record.clinic),
            grade=2,
            session_record=record,
            administrations=[g for g in given if g.lot_id == suspect.pk],
        )
    return [record for record, _ in sessions]
