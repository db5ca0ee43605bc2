"""Reads of the access log, and where a request came from."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest

from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def access_log(clinic: Clinic, patient: Patient | None = None) -> QuerySet[AccessEvent]:
    """The clinic's access events (only those about `patient`, if given), newest first."""
    qs = AccessEvent.objects.filter(clinic=clinic)
    if patient is not None:
        qs = qs.filter(patient=patient)
    return qs.select_related("user", "patient").order_by("-at", "-id")


# No address is longer, with an IPv6 zone (45 characters and an interface's name).
_LONGEST_ADDRESS = 64


def _address(text: str) -> Address | None:
    """The address `text` names, without an IPv6 zone (as the access log's field stores
    it), or None."""
    text = text.strip()
    if len(text) > _LONGEST_ADDRESS:
        return _parsed.__wrapped__(text)
    return _parsed(text)


# Kept per text, the peer's or a proxy's hop (a few in service; at most 256 others, each
# short): parsing them was a tenth of the Python of a one-row read by the API (issue 15).
@lru_cache(maxsize=256)
def _parsed(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        # "fe80::1%eth0": the zone names an interface of one host, not the client.
        return ipaddress.IPv6Address(int(address))
    return address


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, for the access log and sign-in rate limits.

    The peer (REMOTE_ADDR), unless it is one of settings.MESODESK_TRUSTED_PROXIES: then
    X-Forwarded-For is read from the right (each proxy appends the address it saw), past
    our own proxies, to the first address none of them holds, which is the client's. A
    peer that is not a trusted proxy cannot name another address, and the entries to the
    left of the first untrusted one (anything a client wrote itself) are never read.
    """
    proxies = settings.MESODESK_TRUSTED_PROXIES
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None or not _trusted(peer, proxies):
        return str(peer) if peer is not None else None
    client = peer
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        if not hop.strip():
            continue
        address = _address(hop)
        if address is None:
            break  # garbled by someone before our proxies: keep the last address we trust
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)
