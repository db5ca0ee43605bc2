"""allauth's account adapter: where a patient lands after signing in."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from mesodesk.patients.selectors import portal_records


class AccountAdapter(DefaultAccountAdapter):
    """Sends a patient to their clinic's portal after signing in (staff: the default)."""

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        record = portal_records(request.user).first()  # type: ignore[arg-type]
        if record is not None:
            return reverse("portal:home", kwargs={"clinic_slug": record.clinic.slug})
        return super().get_login_redirect_url(request)
