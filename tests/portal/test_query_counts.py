"""The SQL statements of the portal's booking page, pinned (DESIGN 12 and
benchmarks/http.py): the page a patient waits on while choosing a time."""

from __future__ import annotations

from django.test import Client

from mesodesk.clinics.models import Clinic, Room
from mesodesk.patients.models import Patient
from tests.portal.conftest import url
from tests.query_counts import assert_statements, statements

# The session and the user, the clinic with the patient (one), then the page's own reads.
# The active plan is read once, for the consent gate (with the signed consents), the
# device a session needs and its washouts; the screening once for the verdict and the
# page; the clinic's practitioners (with their names), rooms, devices and hours in one
# statement; then a week's closures and bookings (one), the washout's intake and
# overrides, and the patient's appointments.
PORTAL_BOOKING = 11


def test_the_booking_page(
    clinic: Clinic, screened: Patient, paula_client: Client, room: Room, pedro: object
) -> None:
    paula_client.get(url("book", clinic))  # the session's clocks started
    with statements() as found:
        page = paula_client.get(url("book", clinic), {"kind": "session"})
    assert page.status_code == 200
    assert "Book the time chosen" in page.text or "no free times" in page.text
    assert_statements(found, PORTAL_BOOKING)
