"""Every change to users goes through these functions."""

from __future__ import annotations

from django.db import transaction

from mesodesk.accounts.models import User


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
    """A new user; `password=None` makes an account that cannot sign in with a password."""
    return User.objects.create_user(
        email,
        password,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
