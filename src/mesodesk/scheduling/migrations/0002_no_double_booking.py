"""The database's own guarantee that no practitioner, room or device is double-booked.

Among a clinic's `booked` appointments, no two that overlap ([start, end) half-open, so
10:00-10:50 and 10:50-11:40 may follow each other) share a practitioner, a room or a
device. Whatever writes to the table — the booking service, the admin, a script, two app
servers at the same instant — the database refuses the second booking.

- PostgreSQL: exclusion constraints over `tstzrange(start, end, '[)')` with GiST indexes
  (btree_gist supplies `=` on the ids). A concurrent insert waits for the first one's
  transaction and then fails with an exclusion violation, which Django raises as
  IntegrityError.
- SQLite: BEFORE INSERT / BEFORE UPDATE triggers that abort with "double booking: <what>".
  SQLite has one writer at a time and mesodesk opens every transaction IMMEDIATE, so the
  check and the write cannot interleave with another booking. Times are compared as text,
  in the form Django stores them there (UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]"); a script
  writing the table directly must use the same form.

Both also refuse appointments longer than a day (`durations.LONGEST`), which lets the
SQLite triggers and slot search bound their range scans on the (clinic, ..., start)
indexes. The constraints live only here, not in the model's Meta, because they differ by
database; the migration works on either.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

TABLE = "scheduling_appointment"
RESOURCES = ("practitioner", "room", "device")


def exclusion_name(resource: str) -> str:
    """The PostgreSQL constraint that keeps `resource` from being double-booked."""
    return f"scheduling_appointment_{resource}_not_double_booked"


def trigger_message(resource: str) -> str:
    """The message the SQLite triggers abort with when `resource` is double-booked."""
    return f"double booking: {resource}"


LONGER_THAN_A_DAY = "appointment longer than a day"


def _postgresql_forwards(schema_editor: Any, model: Any) -> None:
    from django.contrib.postgres.constraints import ExclusionConstraint
    from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
    from django.db.models import Func, Q

    class TsTzRange(Func):
        function = "TSTZRANGE"
        output_field = DateTimeRangeField()

    for resource in RESOURCES:
        schema_editor.add_constraint(
            model,
            ExclusionConstraint(
                name=exclusion_name(resource),
                expressions=[
                    ("clinic", RangeOperators.EQUAL),
                    (resource, RangeOperators.EQUAL),
                    (
                        TsTzRange(
                            "start",
                            "end",
                            RangeBoundary(inclusive_lower=True, inclusive_upper=False),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(status="booked"),
            ),
        )
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT scheduling_appointment_at_most_a_day "
        f'CHECK ("end" - "start" <= interval \'1 day\')'
    )


def _overlap_check(resource: str) -> str:
    # `start >= NEW.start - 1 day` follows from "no appointment is longer than a day" and
    # keeps the lookup a short range scan on the (clinic, resource, start) index.
    nullable = f"NEW.{resource}_id IS NOT NULL AND " if resource == "device" else ""
    return f"""
    SELECT RAISE(ABORT, '{trigger_message(resource)}') WHERE {nullable}EXISTS (
        SELECT 1 FROM {TABLE} AS other
        WHERE other.clinic_id = NEW.clinic_id
          AND other.{resource}_id = NEW.{resource}_id
          AND other."start" < NEW."end"
          AND other."start" >= datetime(NEW."start", '-1 day')
          AND other."end" > NEW."start"
          AND other.status = 'booked'
          AND other.id IS NOT NEW.id
    );"""  # noqa: S608 - built from this module's constants only


def _sqlite_trigger(event: str) -> str:
    # An update that changes none of these columns cannot create a double booking.
    columns = ' OF clinic_id, practitioner_id, room_id, device_id, "start", "end", status'
    checks = "".join(_overlap_check(resource) for resource in RESOURCES)
    return f"""
CREATE TRIGGER {TABLE}_no_double_booking_{event.lower()}
BEFORE {event}{columns if event == "UPDATE" else ""} ON {TABLE}
FOR EACH ROW WHEN NEW.status = 'booked'
BEGIN
    SELECT RAISE(ABORT, '{LONGER_THAN_A_DAY}')
    WHERE julianday(NEW."end") - julianday(NEW."start") > 1;{checks}
END;
"""


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
        for name in [*map(exclusion_name, RESOURCES), "scheduling_appointment_at_most_a_day"]:
            schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {name}")
    elif vendor == "sqlite":
        for event in ("insert", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_double_booking_{event}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        # Does nothing on SQLite.
        BtreeGistExtension(),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
