"""Signing in as a person would, and TOTP codes computed here, independently of allauth.

Other apps' tests may use `give_totp` to make a staff member pass `staff_membership`
without walking through allauth's activation pages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.test import Client
from django.urls import reverse

from mesodesk.accounts.models import User

PASSWORD = "correct horse battery"  # the shared cast's password (tests/conftest.py)


def totp_code(secret: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The RFC 6238 code (HMAC-SHA1) of a base32 `secret` at time `at` (now if None)."""
    key = base64.b32decode(secret, casefold=True)
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def give_totp(user: User) -> str:
    """Activates a TOTP authenticator for `user` directly in the database; its secret."""
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}
    )
    return secret


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: str) -> Any:
    """POSTs allauth's sign-in form; the response."""
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def signed_in_user_id(client: Client) -> str | None:
    """The id of the user the client's session is signed in as, if any."""
    return client.session.get("_auth_user_id")
