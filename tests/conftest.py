"""The shared cast of the test suite: two clinics and Lindenhof's staff, one of each role."""

from __future__ import annotations

import importlib
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member, create_clinic
from tests.helpers import MESODESK, mesodesk_env

# The charting tests' session, products and lots, also used by the workspace and API tests;
# `snap`, a photo taken (tests/photos/fixtures.py); outcome scores (tests/outcomes).
pytest_plugins = ["tests.charting.fixtures", "tests.photos.fixtures", "tests.outcomes.fixtures"]

# Argon2 is slow on purpose; tests need speed, not a strong hash.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic(db: None) -> Clinic:
    return create_clinic(slug="lindenhof", name="Lindenhof Aesthetics", time_zone="Europe/Berlin")


@pytest.fixture
def other_clinic(db: None) -> Clinic:
    return create_clinic(slug="harbour", name="Harbour Skin Clinic", time_zone="Europe/London")


def _staff(clinic: Clinic, email: str, role: Role, first_name: str) -> User:
    user = create_user(email=email, password="correct horse battery", first_name=first_name)
    add_member(clinic=clinic, user=user, role=role)
    return user


@pytest.fixture
def alice(clinic: Clinic) -> User:
    """Lindenhof's clinic admin."""
    return _staff(clinic, "alice@lindenhof.test", Role.ADMIN, "Alice")


@pytest.fixture
def pedro(clinic: Clinic) -> User:
    """A practitioner at Lindenhof."""
    return _staff(clinic, "pedro@lindenhof.test", Role.PRACTITIONER, "Pedro")


@pytest.fixture
def fiona(clinic: Clinic) -> User:
    """Lindenhof's front desk."""
    return _staff(clinic, "fiona@lindenhof.test", Role.FRONT_DESK, "Fiona")


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    """pytest-django's `admin_client`, in a session that passed MFA: the admin shows nothing
    to a session without it (accounts.access.admin_has_permission)."""
    from tests.accounts.helpers import sign_in_with_mfa

    return sign_in_with_mfa(client, admin_user)


RunMesodesk = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_mesodesk(tmp_path: Path) -> RunMesodesk:
    """Runs the installed `mesodesk` command to completion, its data folder in tmp_path."""

    def run(*args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(MESODESK), *args],
            env=mesodesk_env(tmp_path / "var", **env),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


@pytest.fixture(autouse=True)
def _photos_in_a_folder_of_the_test(
    settings: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Photos a test takes are written to a folder of its own, never to var/media."""
    folder = tmp_path_factory.getbasetemp() / "photos" / uuid.uuid4().hex
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }


@pytest.fixture(autouse=True)
def _clear_signed_records_before_the_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test on a committed database (a live server) is flushed afterwards; on SQLite the
    flush is a DELETE, which the charting triggers refuse for signed records (migration
    charting 0004), the safety ones for adverse events (safety 0003) and the outcomes
    triggers for every score (outcomes 0002). This clears those tables with the triggers
    dropped for a moment, before the flush (asking for `transactional_db` here makes it
    tear down after this)."""
    names = request.fixturenames
    if "transactional_db" not in names and "live_server" not in names:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return  # PostgreSQL's flush is a TRUNCATE, which fires no row trigger
    locked = importlib.import_module("mesodesk.charting.migrations.0004_signed_records_locked")
    events = importlib.import_module("mesodesk.safety.migrations.0003_events_locked")
    scores = importlib.import_module("mesodesk.outcomes.migrations.0002_scores_append_only")
    with connection.cursor() as cursor:
        # Adverse events first: they point at the administrations cleared below.
        for name, _ in events.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for table in (events.FOLLOW_UP, events.SUSPECT, events.EVENT, events.REPORT):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the migration's constants
        for _, statement in events.SQLITE_TRIGGERS:
            cursor.execute(statement)
        for name, _ in (*locked.SQLITE_TRIGGERS, *scores.SQLITE_TRIGGERS):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        # Scores first (and the photos they were read from): they point at the appointments
        # the records point at.
        cursor.execute(f"DELETE FROM {scores.TABLE}_photos_read")  # noqa: S608 - as above
        cursor.execute(f"DELETE FROM {scores.TABLE}")  # noqa: S608 - the migration's constant
        for table in (locked.POINT, locked.ADDENDUM, locked.ADMINISTRATION, locked.RECORD):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the migration's constants
        for _, statement in (*locked.SQLITE_TRIGGERS, *scores.SQLITE_TRIGGERS):
            cursor.execute(statement)
