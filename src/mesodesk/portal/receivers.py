"""Signal receivers of the portal: they hand over to the services."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from mesodesk.portal.services import complete_signup


@receiver(email_confirmed, dispatch_uid="mesodesk.portal.email_confirmed")
def signup_verified(sender: Any, *, email_address: EmailAddress, **_: Any) -> None:
    """allauth sends this when someone follows the link in the verification e-mail."""
    complete_signup(user=email_address.user)
