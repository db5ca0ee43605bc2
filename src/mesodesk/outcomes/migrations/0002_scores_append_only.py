"""The database's own guarantee that a score is never rewritten or deleted.

Whatever writes the table (a service, the admin, a script, raw SQL), an outcome score
takes no DELETE, and an UPDATE only when it is one of:

- marking it entered in error, once (`entered_in_error_at` goes from empty to set; its
  reason and who may be set with it);
- moving it to the kept record of a patient merge (`patients.merging`: only `patient_id`
  changes).

Every other column stays as it was. SQLite: BEFORE triggers that RAISE(ABORT); PostgreSQL:
a BEFORE row trigger on a plpgsql function raising SQLSTATE 23000. Both reach Python as an
IntegrityError. PostgreSQL's TRUNCATE (the test runner's flush) fires no row trigger; on
SQLite tests/conftest.py clears the table with the triggers dropped for a moment
(`SQLITE_TRIGGERS` below). A later migration that makes SQLite rebuild the table must
create them again; tests/outcomes/test_locked_in_the_database.py fails if it does not.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TABLE = "outcomes_score"
MESSAGE = "outcome scores are never rewritten"
ERROR_COLUMNS = ("entered_in_error_at", "entered_in_error_by_id", "entered_in_error_reason")
# Every column no allowed update changes.
KEPT_COLUMNS = (
    "id",
    "clinic_id",
    "appointment_id",
    "plan_id",
    "area",
    "scale",
    "scale_version",
    "value",
    "items",
    "band",
    "side",
    "rater",
    "method",
    "time_point",
    "session_number",
    "weeks_after",
    "baseline_id",
    "note",
    "rated_by_id",
    "rated_at",
)

_KEPT_SQLITE = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT_COLUMNS)
_ERRORS_SAME_SQLITE = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in ERROR_COLUMNS)
_ALLOWED_SQLITE = (
    f"{_KEPT_SQLITE} AND (({_ERRORS_SAME_SQLITE})"
    " OR (OLD.entered_in_error_at IS NULL AND NEW.entered_in_error_at IS NOT NULL))"
)

SQLITE_TRIGGERS = (
    (
        "outcomes_score_locked_update",
        f"CREATE TRIGGER outcomes_score_locked_update BEFORE UPDATE ON {TABLE} FOR EACH ROW"
        f" WHEN NOT ({_ALLOWED_SQLITE}) BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    ),
    (
        "outcomes_score_locked_delete",
        f"CREATE TRIGGER outcomes_score_locked_delete BEFORE DELETE ON {TABLE} FOR EACH ROW"
        f" BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    ),
)


def _row(prefix: str, columns: tuple[str, ...]) -> str:
    return "ROW(" + ", ".join(f"{prefix}.{c}" for c in columns) + ")"


POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION outcomes_score_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND {_row("NEW", KEPT_COLUMNS)} IS NOT DISTINCT FROM {_row("OLD", KEPT_COLUMNS)}
       AND ({_row("NEW", ERROR_COLUMNS)} IS NOT DISTINCT FROM {_row("OLD", ERROR_COLUMNS)}
            OR (OLD.entered_in_error_at IS NULL AND NEW.entered_in_error_at IS NOT NULL)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
END $$;

CREATE TRIGGER outcomes_score_locked BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION outcomes_score_locked();
"""

POSTGRESQL_BACKWARDS = f"""
DROP TRIGGER IF EXISTS outcomes_score_locked ON {TABLE};
DROP FUNCTION IF EXISTS outcomes_score_locked();
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for _, sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
    else:
        raise RuntimeError(f"mesodesk cannot keep outcome scores unchanged on {vendor}")


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARDS)
    elif vendor == "sqlite":
        for name, _ in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
