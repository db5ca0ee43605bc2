"""Signing in as a person would, and TOTP codes computed here, independently of allauth.

A staff member passes `staff_membership` (and the admin) only with TOTP AND a session that
gave a code. The accounts tests walk allauth's real pages for that (`sign_in` + TOTP code);
other apps' tests, which need many signed-in clients, use `sign_in_with_mfa` (a client)
or `record_mfa` (a RequestFactory request): see `record_mfa` for what they write.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import time
from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.http import HttpRequest
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


def _totp_of(user: User) -> Authenticator:
    found = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if found is None:
        give_totp(user)
        found = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return found


def record_mfa(request: HttpRequest, user: User) -> None:
    """Notes in `request.session` that `user` gave a TOTP code in it, giving them TOTP
    first if they have none.

    It writes what allauth's own sign-in stage writes after a correct code
    (allauth.mfa.base.internal.flows.post_authentication → `record_authentication`, method
    "mfa"), through the same function, so the session looks exactly as after the real
    pages; it skips the password and code requests, which cost several requests and depend
    on the 30-second TOTP step. The real flow is tested in tests/accounts/test_mfa_sessions.
    """
    authenticator = _totp_of(user)
    request.user = user
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)


def sign_in_with_mfa(client: Client, user: User) -> Client:
    """Signs `client` in as `user` in a session that passed MFA (see `record_mfa`)."""
    client.force_login(user)
    session = client.session  # a new store object each time it is read: keep this one
    request = HttpRequest()
    request.session = session
    record_mfa(request, user)
    session.save()
    return client


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: str) -> Any:
    """POSTs allauth's sign-in form; the response."""
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def signed_in_user_id(client: Client) -> str | None:
    """The id of the user the client's session is signed in as, if any."""
    return client.session.get("_auth_user_id")


SECRET_FIELD = re.compile(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+=*)"')


def activate_totp(client: Client) -> str:
    """Activates TOTP through allauth's pages for the signed-in client; the secret.

    allauth sends `authenticator_added` after the commit: a test that needs what the
    receiver does in the session must commit for real (`django_db(transaction=True)`).
    """
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    secret = SECRET_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    return secret
