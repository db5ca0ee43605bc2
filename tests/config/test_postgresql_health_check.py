"""mesodesk.config.postgresql: the per-request health check of a persistent PostgreSQL
connection looks at the socket instead of running SELECT 1, and still replaces a
connection the server dropped. On PostgreSQL only (SQLite has no server to drop it)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a health check of PostgreSQL connections"
    ),
]


@pytest.fixture
def wrapper() -> Iterator[BaseDatabaseWrapper]:
    """A connection of its own with the test database's settings, health checks on."""
    own = connections.create_connection("default")
    own.settings_dict["CONN_HEALTH_CHECKS"] = True
    own.ensure_connection()
    assert own.health_check_enabled
    yield own
    own.close()


def server() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def last_statement(pid: int) -> str:
    with server() as watcher:
        row = watcher.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    return str(row[0]) if row else ""


def backend_pid(wrapper: BaseDatabaseWrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_a_good_idle_connection_passes_without_a_statement(wrapper: BaseDatabaseWrapper) -> None:
    pid = backend_pid(wrapper)
    wrapper.health_check_done = False  # as at the start of every request
    wrapper.close_if_health_check_failed()
    assert wrapper.health_check_done
    assert wrapper.connection is not None
    # The server's record of the backend's last statement: still ours, no SELECT 1 after it.
    assert last_statement(pid) == "SELECT pg_backend_pid()"
    assert backend_pid(wrapper) == pid


def test_a_connection_the_server_dropped_is_replaced(wrapper: BaseDatabaseWrapper) -> None:
    pid = backend_pid(wrapper)
    with server() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()
    assert wrapper.connection is None  # closed, so the next statement connects anew
    assert backend_pid(wrapper) != pid


def test_a_new_connection_plans_prepared_statements_once(wrapper: BaseDatabaseWrapper) -> None:
    # mesodesk.rows' prepared statements keep the plan made at their first run, instead
    # of PostgreSQL planning them again on every run (the module's docstring).
    with wrapper.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"
    # Also after the connection was replaced, and in a connection not in autocommit.
    wrapper.close()
    wrapper.settings_dict["AUTOCOMMIT"] = False
    try:
        wrapper.ensure_connection()
        assert not wrapper.connection.info.transaction_status  # committed: nothing open
        with wrapper.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            assert cursor.fetchone()[0] == "force_generic_plan"
    finally:
        wrapper.settings_dict["AUTOCOMMIT"] = True
