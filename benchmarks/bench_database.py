"""The benchmarks' database: SQLite in a temporary folder, or a schema of its own in the
PostgreSQL database DATABASE_URL names (created if missing), dropped afterwards unless
kept. Shared by booking.py, reminders.py and http.py."""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# This folder holds http.py, the HTTP benchmark the issue named so. A script run from here
# has the folder first on sys.path, where http.py would hide the standard library's `http`
# package from Django; every benchmark imports this module first, so it moves the folder
# to the end (its own modules are still found there).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank `q` quantile (0.95: the p95) of `values`, as every script prints it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def analyze() -> None:
    """Statistics, and on PostgreSQL the visibility map, as tables in service have them
    (autovacuum's work, which may be off or not yet done on a fresh load): the planner
    then chooses as it would in production."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# A healthy adult's intake (DESIGN 7.1): a patient who may book a session.
HEALTHY_INTAKE: dict[str, Any] = {
    "birth_date": "1985-05-05",
    "sex": "female",
    "pregnant": False,
    "breastfeeding": False,
    "conditions": [],
    "medications": [],
    "allergies": [],
    "recent_procedures": [],
    "fitzpatrick": 2,
}


def configure(keep: bool, environ: dict[str, str] | None = None) -> tuple[str, Any]:
    """Points Django at the benchmark database (and sets `environ`, say a mail server);
    returns its vendor and a clean-up function."""
    folder = tempfile.mkdtemp(prefix="mesodesk-bench-")
    os.environ["MESODESK_VAR_DIR"] = folder
    os.environ["CACHE_URL"] = "locmemcache://"
    os.environ.update(environ or {})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesodesk.settings")
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    schema = f"bench_{os.getpid()}"
    if url.startswith(("postgres://", "postgresql://")):
        _create_postgres_database(url, schema)

    import django
    from django.conf import settings

    if url.startswith(("postgres://", "postgresql://")):
        settings.DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c search_path={schema},public"
        )
    django.setup()

    def clean_up() -> None:
        from django.db import connection

        if connection.vendor == "postgresql" and not keep:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA {schema} CASCADE")
        connection.close()
        if keep:
            print(f"kept: {settings.DATABASES['default']['NAME']} (schema {schema})")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    from django.db import connection

    return connection.vendor, clean_up


def _create_postgres_database(url: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    target = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(target, autocommit=True) as conn:
        # In `public`, not in the benchmark's schema: dropping that schema must not take
        # the extension (and every other schema's exclusion constraints) with it.
        conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public")
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
