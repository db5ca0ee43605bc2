"""Reads of users and their authenticators."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Min

from mesodesk.accounts.access import memberships_read_with
from mesodesk.accounts.models import User
from mesodesk.clinics.models import Membership


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
    read = memberships_read_with(user)
    minutes: int | None
    if read is not None:
        # Read with the session's user (accounts.access.user_with_memberships): no query.
        timeouts = [m.clinic.idle_timeout_minutes for m in read.values()]
        minutes = min((t for t in timeouts if t is not None), default=None)
    else:
        minutes = Membership.objects.filter(user=user).aggregate(
            minutes=Min("clinic__idle_timeout_minutes")
        )["minutes"]
    if minutes is None and user.is_staff:
        return SITE_ADMIN_IDLE_TIMEOUT_MINUTES
    return minutes
