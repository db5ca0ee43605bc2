"""Signals: a lot (product, technique, practitioner) with more adverse events per
administration than the rest of the clinic is flagged when Fisher's exact test says the
excess is significant and it rests on at least three events."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.core.signals import UnitCount, signal, signals
from mesodesk.inventory.models import Lot
from mesodesk.patients.models import Patient
from mesodesk.safety import selectors
from tests.safety.conftest import Charted, suspect_lot_events


def lot(events: int, administrations: int) -> UnitCount:
    return UnitCount("lot", "1", "Lot 1", events, administrations)


def test_an_excess_resting_on_three_events_or_more_is_flagged() -> None:
    # 4 events in 10 administrations against 1 in 190 elsewhere.
    found = signal(lot(4, 10), 5, 200)
    assert found.flagged and found.p_value < 0.001
    assert (found.rest_events, found.rest_administrations) == (1, 190)
    assert found.rate == pytest.approx(0.4)


def test_the_usual_rate_is_not_flagged() -> None:
    # 1 event in 40 administrations, as in the rest of the clinic (4 in 160).
    found = signal(lot(1, 40), 5, 200)
    assert not found.flagged and found.p_value > 0.5


def test_an_excess_of_two_events_is_not_flagged_however_small_p_is() -> None:
    found = signal(lot(2, 2), 2, 500)
    assert found.p_value < 0.05 and not found.flagged


def test_three_events_that_are_not_an_excess_are_not_flagged() -> None:
    found = signal(lot(3, 60), 10, 200)
    assert found.p_value >= 0.05 and not found.flagged


def test_a_unit_with_no_administrations_or_no_rest_is_never_flagged() -> None:
    assert not signal(lot(3, 0), 3, 10).flagged
    assert signal(lot(3, 10), 3, 10).p_value == 1.0


def test_flags_come_first() -> None:
    found = signals([lot(0, 20), UnitCount("lot", "2", "Lot 2", 4, 6)], {"lot": (4, 26)})
    assert [s.key for s in found] == ["2", "1"] and found[0].flagged


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_the_clinic_counts_flag_the_lot_with_an_excess_and_not_the_other(
    clinic: Clinic,
    patient: Patient,
    pedro: User,
    fiona: User,
    chart_session: Charted,
    big_lot: Lot,
    suspect_lot: Lot,
) -> None:
    suspect_lot_events(
        chart_session, pedro, big_lot, suspect_lot, events=4, with_suspect=4, without=5
    )
    member = Membership.objects.get(clinic=clinic, user=pedro)
    found = {(s.kind, s.key): s for s in selectors.clinic_signals(clinic, member=member)}
    suspected = found[("lot", str(suspect_lot.pk))]
    assert (suspected.events, suspected.administrations) == (4, 4)
    assert (suspected.rest_events, suspected.rest_administrations) == (0, 9)
    assert suspected.flagged and suspected.label == "Biotin vial, lot BT-SUS"
    assert not found[("lot", str(big_lot.pk))].flagged
    assert found[("product", str(suspect_lot.product_id))].flagged
    # Everything was given by Pedro with one technique: nothing to compare them with.
    assert not found[("practitioner", str(pedro.pk))].flagged
    assert not found[("technique", "nappage")].flagged
    with pytest.raises(PermissionDenied):
        selectors.clinic_signals(clinic, member=Membership.objects.get(user=fiona))


@pytestmark_db
def test_two_events_do_not_flag_a_lot(
    clinic: Clinic,
    patient: Patient,
    pedro: User,
    chart_session: Charted,
    big_lot: Lot,
    suspect_lot: Lot,
) -> None:
    suspect_lot_events(
        chart_session, pedro, big_lot, suspect_lot, events=2, with_suspect=2, without=6
    )
    member = Membership.objects.get(clinic=clinic, user=pedro)
    assert not any(s.flagged for s in selectors.clinic_signals(clinic, member=member))
