"""Counting the SQL statements of one request, to pin them (DESIGN 12).

Transaction control (BEGIN, COMMIT, SAVEPOINT, RELEASE) is left out: SQLite logs its
BEGIN IMMEDIATE and PostgreSQL does not, and a test's own transaction turns each atomic
block into a SAVEPOINT pair, so counting them would pin the database and the test set-up
rather than the work. benchmarks/http.py counts the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


class Statements(list[str]):
    """The data statements a block ran, in order."""


@contextmanager
def statements() -> Iterator[Statements]:
    """Collects the data statements run inside the block."""
    found = Statements()
    with CaptureQueriesContext(connection) as captured:
        yield found
    found.extend(
        q["sql"] for q in captured.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])
    )


def read_and_log() -> int:
    """Statements of reading one row with its access event: one on PostgreSQL, where the
    event's INSERT rides the SELECT (audit.services.fetch_read); two elsewhere."""
    return 1 if connection.vendor == "postgresql" else 2


def read_checking_token() -> int:
    """Statements of an API read of one row by an endpoint that checks the bearer token in
    its read (api.auth.token_checked_by_read): one on PostgreSQL, the token, the row and
    the access event together (audit.services.fetch_read_checking_token); elsewhere the
    token's look-up, then `read_and_log`."""
    return 1 if connection.vendor == "postgresql" else 1 + read_and_log()


def write_with_history() -> int:
    """Statements of writing a new row and its history row: one on PostgreSQL, where the
    history's INSERT reads the new row from a WITH (rows.insert_with_history); two
    elsewhere."""
    return 1 if connection.vendor == "postgresql" else 2


def assert_statements(found: Statements, expected: int) -> None:
    """Fails with every statement listed unless there were exactly `expected`."""
    listing = "\n".join(f"{n}. {sql[:300]}" for n, sql in enumerate(found, 1))
    assert len(found) == expected, f"{len(found)} statements, not {expected}:\n{listing}"
