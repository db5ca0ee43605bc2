"""The database's own guarantee that a patient is never in two booked appointments at
once, and that a planned session is booked at most once.

Like migration 0002 for practitioners, rooms and devices: among a clinic's `booked`
appointments, no two that overlap ([start, end) half-open) share a patient.

- PostgreSQL: an exclusion constraint over `tstzrange(start, end, '[)')` (btree_gist,
  installed by 0002). A concurrent insert waits for the first one's transaction and then
  fails with an exclusion violation (IntegrityError).
- SQLite: BEFORE INSERT / BEFORE UPDATE triggers of their own (0002's stay as they are)
  that abort with "double booking: patient". One writer at a time and IMMEDIATE
  transactions keep the check and the write together. Times are compared as text, as 0002
  explains.

A planned session has at most one `booked` appointment: a partial unique index on
(clinic, planned_session) where status = 'booked', on both databases (it is in the model's
Meta, so Django manages it; adding it does not make SQLite rebuild the table, so the
triggers of 0002 stay).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

TABLE = "scheduling_appointment"
EXCLUSION = "scheduling_appointment_patient_not_double_booked"
MESSAGE = "double booking: patient"
TRIGGER = "scheduling_appointment_patient_not_double_booked"


def _postgresql_forwards(schema_editor: Any, model: Any) -> None:
    from django.contrib.postgres.constraints import ExclusionConstraint
    from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
    from django.db.models import Func, Q

    class TsTzRange(Func):
        function = "TSTZRANGE"
        output_field = DateTimeRangeField()

    schema_editor.add_constraint(
        model,
        ExclusionConstraint(
            name=EXCLUSION,
            expressions=[
                ("clinic", RangeOperators.EQUAL),
                ("patient", RangeOperators.EQUAL),
                (
                    TsTzRange(
                        "start", "end", RangeBoundary(inclusive_lower=True, inclusive_upper=False)
                    ),
                    RangeOperators.OVERLAPS,
                ),
            ],
            condition=Q(status="booked"),
        ),
    )


def _sqlite_trigger(event: str) -> str:
    # An update that changes none of these columns cannot put a patient in two places.
    columns = ' OF clinic_id, patient_id, "start", "end", status'
    # `start >= NEW.start - 1 day` follows from "no appointment is longer than a day"
    # (0002) and keeps the lookup a short range scan on the (clinic, patient, start) index.
    return f"""
CREATE TRIGGER {TRIGGER}_{event.lower()}
BEFORE {event}{columns if event == "UPDATE" else ""} ON {TABLE}
FOR EACH ROW WHEN NEW.status = 'booked'
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}') WHERE EXISTS (
        SELECT 1 FROM {TABLE} AS other
        WHERE other.clinic_id = NEW.clinic_id
          AND other.patient_id = NEW.patient_id
          AND other."start" < NEW."end"
          AND other."start" >= datetime(NEW."start", '-1 day')
          AND other."end" > NEW."start"
          AND other.status = 'booked'
          AND other.id IS NOT NEW.id
    );
END;
"""  # noqa: S608 - built from this module's constants only


def forwards(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("scheduling", "Appointment")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _postgresql_forwards(schema_editor, model)
    elif vendor == "sqlite":
        schema_editor.execute(_sqlite_trigger("INSERT"))
        schema_editor.execute(_sqlite_trigger("UPDATE"))
    else:
        raise RuntimeError(f"mesodesk cannot guarantee bookings on {vendor}")


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {EXCLUSION}")
    elif vendor == "sqlite":
        for event in ("insert", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_initial"),
        ("planning", "0002_one_active_plan"),
        ("scheduling", "0002_no_double_booking"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "booked")),
                fields=("clinic", "planned_session"),
                name="scheduling_appointment_planned_session_booked_once",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
