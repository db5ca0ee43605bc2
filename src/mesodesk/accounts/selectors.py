"""Reads of users."""

from __future__ import annotations

from mesodesk.accounts.models import User


def user_by_email(*, email: str) -> User | None:
    """The user with this e-mail address (case-insensitive), if any."""
    return User.objects.filter(email__iexact=email.strip()).first()
