"""The demo's schedule additions (issue 13): the clinic's address for patients, which the
notices and calendar files carry. Idempotent: an address already set is kept."""

from __future__ import annotations

from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import update_clinic_settings

DEMO_ADDRESS = "Lindenstraße 4\n10969 Berlin"


def seed_schedule(*, clinic: Clinic) -> None:
    """Gives the demo clinic its address for patients, once."""
    if not clinic.address:
        update_clinic_settings(clinic=clinic, address=DEMO_ADDRESS)
