"""allauth's account adapter: where a patient lands after signing in, how passwords are
checked, and how allauth's e-mails are addressed and signed."""

from __future__ import annotations

from email.utils import formataddr, parseaddr
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse

from mesodesk.audit.selectors import client_ip
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.patients.models import Patient
from mesodesk.patients.selectors import portal_records
from mesodesk.portal.models import PendingSignup

PRODUCT = "mesodesk"


def sender_name(email: str) -> str:
    """The clinic an e-mail address belongs to, by name: the clinic it is signing up at,
    has a portal record at, or is the staff of (when just one); else mesodesk."""
    address = email.strip()
    ids = PendingSignup.objects.filter(user__email__iexact=address).values("clinic_id")
    ids = ids.union(
        Patient.objects.filter(portal_user__email__iexact=address, merged_into__isnull=True).values(
            "clinic_id"
        ),
        Membership.objects.filter(user__email__iexact=address).values("clinic_id"),
    )
    names = list(Clinic.objects.filter(pk__in=ids).values_list("name", flat=True)[:2])
    return names[0] if len(names) == 1 else PRODUCT


class AccountAdapter(DefaultAccountAdapter):
    """Sends a patient to their clinic's portal after signing in (staff: the default), and
    gives allauth (rate limits, notification mails) the client's address as the access log
    sees it, behind the trusted proxies of MESODESK_TRUSTED_PROXIES."""

    def get_client_ip(self, request: HttpRequest) -> str:
        ip = client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def clean_password(self, password: str, user: AbstractBaseUser | None = None) -> str:
        """Django's password validators (AUTH_PASSWORD_VALIDATORS, at least 12 characters
        among them), every problem reported at once. allauth's own length check first
        would stop at "too short" alone."""
        validate_password(password, user)  # type: ignore[arg-type]  # allauth passes our User
        return password

    # --- allauth's e-mails: from the patient's clinic (mesodesk where none applies) ---

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Every allauth e-mail names who sends it: the clinic the address signed up at or
        is a patient or member of, else mesodesk (`sender_name` in the templates, the
        subject's prefix and the From header's name)."""
        self._sender_name = sender_name(email)
        context = {**context, "sender_name": self._sender_name}
        try:
            super().send_mail(template_prefix, email, context)
        finally:
            self._sender_name = ""

    def format_email_subject(self, subject: str) -> str:
        return f"{getattr(self, '_sender_name', '') or PRODUCT}: {subject}"

    def get_from_email(self) -> str:
        """DEFAULT_FROM_EMAIL's address under the sender's name ("Lindenhof Aesthetics
        <noreply@clinic.example.org>")."""
        _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        name = getattr(self, "_sender_name", "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[0]
        return formataddr((name, address)) if name else address

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        record = portal_records(request.user).first()  # type: ignore[arg-type]
        if record is not None:
            return reverse("portal:home", kwargs={"clinic_slug": record.clinic.slug})
        return super().get_login_redirect_url(request)
