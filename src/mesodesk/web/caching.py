"""Nothing mesodesk renders is kept by a browser's or a proxy's cache."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """Adds `Cache-Control: private, no-store` to every response the application makes.

    Charts, schedules, API answers, the portal's outcome and timeline carry patient data,
    and a shared computer's browser cache or a proxy must not keep them. Marking every
    response, rather than those of a list of views, means a new page cannot forget. Static
    files never get here: WhiteNoise, before this middleware, answers them with its own
    far-future caching. A view's own directives (`no-cache`, say) are kept beside these.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response
