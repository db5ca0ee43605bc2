"""The database's own guarantee that adverse events are never edited in place.

Whatever writes the tables (a service, the admin, a script, raw SQL):

- an adverse event, a suspect and a follow-up take no UPDATE and no DELETE: a change to an
  event is a new follow-up entry;
- a side-effect report, once closed (with the call made), takes no UPDATE and no DELETE.

SQLite: BEFORE triggers that RAISE(ABORT); PostgreSQL: BEFORE row triggers on a plpgsql
function raising SQLSTATE 23000. Both reach Python as an IntegrityError (the same shape as
charting's migration 0004). On SQLite tests/conftest.py clears these tables with the
triggers dropped for a moment before a flush (`SQLITE_TRIGGERS`).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

EVENT = "safety_adverseevent"
SUSPECT = "safety_suspect"
FOLLOW_UP = "safety_followup"
REPORT = "safety_sideeffectreport"
LOCKED = (EVENT, SUSPECT, FOLLOW_UP)
MESSAGE = "adverse event: recorded entries are never changed"


def _abort(name: str, when: str, table: str, event: str) -> tuple[str, str]:
    return (
        name,
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW WHEN {when}"
        f" BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    )


SQLITE_TRIGGERS = (
    *(
        _abort(f"{table}_locked_{op.lower()}", "1", table, op)
        for table in LOCKED
        for op in ("UPDATE", "DELETE")
    ),
    _abort("safety_report_closed_update", "OLD.closed_at IS NOT NULL", REPORT, "UPDATE"),
    _abort("safety_report_closed_delete", "OLD.closed_at IS NOT NULL", REPORT, "DELETE"),
)

POSTGRESQL = (
    f"""
CREATE OR REPLACE FUNCTION safety_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
END $$;
"""
    + "".join(
        f"CREATE TRIGGER {table}_locked BEFORE UPDATE OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION safety_refuse_change();\n"
        for table in LOCKED
    )
    + f"CREATE TRIGGER safety_report_closed BEFORE UPDATE OR DELETE ON {REPORT}"
    " FOR EACH ROW WHEN (OLD.closed_at IS NOT NULL) EXECUTE FUNCTION safety_refuse_change();\n"
)

POSTGRESQL_BACKWARDS = (
    "".join(f"DROP TRIGGER IF EXISTS {table}_locked ON {table};\n" for table in LOCKED)
    + f"DROP TRIGGER IF EXISTS safety_report_closed ON {REPORT};\n"
    + "DROP FUNCTION IF EXISTS safety_refuse_change();\n"
)


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for _, sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
    else:
        raise RuntimeError(f"mesodesk cannot lock adverse events on {vendor}")


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARDS)
    elif vendor == "sqlite":
        for name, _ in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("safety", "0002_adverse_events")]

    operations = [migrations.RunPython(forwards, backwards)]
