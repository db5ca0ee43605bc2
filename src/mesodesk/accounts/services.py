"""Every change to users and API tokens goes through these functions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import cache
from typing import cast

from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import F, Model
from django.http import HttpRequest
from django.utils import timezone

from mesodesk import rows
from mesodesk.accounts.models import ApiToken, User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership

TOKEN_PREFIX = "mdk_"  # noqa: S105 - a marker, not a secret
# Longer than any token we make; a longer "token" is refused before it is hashed.
_MAX_TOKEN_LENGTH = 100
# Writing last_used_at on every API call would turn each read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


@transaction.atomic
def create_user(
    *,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """A new user; `password=None` makes an account that cannot sign in with a password.

    Whoever creates an account here (an admin, a command, the demo) vouches for its e-mail
    address, so it is recorded as verified; people who sign up themselves go through
    allauth's sign-up, which verifies the address by mail before the first sign-in.
    """
    user = User.objects.create_user(
        email,
        password,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    record_verified_email(user=user)
    return user


@transaction.atomic
def record_verified_email(*, user: User) -> EmailAddress:
    """Records `user.email` as the user's verified primary address for allauth (after an
    admin created the account or changed its address)."""
    EmailAddress.objects.filter(user=user, primary=True).exclude(email=user.email).update(
        primary=False
    )
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return address


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_api_token(*, clinic: Clinic, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for a staff member of `clinic`, and the token itself.

    The token is returned this once and never stored (only its SHA-256), so it cannot be
    shown again. ValidationError if the user is inactive or not staff of the clinic.
    """
    if not user.is_active:
        raise ValidationError({"user": f"{user.email} is deactivated."})
    if not Membership.objects.filter(clinic=clinic, user=user).exists():
        raise ValidationError({"user": f"{user.email} is not staff at {clinic.slug}."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        clinic=clinic, user=user, name=name.strip(), prefix=raw[:8], digest=_digest(raw)
    )
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User) -> ApiToken:
    """Stops the token from working, for good. Its owner, an admin of its clinic or a site
    administrator may do this (PermissionDenied otherwise); revoking again changes nothing."""
    may_revoke = (
        token.user_id == by.pk
        or by.is_superuser
        or Membership.objects.filter(clinic_id=token.clinic_id, user=by, role=Role.ADMIN).exists()
    )
    if not may_revoke:
        raise PermissionDenied("Only the token's owner or a clinic admin may revoke it.")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
        locked.save(update_fields=["revoked_at", "revoked_by"])
    token.revoked_at, token.revoked_by = locked.revoked_at, locked.revoked_by
    return token


def api_token_digest(raw: str) -> str | None:
    """What the token `raw` is found by, its SHA-256 (so the look-up's timing says nothing
    about any stored token); None for what cannot be a token, which is never looked up."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > _MAX_TOKEN_LENGTH:
        return None
    return _digest(raw)


def authenticate_api_token(raw: str) -> ApiToken | None:
    """The token that `raw` is, with its clinic, its user and, as `token.membership`, the
    user's membership of that clinic; None when it is unknown, revoked, or its user is
    deactivated or no longer staff of the token's clinic.

    One query (`api_token_sql`): the membership is joined on (clinic, user), so the
    endpoint that asks who the caller is in the clinic (accounts.access.
    staff_membership_by_slug) needs none. Notes the time of use, at most once a minute.
    """
    digest = api_token_digest(raw)
    return None if digest is None else api_token_by_digest(digest)


def api_token_by_digest(digest: str) -> ApiToken | None:
    """As `authenticate_api_token`, for the token whose digest `api_token_digest` gave."""
    db = router.db_for_read(ApiToken)
    found = rows.fetch(api_token_sql(db), api_token_params(digest), db)
    return api_token_from_row(found[0], digest, db) if found else None


def api_token_params(digest: str) -> list[object]:
    """The parameters of `api_token_sql`, in order."""
    return [digest, True]


# What a read that checks its token in its own statement (audit.services.
# fetch_read_checking_token) leaves unread of the token's rows: columns no such read
# uses, deferred (read on first use, as the ORM's `defer` leaves them). They were a third
# of the statement's columns, and the timestamps and the opening hours (JSON) are the ones
# that cost most to load: a Python loader each, per row (issue 15).
CHECKED_BY_READ_WITHOUT: dict[type[Model], tuple[str, ...]] = {
    ApiToken: ("created_at", "revoked_at"),
    Clinic: ("opening_hours", "created_at", "updated_at"),
    User: ("password", "last_login", "date_joined"),
    Membership: ("created_at", "updated_at"),
}
_TOKEN_MODELS = (ApiToken, Clinic, User, Membership)


def _without(checked_by_read: bool) -> Mapping[type[Model], tuple[str, ...]]:
    return CHECKED_BY_READ_WITHOUT if checked_by_read else {}


# Not atomic on purpose: it runs on every API call, and on SQLite an atomic block takes the
# write lock (transaction_mode IMMEDIATE); the one write is a single UPDATE.
def api_token_from_row(
    row: Sequence[object], digest: str, db: str, *, checked_by_read: bool = False
) -> ApiToken | None:
    """The token whose `api_token_sql` columns (with the same `checked_by_read`) begin
    `row`, with its clinic, user and membership (as `authenticate_api_token` returns it),
    its use noted; None unless its digest is `digest`."""
    found = rows.load_all([row], *_TOKEN_MODELS, db=db, without=_without(checked_by_read))
    token, clinic, user, membership = cast(tuple[ApiToken, Clinic, User, Membership], found[0])
    if not hmac.compare_digest(token.digest, digest):
        return None
    # Read with the token, by the same ids (as select_related leaves them).
    for instance in (token, membership):
        rows.attach(instance, "clinic", clinic)
        rows.attach(instance, "user", user)
    token.membership = membership  # type: ignore[attr-defined]
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@cache
def api_token_width(db: str, *, checked_by_read: bool = False) -> int:
    """How many columns `api_token_sql` selects."""
    without = _without(checked_by_read)
    return sum(
        rows.shape(model, db, without.get(model, ())).width for model in _TOKEN_MODELS
    ) + len(_TOKEN_NAMED)


# The columns `api_token_sql` adds under names of their own, after the models' columns.
_TOKEN_NAMED = ("token_clinic", "token_user", "token_clinic_slug")


@cache
def api_token_sql(db: str, *, checked_by_read: bool = False) -> str:
    """The token with its clinic, its active user and the user's membership of the clinic
    (parameters: `api_token_params`); after their columns, under names of their own for a
    statement that checks the token on its way (audit.services.fetch_read_checking_token),
    the token's clinic and user ids and the clinic's slug. With `checked_by_read`, for such
    a statement: without the columns `CHECKED_BY_READ_WITHOUT` names.

    Plain SQL made once from the models (mesodesk.rows): it runs on every API call, and
    building it through the ORM cost three times what running it does."""
    t, c, u, m = (rows.table(model, db) for model in _TOKEN_MODELS)
    selected = rows.columns_of(
        (ApiToken, "t"),
        (Clinic, "c"),
        (User, "u"),
        (Membership, "m"),
        db=db,
        without=_without(checked_by_read),
    )
    return (
        f"SELECT {selected}, t.clinic_id AS token_clinic, t.user_id AS token_user,"  # noqa: S608 - names from the models, values as parameters
        f" c.slug AS token_clinic_slug FROM {t} t"
        f" JOIN {c} c ON c.id = t.clinic_id"
        f" JOIN {u} u ON u.id = t.user_id"
        f" JOIN {m} m ON m.clinic_id = t.clinic_id AND m.user_id = t.user_id"
        " WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active = %s"
    )


@transaction.atomic
def start_mfa_session(*, request: HttpRequest, user: User, authenticator: Authenticator) -> None:
    """After `user` activated `authenticator` (TOTP) in `request`'s session: records in that
    session that it passed MFA, and signs the user out of every other session.

    The activation proved a code from the new authenticator, so this session has passed
    MFA; allauth's activation records nothing, and without the record the session would
    be sent to set up TOTP again (accounts.access.session_passed_mfa). The record is the one
    allauth's own sign-in stage writes (`record_authentication`, method "mfa").

    Other sessions of the user were opened without the second factor (the user had none),
    so they end: raising `session_generation` changes the session hash that Django checks
    on every request. This session gets the new hash (and a new key).
    """
    if authenticator.type != Authenticator.Type.TOTP or user.pk != request.user.pk:
        return
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    if request.user is not user:
        request.user.session_generation = user.session_generation
    record_authentication(
        request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True
    )
    update_session_auth_hash(request, user)
