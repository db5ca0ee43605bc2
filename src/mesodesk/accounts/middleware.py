"""Sessions end when left idle (staff) and, for everyone, some hours after signing in."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url

from mesodesk.accounts.selectors import staff_idle_timeout_minutes

if TYPE_CHECKING:
    from mesodesk.accounts.models import User

logger = logging.getLogger(__name__)

# Session keys: when the user signed in and was last active (seconds since the epoch), and
# the idle timeout in minutes that applies to them (None: not staff, no idle timeout).
SIGNED_IN_AT = "mesodesk.signed_in_at"
LAST_ACTIVE_AT = "mesodesk.last_active_at"
IDLE_TIMEOUT = "mesodesk.idle_timeout_minutes"

# Noting every request would save the session on every request; once a minute is enough.
# The timeout is read again at the same moments, so a clinic's new setting applies within
# a minute. A session may therefore end up to a minute early, never late.
TOUCH_EVERY_SECONDS = 60

# The JSON API answers 401 itself to a request whose session has ended; it is not sent to
# the sign-in page.
API_PATH_PREFIX = "/api/"


class IdleTimeoutMiddleware:
    """Signs a staff member out after their clinic's idle timeout and anyone out
    SESSION_COOKIE_AGE after signing in, then sends them to the sign-in page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            reason = self._expiry_reason(request, now)
            if reason:
                return self._sign_out(request, reason)
            self._touch(request, now)
        response = self.get_response(request)
        if (
            request.user.is_authenticated
            and getattr(request, "api_token", None) is None
            and SIGNED_IN_AT not in request.session
        ):
            # Just signed in (this request was the sign-in): start the clocks. Not for a
            # call made with an API token: its user is the token's (mesodesk.api.auth), no
            # one signed in, and the session would be a new row in every such call.
            self._touch(request, time.time())
        return response

    def _expiry_reason(self, request: HttpRequest, now: float) -> str | None:
        session = request.session
        signed_in_at = session.get(SIGNED_IN_AT)
        if signed_in_at is not None and now - signed_in_at > settings.SESSION_COOKIE_AGE:
            return "Your session has ended. Please sign in again."
        last_active_at = session.get(LAST_ACTIVE_AT)
        minutes = session.get(IDLE_TIMEOUT)
        if last_active_at is not None and minutes and now - last_active_at > minutes * 60:
            return f"You were signed out after {minutes} minutes without activity."
        return None

    def _touch(self, request: HttpRequest, now: float) -> None:
        session = request.session
        session.setdefault(SIGNED_IN_AT, now)
        last_active_at = session.get(LAST_ACTIVE_AT)
        if last_active_at is None or now - last_active_at >= TOUCH_EVERY_SECONDS:
            session[LAST_ACTIVE_AT] = now
            # Touched for signed-in users only (the caller checks).
            session[IDLE_TIMEOUT] = staff_idle_timeout_minutes(user=cast("User", request.user))

    def _sign_out(self, request: HttpRequest, reason: str) -> HttpResponse:
        logger.info("session of user %s ended: %s", request.user.pk, reason)
        path = request.get_full_path()
        logout(request)
        if request.path.startswith(API_PATH_PREFIX):
            return self.get_response(request)
        messages.info(request, reason, fail_silently=True)
        if request.headers.get("HX-Request"):
            # htmx would swap the sign-in page into a fragment; ask it to navigate instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        if request.method in {"GET", "HEAD"}:
            return redirect_to_login(path)
        # What was posted is lost; coming back to a POST-only address would fail.
        return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))
