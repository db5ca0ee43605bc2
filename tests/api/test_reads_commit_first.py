"""A read of patient data by token is answered only once its access event is committed:
the statement that checks the token, reads the row and writes the event is answered by
PostgreSQL after its commit, and a commit that fails is a 500 without the row. Real
commits (transactional tests), on PostgreSQL, where the read is one statement."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic, Room
from tests.api.conftest import API
from tests.api.test_token_checked_by_read import book
from tests.config.test_postgresql_health_check import server

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a read by token's commit"),
]


def seen_elsewhere(object_id: str) -> int:
    """How many access events of this object id another connection sees: committed ones."""
    with server() as other:
        row = other.execute(
            f"SELECT count(*) FROM {rows.table(AccessEvent)} WHERE object_id = %s",  # noqa: S608 - test SQL
            [object_id],
        ).fetchone()
    assert row is not None
    return int(row[0])


@contextmanager
def refused_at_commit(object_type: str) -> Iterator[None]:
    """A deferred constraint trigger refusing each access event of `object_type` at its
    commit: the read's statement runs and has its rows, its commit fails."""
    table = rows.table(AccessEvent)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION mesodesk_test_refuse() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'refused at commit' USING ERRCODE = '23514'; END $$"
        )
        cursor.execute(
            f"CREATE CONSTRAINT TRIGGER mesodesk_test_refuse AFTER INSERT ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
            f" WHEN (NEW.object_type = '{object_type}') EXECUTE FUNCTION mesodesk_test_refuse()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER mesodesk_test_refuse ON {table}")
            cursor.execute("DROP FUNCTION mesodesk_test_refuse()")


def read(token: str, appointment_id: int) -> tuple[int, bytes]:
    response = Client(raise_request_exception=False).get(
        f"{API}/lindenhof/appointments/{appointment_id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.content


def test_a_read_is_answered_once_its_access_event_is_committed(
    clinic: Clinic, fiona: User, pedro: User, room: Room, at: Callable, token: str
) -> None:
    booked = book(clinic, fiona, pedro, room, at("10:00"))
    status, content = read(token, booked.pk)
    assert status == 200
    assert b"Lena Berg" in content
    # Another connection sees the event as soon as the answer is there.
    assert seen_elsewhere(str(booked.pk)) == 1


def test_a_read_whose_access_event_fails_to_commit_is_a_500_without_the_row(
    clinic: Clinic, fiona: User, pedro: User, room: Room, at: Callable, token: str
) -> None:
    booked = book(clinic, fiona, pedro, room, at("10:00"))
    with refused_at_commit("scheduling.appointment"):
        status, content = read(token, booked.pk)
    assert status == 500
    assert b"Lena Berg" not in content
    assert not AccessEvent.objects.exists()
    # The connection reads on afterwards.
    assert read(token, booked.pk)[0] == 200
