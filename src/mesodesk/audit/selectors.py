"""Reads of the access log, and where a request came from."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import QuerySet
from django.dispatch import receiver
from django.http import HttpRequest

from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def access_log(clinic: Clinic, patient: Patient | None = None) -> QuerySet[AccessEvent]:
    """The clinic's access events (only those about `patient`, if given), newest first."""
    qs = AccessEvent.objects.filter(clinic=clinic)
    if patient is not None:
        qs = qs.filter(patient=patient)
    return qs.select_related("user", "patient").order_by("-at", "-id")


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[Network]
) -> bool:
    return any(address in network for network in proxies)


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, for the access log and sign-in rate limits.

    The peer (REMOTE_ADDR), unless it is one of settings.MESODESK_TRUSTED_PROXIES: then
    X-Forwarded-For is read from the right (each proxy appends the address it saw), past
    our own proxies, to the first address none of them holds, which is the client's. A
    peer that is not a trusted proxy cannot name another address, and the entries to the
    left of the first untrusted one (anything a client wrote itself) are never read.
    """
    return _client_ip(
        request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", "")
    )


# Kept per peer and header (a few of each in service; bounded for any others), until the
# trusted proxies change: parsing the addresses was a tenth of the Python of a one-row
# read by the API (issue 15).
@lru_cache(maxsize=256)
def _client_ip(peer_text: str, forwarded: str) -> str | None:
    proxies = settings.MESODESK_TRUSTED_PROXIES
    peer = _address(peer_text)
    if peer is None or not _trusted(peer, proxies):
        return str(peer) if peer is not None else None
    client = peer
    for hop in reversed(forwarded.split(",")):
        if not hop.strip():
            continue
        address = _address(hop)
        if address is None:
            break  # garbled by someone before our proxies: keep the last address we trust
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)


@receiver(setting_changed)
def _forget_client_ips(*, setting: str, **kwargs: object) -> None:
    if setting == "MESODESK_TRUSTED_PROXIES":
        _client_ip.cache_clear()
