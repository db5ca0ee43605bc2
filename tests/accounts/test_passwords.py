"""Passwords are hashed with Argon2 outside the test suite (which uses MD5 for speed)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.test import Client

import mesodesk.settings as project_settings
from mesodesk.accounts.services import create_user
from tests.accounts.helpers import sign_in, signed_in_user_id

ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_comes_first_in_the_projects_own_settings() -> None:
    # The module itself: tests/conftest.py replaces the hashers only in the live settings.
    assert project_settings.PASSWORD_HASHERS[0] == ARGON2


def test_a_new_password_is_stored_as_an_argon2id_hash(db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = create_user(email="nadia@example.org", password="a long passphrase here")
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("a long passphrase here")


def test_an_older_hash_becomes_argon2_at_the_next_sign_in(
    client: Client, db: None, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = create_user(email="nadia@example.org", password=None)
    user.password = make_password("a long passphrase here", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    sign_in(client, "nadia@example.org", "a long passphrase here")
    assert signed_in_user_id(client) == str(user.pk)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
