"""Signal receivers of the accounts app: they hand over to the services."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver
from django.http import HttpRequest

from mesodesk.accounts.models import User
from mesodesk.accounts.services import start_mfa_session


@receiver(authenticator_added, dispatch_uid="mesodesk.accounts.totp_activated")
def totp_activated(
    sender: Any, *, request: HttpRequest, user: User, authenticator: Authenticator, **_: Any
) -> None:
    """allauth sends this once an authenticator is activated (after the commit)."""
    start_mfa_session(request=request, user=user, authenticator=authenticator)
