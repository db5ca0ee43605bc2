"""The sign-in backends, reading the signed-in user of a session in plain SQL.

Every page a signed-in person opens loads their user from the session's id first. Django's
backends build that query through the ORM each time, which cost several times what the
database's work does (DESIGN 12); these read it with `mesodesk.rows`, the statement's
text made once from the model. Everything else, signing in included, is Django's and
allauth's own."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from mesodesk.accounts.access import user_with_memberships
from mesodesk.accounts.models import User


def _user(user_id: Any, backend: ModelBackend) -> User | None:
    try:
        pk = User._meta.pk.to_python(user_id)
    except Exception:
        return None
    # With their memberships, which a staff page asks next (accounts.access).
    user = user_with_memberships(pk)
    return user if user is not None and backend.user_can_authenticate(user) else None


class AdminBackend(ModelBackend):
    """Django's own backend, for the admin's login form."""

    def get_user(self, user_id: Any) -> User | None:
        return _user(user_id, self)


class EmailBackend(AuthenticationBackend):
    """allauth's backend: signs in by e-mail, in any case."""

    def get_user(self, user_id: Any) -> User | None:
        return _user(user_id, self)
