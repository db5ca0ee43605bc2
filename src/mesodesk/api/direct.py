"""Token-checked reads of one row answered without django-ninja's operation (issue 15).

A GET of one row by id with a bearer token on PostgreSQL is the API's cheapest read: one
statement answers it (api.common.read_one). Around that statement,
django-ninja's operation (finding it among the path's methods, its authentication, its
parsing of the path's parameters, its temporary response) and its route among the API's
eighty cost 0.11-0.15 ms of a 1.5 ms answer over HTTP, measured with two servers
interleaved.

An endpoint marked `answered_directly` (below `token_checked_by_read`) also gets a
Django route of its own, ahead of the API's and with the very same path. That route
answers only what the endpoint's read checks the token of: a GET with a bearer token, on
PostgreSQL, whose id parameters are plain digits. It calls the endpoint's view as
django-ninja's operation does (the same error handlers, the token checked before anything
is answered: `auth.answer_checked`). Every other request (another method, a session, a
malformed token, SQLite, an id that is not digits) goes to django-ninja's own view for
the path, unchanged: its 405, 401, 422 and session answers stay its own.

The endpoint's view takes only the path's parameters, each a `str` or an `int`, and
returns its HttpResponse itself (api.common.rendered), as ninja's operation would pass
it on; the routes check this when they are made.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from typing import Any, get_type_hints

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import URLPattern, URLResolver, path
from ninja import NinjaAPI
from ninja.operation import Operation
from ninja.utils import contribute_operation_callback, normalize_path, replace_path_param_notation

from mesodesk.api.auth import answer_checked, bearer_digest_to_check, checked_by_read_only

View = Callable[..., HttpResponse]

# The endpoints marked `answered_directly`: their view and its operation, as registered.
_marked: dict[View, Operation] = {}

_PATH_PARAMETER = re.compile(r"{([^}]*)}")


def answered_directly[V: Callable[..., Any]](view: V) -> V:
    """Marks a GET endpoint that reads one row with `api.common.read_one`, marked
    `token_checked_by_read` too: requests whose token that read checks are answered by
    a route of its own (`routes`), without django-ninja's operation."""

    def contribute(operation: Operation) -> None:
        if operation.methods != ["GET"]:
            raise ImproperlyConfigured(f"{view.__qualname__}: only a GET is answered directly")
        _marked[view] = operation

    contribute_operation_callback(view, contribute)
    return view


def routes(api: NinjaAPI, ninja_patterns: Sequence[URLPattern | URLResolver]) -> list[URLPattern]:
    """The routes of the endpoints marked `answered_directly`, relative to where `api` is
    mounted, for the URL configuration to try before `ninja_patterns` (the first part of
    `api.urls`, mounted at the same place; `api` adds its routers with no prefix).
    ImproperlyConfigured, at start-up, for an endpoint its route would not answer as
    django-ninja's operation does."""
    by_route: dict[str, Callable[..., HttpResponseBase]] = {}
    for pattern in ninja_patterns:
        if isinstance(pattern, URLPattern):
            # The first of a route is the one Django resolves.
            by_route.setdefault(str(pattern.pattern), pattern.callback)
    made = []
    for view, operation in _marked.items():
        name = view.__qualname__
        if not checked_by_read_only(operation):
            raise ImproperlyConfigured(
                f"{name}: only an endpoint marked token_checked_by_read, with no other"
                " authentication, throttle or decorator, is answered directly"
            )
        # As django-ninja makes the route of an operation of a router added with "".
        route = replace_path_param_notation(normalize_path(operation.path)).lstrip("/")
        ninja_view = by_route.get(route)
        if ninja_view is None:
            raise ImproperlyConfigured(f"{name}: no route {route!r} in the API")
        made.append(path(route, _direct_view(api, view, ninja_view, operation.path)))
    return made


def _direct_view(
    api: NinjaAPI, view: View, ninja_view: Callable[..., HttpResponseBase], operation_path: str
) -> Callable[..., HttpResponseBase]:
    integers = _integer_parameters(view, operation_path)

    def direct(request: HttpRequest, **given: str) -> HttpResponseBase:
        if request.method == "GET" and all(_digits(given[name]) for name in integers):
            digest = bearer_digest_to_check(request)
            if digest is not None:
                values: dict[str, Any] = {
                    name: int(value) if name in integers else value for name, value in given.items()
                }
                return answer_checked(request, digest, api, lambda: view(request, **values))
        return ninja_view(request, **given)

    # As django-ninja's views: a bearer token needs no CSRF token, a session's is checked
    # by its operation (the session's requests all go there).
    direct.csrf_exempt = True  # type: ignore[attr-defined]
    return direct


def _integer_parameters(view: View, operation_path: str) -> frozenset[str]:
    """The names of `view`'s `int` parameters. ImproperlyConfigured unless `view` takes
    the request and then exactly the parameters of `operation_path`, each a plain `str`
    or `int` with no default and no constraint (those, a query's or a body's would need
    django-ninja's parsing), and returns its HttpResponse itself."""
    name = view.__qualname__
    hints = get_type_hints(view, include_extras=True)
    if hints.get("return") is not HttpResponse:
        raise ImproperlyConfigured(f"{name}: must return its HttpResponse")
    in_path = _PATH_PARAMETER.findall(operation_path)
    parameters = list(inspect.signature(view).parameters.values())[1:]
    if sorted(p.name for p in parameters) != sorted(in_path):
        raise ImproperlyConfigured(f"{name}: takes other parameters than the path's {in_path}")
    integers = set()
    for parameter in parameters:
        kind = hints.get(parameter.name)
        if parameter.default is not inspect.Parameter.empty or kind not in (int, str):
            raise ImproperlyConfigured(
                f"{name}: {parameter.name} is not a plain str or int of the path"
            )
        if kind is int:
            integers.add(parameter.name)
    return frozenset(integers)


def _digits(value: str) -> bool:
    # What django-ninja reads as the same int: ASCII digits, no sign, no spaces, no "_";
    # 18 at most, for PostgreSQL's bigint. Anything else is ninja's to answer.
    return value.isascii() and value.isdigit() and len(value) <= 18
