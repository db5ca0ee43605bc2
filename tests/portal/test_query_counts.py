"""The SQL statements of the portal's booking page, pinned (DESIGN 12 and
benchmarks/http.py): the page a patient waits on while choosing a time."""

from __future__ import annotations

from django.test import Client

from mesodesk.clinics.models import Clinic, Room
from mesodesk.patients.models import Patient
from tests.portal.conftest import url
from tests.query_counts import assert_statements, statements

# The session and the user, the clinic and the patient, then the page's own reads.
# The consent gate reads the active plan and the signed consents (two); the screening
# is read once for the verdict and the page.
PORTAL_BOOKING = 18


def test_the_booking_page(
    clinic: Clinic, screened: Patient, paula_client: Client, room: Room, pedro: object
) -> None:
    paula_client.get(url("book", clinic))  # the session's clocks started
    with statements() as found:
        page = paula_client.get(url("book", clinic), {"kind": "session"})
    assert page.status_code == 200
    assert "Book the time chosen" in page.text or "no free times" in page.text
    assert_statements(found, PORTAL_BOOKING)
