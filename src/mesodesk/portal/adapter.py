"""allauth's account adapter: where a patient lands after signing in, how passwords are
checked, and how allauth's e-mails are addressed and signed."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.http import HttpRequest
from django.urls import reverse

from mesodesk.patients.selectors import portal_records


class AccountAdapter(DefaultAccountAdapter):
    """Sends a patient to their clinic's portal after signing in (staff: the default)."""

    def clean_password(self, password: str, user: AbstractBaseUser | None = None) -> str:
        """Django's password validators (AUTH_PASSWORD_VALIDATORS, at least 12 characters
        among them), every problem reported at once. allauth's own length check first
        would stop at "too short" alone."""
        validate_password(password, user)
        return password

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        record = portal_records(request.user).first()  # type: ignore[arg-type]
        if record is not None:
            return reverse("portal:home", kwargs={"clinic_slug": record.clinic.slug})
        return super().get_login_redirect_url(request)
