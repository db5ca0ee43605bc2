"""A posted slot with a time or an id out of range is answered plainly, never a 500
(issue 14, finding 4)."""

from __future__ import annotations

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment
from tests.portal.conftest import url

pytestmark = pytest.mark.django_db

TWENTY_DIGITS = "9" * 20


@pytest.mark.parametrize(
    "slot",
    [
        "9999-12-31T23:00:00+00:00|{pedro}|{room}|",
        "0001-01-01T00:00:00+00:00|{pedro}|{room}|",
        "2030-01-07T09:00:00+01:00|" + TWENTY_DIGITS + "|{room}|",
        "2030-01-07T09:00:00+01:00|{pedro}|" + TWENTY_DIGITS + "|",
        "2030-01-07T09:00:00+01:00|{pedro}|{room}|" + TWENTY_DIGITS,
        "2030-01-07T09:00:00+01:00|-{pedro}|{room}|",
    ],
)
def test_a_posted_slot_out_of_range_is_answered_plainly(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room, slot: str
) -> None:
    posted = slot.format(pedro=pedro.pk, room=room.pk)
    response = paula_client.post(url("book", clinic), {"kind": "consultation", "slot": posted})
    assert response.status_code == 422
    assert "Choose one of the times offered." in response.text
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "0"])
def test_a_search_from_a_day_out_of_range_starts_today(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room, day: str
) -> None:
    response = paula_client.get(url("book", clinic), {"kind": "consultation", "from": day})
    assert response.status_code == 200
