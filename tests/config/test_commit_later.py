"""mesodesk.config.postgresql's rows before their commit (mesodesk.rows.fetch with
`commit_later`, settled by mesodesk.web.commits): the statement that reads a row and writes
its access event gives its rows at once, and nothing is answered before its commit
completed. Real commits (transactional tests), on PostgreSQL only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from django.db import DataError, IntegrityError, ProgrammingError, connection, transaction
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
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's pipeline mode and commits"
    ),
]


def event_sql() -> str:
    """One access event of the clinic and patient given, and its id: a statement that
    writes, as a read's is."""
    table = rows.table(AccessEvent)
    return (
        f"WITH e AS (INSERT INTO {table} (clinic_id, user_id, patient_id, action,"  # noqa: S608 - test SQL
        " object_type, object_id, at, ip, path)"
        " VALUES (%s, NULL, %s, 'read', 'test', %s, now(), NULL, '') RETURNING id)"
        " SELECT id FROM e"
    )


def seen_elsewhere(object_id: str) -> int:
    """How many events with this object id another connection sees: committed ones."""
    with server() as other:
        row = other.execute(
            f"SELECT count(*) FROM {rows.table(AccessEvent)} WHERE object_id = %s",  # noqa: S608 - test SQL
            [object_id],
        ).fetchone()
    assert row is not None
    return int(row[0])


def unsettled() -> object:
    return connection._unsettled  # type: ignore[attr-defined]


def test_outside_an_answer_the_rows_come_after_the_commit(clinic: Clinic) -> None:
    found = rows.fetch(event_sql(), [clinic.pk, None, "outside"], commit_later=True)
    assert len(found) == 1
    assert unsettled() is None
    assert seen_elsewhere("outside") == 1


def test_in_an_answer_the_rows_come_first_and_the_commit_is_settled_by_its_end(
    clinic: Clinic,
) -> None:
    with rows.answering():
        found = rows.fetch(event_sql(), [clinic.pk, None, "inside"], commit_later=True)
        assert len(found) == 1
        # In pipeline mode, its commit on its way: settled when the answer ends.
        assert unsettled() is not None
        assert connection.connection._pipeline is not None
    assert unsettled() is None
    assert connection.connection._pipeline is None
    assert seen_elsewhere("inside") == 1
    assert AccessEvent.objects.get(object_id="inside").pk == found[0][0]


def test_a_commit_that_fails_fails_the_answer_and_writes_nothing(clinic: Clinic) -> None:
    # A patient that does not exist: PostgreSQL checks Django's foreign keys (deferred)
    # at the commit, after the statement gave its rows.
    with pytest.raises(IntegrityError), rows.answering():
        found = rows.fetch(event_sql(), [clinic.pk, 2_000_000_000, "orphan"], commit_later=True)
        assert len(found) == 1
    assert unsettled() is None
    assert seen_elsewhere("orphan") == 0
    # The connection goes on as before.
    assert rows.fetch("SELECT 1", []) == [(1,)]
    assert not AccessEvent.objects.filter(object_id="orphan").exists()


def test_a_statement_that_fails_raises_at_once_and_leaves_nothing_on_its_way(
    clinic: Clinic,
) -> None:
    with rows.answering():
        with pytest.raises(DataError):
            rows.fetch("SELECT 1 / (%s - 1)", [1], commit_later=True)
        assert unsettled() is None
        assert connection.connection._pipeline is None
        assert rows.fetch("SELECT 2", []) == [(2,)]


@pytest.mark.parametrize("use", ["query", "atomic", "close"])
def test_any_other_use_of_the_connection_waits_for_the_commit_first(
    clinic: Clinic, use: str
) -> None:
    with rows.answering():
        rows.fetch(event_sql(), [clinic.pk, None, use], commit_later=True)
        assert unsettled() is not None
        if use == "query":
            assert AccessEvent.objects.filter(object_id=use).count() == 1
        elif use == "atomic":
            with transaction.atomic():
                assert AccessEvent.objects.filter(object_id=use).count() == 1
        else:
            connection.close()
        assert unsettled() is None
        assert seen_elsewhere(use) == 1


@contextmanager
def at_commit(name: str, body: str, object_type: str) -> Iterator[None]:
    """A deferred constraint trigger running `body` (PL/pgSQL) at the commit of each access
    event of `object_type`: after the statement gave its rows."""
    table = rows.table(AccessEvent)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$"
        )
        cursor.execute(
            f"CREATE CONSTRAINT TRIGGER {name} AFTER INSERT ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
            f" WHEN (NEW.object_type = '{object_type}') EXECUTE FUNCTION {name}()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER {name} ON {table}")
            cursor.execute(f"DROP FUNCTION {name}()")


@pytest.fixture
def commits_refused() -> Iterator[None]:
    """Every appointment's access event refused at its commit: the read's statement
    succeeds and gives its rows, its commit fails."""
    refuse = "RAISE EXCEPTION 'refused at commit' USING ERRCODE = '23514';"
    with at_commit("mesodesk_test_refuse", refuse, "scheduling.appointment"):
        yield


def read(token: str, appointment_id: int) -> tuple[int, bytes]:
    response = Client(raise_request_exception=False).get(
        f"{API}/lindenhof/appointments/{appointment_id}",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.content


def test_a_read_is_answered_once_its_access_event_is_committed(
    clinic: Clinic, fiona: User, pedro: User, room: Room, at: object, token: str
) -> None:
    booked = book(clinic, fiona, pedro, room, at("10:00"))  # type: ignore[operator]
    piped: list[bool] = []

    def observe(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        answer = execute(sql, params, many, context)
        piped.append(connection.connection._pipeline is not None)
        return answer

    with connection.execute_wrapper(observe):
        status, content = read(token, booked.pk)
    assert status == 200
    assert b"Lena Berg" in content
    # Its one statement (token, row and event) gave its rows in pipeline mode.
    assert piped[0] is True
    assert unsettled() is None
    assert seen_elsewhere(str(booked.pk)) == 1


def test_a_read_whose_access_event_fails_to_commit_is_a_500_without_the_row(
    clinic: Clinic,
    fiona: User,
    pedro: User,
    room: Room,
    at: object,
    token: str,
    commits_refused: None,
) -> None:
    booked = book(clinic, fiona, pedro, room, at("10:00"))  # type: ignore[operator]
    status, content = read(token, booked.pk)
    assert status == 500
    assert b"Lena Berg" not in content
    assert not AccessEvent.objects.exists()
    assert unsettled() is None


def test_the_rows_come_back_before_the_commit_has_completed(clinic: Clinic) -> None:
    # A commit made slow on purpose (a deferred trigger that sleeps): the rows are read
    # while it is still on its way, and nobody else sees the event before it settles.
    with (
        at_commit("mesodesk_test_slow", "PERFORM pg_sleep(1); RETURN NULL;", "test"),
        rows.answering(),
    ):
        found = rows.fetch(event_sql(), [clinic.pk, None, "slow"], commit_later=True)
        assert len(found) == 1
        assert seen_elsewhere("slow") == 0
    assert seen_elsewhere("slow") == 1


def test_a_statement_refused_on_its_first_run_runs_once_it_can(clinic: Clinic) -> None:
    # Refused when PostgreSQL prepares it (no such table yet): psycopg must not take it
    # for prepared, or every later run fails ("prepared statement ... does not exist").
    sql = "SELECT count(*) FROM mesodesk_test_later WHERE %s IS NOT NULL"
    try:
        with rows.answering(), pytest.raises(ProgrammingError):
            rows.fetch(sql, [1], commit_later=True)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE mesodesk_test_later (id int)")
        with rows.answering():
            assert rows.fetch(sql, [1], commit_later=True) == [(0,)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS mesodesk_test_later")


def test_a_failed_commit_fails_the_answer_even_when_a_later_statement_caught_it(
    clinic: Clinic,
) -> None:
    with pytest.raises(IntegrityError), rows.answering():
        rows.fetch(event_sql(), [clinic.pk, 2_000_000_000, "caught"], commit_later=True)
        # The next statement settles first, and its caller catches what that raised.
        with suppress(IntegrityError):
            AccessEvent.objects.count()
    assert seen_elsewhere("caught") == 0
    assert rows.fetch("SELECT 3", []) == [(3,)]
