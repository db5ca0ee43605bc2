"""What the core commands share: one-line errors with exit code 2, JSON in and out."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from mesodesk.core.inputs import InputError
from mesodesk.core.overrides import NO_OVERRIDES, Overrides

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad command-line usage; printed as one line."""


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad option as one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def read_json(path: str, field: str) -> Any:
    """A JSON document from a file, or from standard input when the path is "-"."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(field, f"cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise InputError(field, f"{path} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            field, f"not valid JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    except RecursionError:
        raise InputError(field, "nested too deeply") from None
    except ValueError:
        # Python refuses to read an integer of more than 4,300 digits (a guard against
        # slow conversions); no field of ours holds one.
        raise InputError(field, "holds a number too long to read") from None


def overrides_for(slug: str | None) -> Overrides:
    """No overrides without --clinic; the clinic's own with it."""
    return NO_OVERRIDES if slug is None else clinic_overrides(slug)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def fail(command: str, message: str) -> int:
    """Print `mesodesk COMMAND: message` on one line of stderr; return the exit code 2."""
    line = f"mesodesk {command}: {' '.join(message.split())}"
    # A lone surrogate from a JSON escape cannot be written as UTF-8: show it escaped.
    line = line.encode("utf-8", "backslashreplace").decode("utf-8")
    sys.stderr.write(line + "\n")
    return EXIT_BAD_INPUT


def guarded(command: str, body: Any, argv: Any) -> int:
    """Run `body(argv)`, turning bad input into one line and exit code 2."""
    try:
        return int(body(argv))
    except (InputError, UsageError) as error:
        return fail(command, str(error))


def clinic_overrides(slug: str) -> Overrides:
    """A clinic's overrides, read from the database (Django is set up only here)."""
    import os

    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesodesk.settings")
    if not settings.configured:
        _require_database()
    try:
        django.setup()
        from mesodesk.clinics.models import Clinic
        from mesodesk.protocols.selectors import engine_overrides

        clinic = Clinic.objects.filter(slug=slug).first()
        if clinic is None:
            raise InputError("--clinic", f"no clinic with the slug {slug!r}")
        return engine_overrides(clinic=clinic)
    except (ImproperlyConfigured, DatabaseError) as error:
        raise InputError("--clinic", f"cannot read the clinic's overrides: {error}") from None


def _require_database() -> None:
    """Refuse --clinic when its SQLite database does not exist: loading the settings would
    create the data folder and a secret key, and SQLite an empty database, wherever the
    command happens to run."""
    import os

    from mesodesk.config import env

    cwd = Path.cwd()
    try:
        default = f"sqlite:///{env.var_dir(os.environ, cwd=cwd) / 'mesodesk.sqlite3'}"
        url = env.read_str(os.environ, "DATABASE_URL", default)
        database = env.database_config(url, cwd=cwd)
    except env.SettingError as error:
        raise InputError("--clinic", str(error)) from None
    if database["ENGINE"].endswith("sqlite3") and not Path(database["NAME"]).is_file():
        raise InputError(
            "--clinic",
            f"no database at {database['NAME']} (run `mesodesk migrate` there, or set "
            "DATABASE_URL)",
        )
