"""The home page, the site's icon, and the health check of load balancers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from mesodesk.cli import CLINIC_COMMANDS, CORE_COMMANDS
from mesodesk.protocols.selectors import latest_protocol_version
from mesodesk.web import demo


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """ "ok" while the process answers: for load balancers and uptime checks, asked often,
    so it reads no database, session or template (a broken database shows on every other
    page). The floor of the HTTP benchmark (benchmarks/http.py)."""
    response = HttpResponse(b"ok\n", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico: the site's icon (web/favicon.svg), for browsers that ask there."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What mesodesk is, what runs now, and (under `mesodesk demo`) the demo logins."""
    in_demo = bool(request.META.get(demo.ENVIRON_KEY))
    response = render(
        request,
        "web/home.html",
        {
            "protocol_version": latest_protocol_version(),
            "clinic_commands": CLINIC_COMMANDS.items(),
            "core_commands": [(name, text) for name, (_, text) in CORE_COMMANDS.items()],
            "demo_logins": demo.DEMO_STAFF if in_demo else (),
            "demo_password": demo.DEMO_PASSWORD if in_demo else "",
            "demo_clinic_name": demo.DEMO_CLINIC_NAME,
            "demo_clinic_slug": demo.DEMO_CLINIC_SLUG,
            "totp_seconds_left": demo.seconds_left() if in_demo else 0,
        },
    )
    if in_demo:
        # The TOTP codes change every 30 seconds: never show a stale one from a cache.
        response["Cache-Control"] = "no-store"
    return response
