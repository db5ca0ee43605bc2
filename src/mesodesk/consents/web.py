"""What the staff and portal consent pages share: the request's origin, the PDF response."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from mesodesk.accounts.models import User
from mesodesk.audit.selectors import client_ip
from mesodesk.consents import selectors
from mesodesk.consents.models import SignedConsent
from mesodesk.consents.services import Origin


def origin(request: HttpRequest, channel: str, collected_by: User | None) -> Origin:
    """Where a signature comes from, read from the request (never from the form)."""
    return Origin(
        channel=channel,
        collected_by=collected_by,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
    )


def pdf_response(consent: SignedConsent) -> HttpResponse:
    """The stored PDF, as it is (the bytes whose SHA-256 was kept at signing)."""
    response = HttpResponse(selectors.pdf_bytes(consent), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="consent-{consent.pk}.pdf"'
    response["X-Content-SHA256"] = consent.sha256
    return response
