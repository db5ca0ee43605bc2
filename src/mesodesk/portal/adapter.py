"""allauth's account adapter: where a patient lands after signing in."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse

from mesodesk.audit.selectors import client_ip
from mesodesk.patients.selectors import portal_records


class AccountAdapter(DefaultAccountAdapter):
    """Sends a patient to their clinic's portal after signing in (staff: the default), and
    gives allauth (rate limits, notification mails) the client's address as the access log
    sees it, behind the trusted proxies of MESODESK_TRUSTED_PROXIES."""

    def get_client_ip(self, request: HttpRequest) -> str:
        ip = client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        record = portal_records(request.user).first()  # type: ignore[arg-type]
        if record is not None:
            return reverse("portal:home", kwargs={"clinic_slug": record.clinic.slug})
        return super().get_login_redirect_url(request)
