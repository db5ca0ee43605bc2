"""Reads of users and their authenticators."""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from mesodesk.accounts.access import memberships_of
from mesodesk.accounts.models import User


def user_by_email(*, email: str) -> User | None:
    """The user with this e-mail address (case-insensitive), if any."""
    return User.objects.filter(email__iexact=email.strip()).first()


def has_totp(*, user: User) -> bool:
    """Whether the user has activated a TOTP authenticator (an authenticator app)."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# For site administrators who work at no clinic: the admin site can show clinic data too.
SITE_ADMIN_IDLE_TIMEOUT_MINUTES = 15


def staff_idle_timeout_minutes(*, user: User) -> int | None:
    """Minutes of inactivity after which the user's session ends: the smallest idle timeout
    of the clinics they work at; None for someone who is staff nowhere (a patient)."""
    # Read with the session's user, no query of their own (accounts.access.memberships_of).
    timeouts = [m.clinic.idle_timeout_minutes for m in memberships_of(user).values()]
    minutes = min((t for t in timeouts if t is not None), default=None)
    if minutes is None and user.is_staff:
        return SITE_ADMIN_IDLE_TIMEOUT_MINUTES
    return minutes
