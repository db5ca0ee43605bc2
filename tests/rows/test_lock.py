"""rows.lock holds a row as select_for_update does: on PostgreSQL a second transaction
that asks for the same row waits until the first ends (here: gives up at once, NOWAIT)."""

from __future__ import annotations

import pytest
from django.db import connection, connections, transaction
from django.db.utils import OperationalError

from mesodesk import rows
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import create_clinic

pytestmark = pytest.mark.django_db(transaction=True)


def test_lock_says_whether_the_row_is_there() -> None:
    clinic = create_clinic(slug="lockme", name="Lock", time_zone="Europe/Berlin")
    with transaction.atomic():
        assert rows.lock(Clinic, clinic.pk) is True
        assert rows.lock(Clinic, clinic.pk + 1000) is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_a_locked_row_is_held_until_the_transaction_ends() -> None:
    clinic = create_clinic(slug="lockme", name="Lock", time_zone="Europe/Berlin")
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            rows.lock(Clinic, clinic.pk)
            with other.cursor() as cursor, pytest.raises(OperationalError):
                cursor.execute(
                    "SELECT id FROM clinics_clinic WHERE id = %s FOR UPDATE NOWAIT", [clinic.pk]
                )
        with other.cursor() as cursor:  # released at commit
            cursor.execute(
                "SELECT id FROM clinics_clinic WHERE id = %s FOR UPDATE NOWAIT", [clinic.pk]
            )
    finally:
        other.close()
