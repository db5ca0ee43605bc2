"""SQLite drops a table's triggers when a migration rebuilds it: the double-booking
triggers of 0002 and 0003, created again by the migrations that rebuild the table."""

import importlib
from typing import Any


def recreate_sqlite_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in ("0002_no_double_booking", "0003_patient_and_planned_session_booked_once"):
        earlier = importlib.import_module(f"mesodesk.scheduling.migrations.{name}")
        earlier.backwards(apps, schema_editor)
        earlier.forwards(apps, schema_editor)
