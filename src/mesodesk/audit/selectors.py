"""Reads of the access log, and where a request came from."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest

from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic


def access_log(clinic: Clinic, patient: object | None = None) -> QuerySet[AccessEvent]:
    """The clinic's access events (only those about `patient`, if given), newest first."""
    qs = AccessEvent.objects.filter(clinic=clinic)
    if patient is not None:
        qs = qs.filter(patient=patient)
    return qs.select_related("user", "patient").order_by("-at", "-id")


def _valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from: REMOTE_ADDR.

    X-Forwarded-For is believed only when settings.MESODESK_TRUSTED_PROXIES (a number, 0 by
    default) says how many proxies of ours stand in front: the address that many hops from
    the right is the client's. Anything else would let a client write its own address.
    """
    proxies = int(getattr(settings, "MESODESK_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return _valid_ip(hops[-proxies])
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))
