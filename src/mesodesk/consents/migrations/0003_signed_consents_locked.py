"""The database's own guarantee that a signed consent is never changed.

Whatever writes the tables (a service, the admin, a script, raw SQL):

- a signed consent takes no DELETE, and no UPDATE but one: merging two records of the
  same patient re-points it to the record kept (`patient_id` changes, nothing else);
- a withdrawal takes no UPDATE and no DELETE;
- a version of a consent text that a signed consent points at takes no UPDATE or DELETE.

SQLite: BEFORE triggers that RAISE(ABORT); PostgreSQL: BEFORE row triggers on a plpgsql
function raising SQLSTATE 23000. Both reach Python as an IntegrityError. PostgreSQL's
TRUNCATE (the test runner's flush) fires no row trigger; on SQLite tests/conftest.py
clears these tables with the triggers dropped for a moment (`SQLITE_TRIGGERS`, `TABLES`).

A later migration that makes SQLite rebuild one of these tables must create them again;
tests/consents/test_locked.py fails if they are missing.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SIGNED = "consents_signedconsent"
WITHDRAWAL = "consents_consentwithdrawal"
TEMPLATE = "consents_consenttemplate"
TABLES = (WITHDRAWAL, SIGNED, TEMPLATE)  # in the order they can be emptied
MESSAGE = "signed consent: locked"
# Every column of a signed consent but patient_id, which a merge may re-point.
KEPT_COLUMNS = (
    "id",
    "clinic_id",
    "template_id",
    "purpose",
    "technique",
    "tier",
    "template_version",
    "title",
    "text",
    "signer_name",
    "representative_relationship",
    "method",
    "signature_svg",
    "channel",
    "collected_by_id",
    "ip",
    "user_agent",
    "signed_at",
    "pdf",
    "sha256",
)
_USED = f"EXISTS (SELECT 1 FROM {SIGNED} WHERE template_id = OLD.id)"  # noqa: S608


def _abort(name: str, when: str, table: str, event: str) -> tuple[str, str]:
    return (
        name,
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW WHEN {when}"
        f" BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    )


SQLITE_TRIGGERS = (
    _abort(
        "consents_signed_locked_update",
        "NOT (" + " AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT_COLUMNS) + ")",
        SIGNED,
        "UPDATE",
    ),
    _abort("consents_signed_locked_delete", "1", SIGNED, "DELETE"),
    _abort("consents_withdrawal_locked_update", "1", WITHDRAWAL, "UPDATE"),
    _abort("consents_withdrawal_locked_delete", "1", WITHDRAWAL, "DELETE"),
    _abort("consents_template_locked_update", _USED, TEMPLATE, "UPDATE"),
    _abort("consents_template_locked_delete", _USED, TEMPLATE, "DELETE"),
)

_NEW = ", ".join(f"NEW.{c}" for c in KEPT_COLUMNS)
_OLD = ", ".join(f"OLD.{c}" for c in KEPT_COLUMNS)
POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION consents_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
END $$;

CREATE OR REPLACE FUNCTION consents_signed_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ROW({_NEW}) IS NOT DISTINCT FROM ROW({_OLD}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
END $$;

CREATE OR REPLACE FUNCTION consents_template_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {_USED} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER consents_signed_locked BEFORE UPDATE OR DELETE ON {SIGNED}
    FOR EACH ROW EXECUTE FUNCTION consents_signed_locked();
CREATE TRIGGER consents_withdrawal_locked BEFORE UPDATE OR DELETE ON {WITHDRAWAL}
    FOR EACH ROW EXECUTE FUNCTION consents_refuse();
CREATE TRIGGER consents_template_locked BEFORE UPDATE OR DELETE ON {TEMPLATE}
    FOR EACH ROW EXECUTE FUNCTION consents_template_locked();
"""

POSTGRESQL_BACKWARDS = f"""
DROP TRIGGER IF EXISTS consents_signed_locked ON {SIGNED};
DROP TRIGGER IF EXISTS consents_withdrawal_locked ON {WITHDRAWAL};
DROP TRIGGER IF EXISTS consents_template_locked ON {TEMPLATE};
DROP FUNCTION IF EXISTS consents_refuse();
DROP FUNCTION IF EXISTS consents_signed_locked();
DROP FUNCTION IF EXISTS consents_template_locked();
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        for _, sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
    else:
        raise RuntimeError(f"mesodesk cannot lock signed consents on {vendor}")


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARDS)
    elif vendor == "sqlite":
        for name, _ in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("consents", "0002_consents_from_patients")]

    operations = [migrations.RunPython(forwards, backwards)]
