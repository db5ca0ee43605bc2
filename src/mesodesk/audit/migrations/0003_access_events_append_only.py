"""Triggers that refuse every UPDATE and DELETE of an access event (audit.append_only)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from mesodesk.audit.append_only import create_statements, drop_statements


def forwards(apps: Any, schema_editor: Any) -> None:
    for statement in create_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def backwards(apps: Any, schema_editor: Any) -> None:
    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
