"""While a staff session is handed to a patient on the tablet, it shows only the consent.

`views_staff.hand_over` puts the tablet's state in the session; until the staff member
gives their authenticator code (`tablet_return`), every other page of the site (staff,
admin, portal, API) answers with a redirect back to the consent screen, so the patient
cannot wander into the workspace.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

TABLET = "consent_tablet"


class TabletLockMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        state = session.get(TABLET) if session is not None else None
        if isinstance(state, dict) and isinstance(state.get("clinic"), str):
            screen = reverse("workspace:consent_tablet", args=[state["clinic"]])
            back = reverse("workspace:consent_return", args=[state["clinic"]])
            if request.path not in (screen, back) and not request.path.startswith("/static/"):
                return HttpResponseRedirect(screen)
        return self.get_response(request)
