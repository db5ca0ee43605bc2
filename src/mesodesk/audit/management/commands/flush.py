"""Django's `flush`, which empties every table, on a database whose access log refuses
DELETE (audit.append_only): on SQLite, where flushing is a DELETE per table, the triggers
are lifted for the flush and put back after it, whatever happens. PostgreSQL empties
tables with TRUNCATE, which fires no row trigger."""

from __future__ import annotations

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
        with connection.cursor() as cursor:
            for statement in drop_statements("sqlite"):
                cursor.execute(statement)
        try:
            super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                for statement in create_statements("sqlite"):
                    cursor.execute(statement)
