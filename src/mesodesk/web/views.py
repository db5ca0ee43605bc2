"""The home page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from mesodesk.cli import CLINIC_COMMANDS, CORE_COMMANDS
from mesodesk.protocols.selectors import latest_protocol_version
from mesodesk.web import demo


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What mesodesk is, what runs now, and (under `mesodesk demo`) the demo logins."""
    in_demo = bool(request.META.get(demo.ENVIRON_KEY))
    return render(
        request,
        "web/home.html",
        {
            "protocol_version": latest_protocol_version(),
            "clinic_commands": CLINIC_COMMANDS.items(),
            "core_commands": [(name, text) for name, (_, text) in CORE_COMMANDS.items()],
            "demo_logins": demo.DEMO_STAFF if in_demo else (),
            "demo_password": demo.DEMO_PASSWORD if in_demo else "",
            "demo_clinic_name": demo.DEMO_CLINIC_NAME,
        },
    )
