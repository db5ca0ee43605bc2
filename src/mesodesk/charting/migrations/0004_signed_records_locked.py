"""The database's own guarantee that a signed session record is never changed.

Whatever writes the tables (a service, the admin, a script, raw SQL):

- a signed record takes no UPDATE and no DELETE;
- the administrations of a signed record take no INSERT, UPDATE or DELETE, except one:
  marking an administration entered in error, once (its three entered-in-error columns go
  from empty to set, every other column stays as it was);
- the injection points of a signed record take no INSERT, UPDATE or DELETE;
- an addendum (always to a signed record, always signed itself) takes no UPDATE or DELETE.

SQLite: BEFORE triggers that RAISE(ABORT), which Python sees as an IntegrityError.
PostgreSQL: BEFORE row triggers on plpgsql functions that raise SQLSTATE 23000
(integrity_constraint_violation), also an IntegrityError. PostgreSQL's TRUNCATE (the test
runner's flush) fires no row trigger; on SQLite, tests/conftest.py clears the charting
tables with the triggers dropped for a moment (`SQLITE_TRIGGERS` below) before the flush.

A later migration that makes SQLite rebuild one of these tables (most AlterField
operations do) drops its triggers: it must create them again (`forwards`);
tests/charting/test_locked_in_the_database.py fails if it does not.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

RECORD = "charting_sessionrecord"
ADMINISTRATION = "charting_administration"
POINT = "charting_injectionpoint"
ADDENDUM = "charting_addendum"
MESSAGE = "signed record: locked"
ERROR_COLUMNS = ("entered_in_error_at", "entered_in_error_by_id", "entered_in_error_reason")
# Every column of an administration that marking it entered in error leaves unchanged.
KEPT_COLUMNS = (
    "id",
    "clinic_id",
    "record_id",
    "area",
    "product_id",
    "lot_id",
    "opened_vial_id",
    "stock_move_id",
    "volume_ml",
    "technique",
    "depth_mm",
    "needle_gauge",
    "needle_length_mm",
    "device_id",
    "device_settings",
    "points",
    "warnings",
    "out_of_range_reason",
    "created_by_id",
    "created_at",
)


def _signed(record_id: str) -> str:
    return f"(SELECT status FROM {RECORD} WHERE id = {record_id}) = 'signed'"  # noqa: S608


def _point_signed(administration_id: str) -> str:
    return (
        f"(SELECT r.status FROM {RECORD} AS r JOIN {ADMINISTRATION} AS a ON a.record_id = r.id"  # noqa: S608
        f" WHERE a.id = {administration_id}) = 'signed'"
    )


_MARKED_ONCE_SQLITE = " AND ".join(
    ["OLD.entered_in_error_at IS NULL", "NEW.entered_in_error_at IS NOT NULL"]
    + [f"NEW.{c} IS OLD.{c}" for c in KEPT_COLUMNS]
)


def _abort(name: str, when: str, table: str, event: str) -> tuple[str, str]:
    return (
        name,
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW WHEN {when}"
        f" BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    )


SQLITE_TRIGGERS = (
    _abort("charting_record_locked_update", "OLD.status = 'signed'", RECORD, "UPDATE"),
    _abort("charting_record_locked_delete", "OLD.status = 'signed'", RECORD, "DELETE"),
    _abort("charting_admin_locked_insert", _signed("NEW.record_id"), ADMINISTRATION, "INSERT"),
    _abort(
        "charting_admin_locked_update",
        f"({_signed('OLD.record_id')} OR {_signed('NEW.record_id')})"
        f" AND NOT ({_MARKED_ONCE_SQLITE})",
        ADMINISTRATION,
        "UPDATE",
    ),
    _abort("charting_admin_locked_delete", _signed("OLD.record_id"), ADMINISTRATION, "DELETE"),
    _abort("charting_point_locked_insert", _point_signed("NEW.administration_id"), POINT, "INSERT"),
    _abort(
        "charting_point_locked_update",
        f"{_point_signed('OLD.administration_id')} OR {_point_signed('NEW.administration_id')}",
        POINT,
        "UPDATE",
    ),
    _abort("charting_point_locked_delete", _point_signed("OLD.administration_id"), POINT, "DELETE"),
    _abort("charting_addendum_locked_update", "1", ADDENDUM, "UPDATE"),
    _abort("charting_addendum_locked_delete", "1", ADDENDUM, "DELETE"),
)

_KEPT_PG = ", ".join(KEPT_COLUMNS)
POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION charting_refuse_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
END $$;

CREATE OR REPLACE FUNCTION charting_admin_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND {_signed("OLD.record_id")} THEN
        IF TG_OP = 'UPDATE'
           AND OLD.entered_in_error_at IS NULL AND NEW.entered_in_error_at IS NOT NULL
           AND ROW(NEW.{_KEPT_PG.replace(", ", ", NEW.")})
               IS NOT DISTINCT FROM ROW(OLD.{_KEPT_PG.replace(", ", ", OLD.")}) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
    END IF;
    IF TG_OP <> 'DELETE' AND {_signed("NEW.record_id")} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION charting_point_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND {_point_signed("OLD.administration_id")} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
    END IF;
    IF TG_OP <> 'DELETE' AND {_point_signed("NEW.administration_id")} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER charting_record_locked BEFORE UPDATE OR DELETE ON {RECORD}
    FOR EACH ROW WHEN (OLD.status = 'signed') EXECUTE FUNCTION charting_refuse_locked();
CREATE TRIGGER charting_admin_locked BEFORE INSERT OR UPDATE OR DELETE ON {ADMINISTRATION}
    FOR EACH ROW EXECUTE FUNCTION charting_admin_locked();
CREATE TRIGGER charting_point_locked BEFORE INSERT OR UPDATE OR DELETE ON {POINT}
    FOR EACH ROW EXECUTE FUNCTION charting_point_locked();
CREATE TRIGGER charting_addendum_locked BEFORE UPDATE OR DELETE ON {ADDENDUM}
    FOR EACH ROW EXECUTE FUNCTION charting_refuse_locked();
"""

POSTGRESQL_BACKWARDS = f"""
DROP TRIGGER IF EXISTS charting_record_locked ON {RECORD};
DROP TRIGGER IF EXISTS charting_admin_locked ON {ADMINISTRATION};
DROP TRIGGER IF EXISTS charting_point_locked ON {POINT};
DROP TRIGGER IF EXISTS charting_addendum_locked ON {ADDENDUM};
DROP FUNCTION IF EXISTS charting_refuse_locked();
DROP FUNCTION IF EXISTS charting_admin_locked();
DROP FUNCTION IF EXISTS charting_point_locked();
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for _, sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
    else:
        raise RuntimeError(f"mesodesk cannot lock signed records on {vendor}")


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARDS)
    elif vendor == "sqlite":
        for name, _ in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("charting", "0003_record_areas_and_prefill")]

    operations = [migrations.RunPython(forwards, backwards)]
