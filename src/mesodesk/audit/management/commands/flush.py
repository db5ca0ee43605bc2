"""Django's `flush`, which empties every table, on a database whose access log refuses
DELETE (audit.append_only): on SQLite, where flushing is a DELETE per table, the triggers
are lifted for the flush and put back after it, whatever happens. PostgreSQL empties
tables with TRUNCATE, which fires no row trigger."""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from mesodesk.audit.append_only import TABLE, create_statements, drop_statements


class Command(flush.Command):
    help = flush.Command.help + " The access log is emptied too."

    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite" or TABLE not in connection.introspection.table_names():
            super().handle(**options)
            return
        # Signed consents refuse DELETE too (consents migration 0003): lifted the same way.
        consents = importlib.import_module(
            "mesodesk.consents.migrations.0003_signed_consents_locked"
        )
        with connection.cursor() as cursor:
            for statement in drop_statements("sqlite"):
                cursor.execute(statement)
            for name, _ in consents.SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        try:
            super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                for statement in create_statements("sqlite"):
                    cursor.execute(statement)
                if consents.SIGNED in connection.introspection.table_names():
                    for _, statement in consents.SQLITE_TRIGGERS:
                        cursor.execute(statement)
