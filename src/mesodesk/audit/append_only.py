"""The database's own refusal to change or delete an access event.

`AccessEvent.save` and `.delete` refuse already, but a queryset's `update()` or
`delete()`, the admin's bulk actions, a script or a SQL prompt would pass them by. These
triggers refuse every UPDATE and DELETE of a row of the table, whoever sends it; the
database raises an integrity error ("access events are append-only").

- PostgreSQL: one row-level BEFORE UPDATE OR DELETE trigger calling a PL/pgSQL function
  that raises SQLSTATE 23001 (restrict_violation).
- SQLite: a BEFORE UPDATE and a BEFORE DELETE trigger that RAISE(ABORT).

Emptying the whole database (`mesodesk flush`, and the test runner between transactional
tests) is not a change of the log: PostgreSQL's TRUNCATE fires no row trigger, and on
SQLite the flush command lifts the triggers for its DELETEs and puts them back
(audit/management/commands/flush.py). Migration 0003 creates them with this module: keep
its SQL as it is, and change it only in a new migration.

SQLite rebuilds a table to alter it (a new table, a copy, a rename), which drops its
triggers: a migration that alters `audit_accessevent` must create them again.
tests/audit/test_append_only.py fails if they are missing.
"""

from __future__ import annotations

TABLE = "audit_accessevent"
MESSAGE = "access events are append-only"
NAME = "audit_accessevent_append_only"


def create_statements(vendor: str) -> list[str]:
    """The SQL that installs the triggers on this database vendor."""
    if vendor == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
END;
$$""",
            f"""CREATE TRIGGER {NAME} BEFORE UPDATE OR DELETE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION {NAME}()""",
        ]
    if vendor == "sqlite":
        return [
            f"""CREATE TRIGGER IF NOT EXISTS {NAME}_{event.lower()} BEFORE {event} ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END"""
            for event in ("UPDATE", "DELETE")
        ]
    raise RuntimeError(f"mesodesk cannot keep the access log append-only on {vendor}")


def drop_statements(vendor: str) -> list[str]:
    """The SQL that removes them."""
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {NAME} ON {TABLE}", f"DROP FUNCTION IF EXISTS {NAME}()"]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {NAME}_{event}" for event in ("update", "delete")]
    return []
