"""How API callers prove who they are: a bearer token, or the web session (with CSRF).

A bearer token is checked before the endpoint runs, in a statement of its own, except on
an endpoint marked `token_checked_by_read`: there the endpoint's one read checks it in the
same statement (api.common.read_one for one row, read_listed for a day's list), one round
trip instead of two (issue 15), and nothing leaves before the check has passed. Such a
read of one row may also be answered without django-ninja's operation (api.direct), with
the same checks (`answer_checked`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.operation import Operation
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import contribute_operation_callback

from mesodesk.accounts.access import attach_api_token
from mesodesk.accounts.models import ApiToken
from mesodesk.accounts.services import api_token_by_digest, api_token_digest
from mesodesk.audit.services import reads_check_tokens

# Where a token waits for the endpoint's read to check it: the request's attribute.
PENDING = "pending_api_token"


class TokenToCheck(str):
    """What the authentication of an endpoint marked `token_checked_by_read` answers for
    a bearer token: its digest, to be checked by the endpoint's read (a true value, as
    ninja asks of an authentication that lets the request through to the endpoint)."""


class BearerToken(HttpBearer):
    """`Authorization: Bearer TOKEN`, a token from `mesodesk api-token`."""

    openapi_scheme = "bearer"

    def __init__(self, *, checked_by_read: bool = False) -> None:
        super().__init__()
        self.checked_by_read = checked_by_read

    def __call__(self, request: HttpRequest) -> ApiToken | TokenToCheck | None:
        token = _bearer(request)
        return None if token is None else self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | TokenToCheck | None:
        digest = api_token_digest(token)
        if digest is None:
            return None
        if self.checked_by_read and reads_check_tokens():
            setattr(request, PENDING, digest)
            return TokenToCheck(digest)
        api_token = api_token_by_digest(digest)
        if api_token is not None:
            attach_api_token(request, api_token)
        return api_token


def _bearer(request: HttpRequest) -> str | None:
    """The token of `Authorization: Bearer TOKEN`, as HttpBearer reads it, but from the
    WSGI environ: `request.headers` would first copy every header of the request."""
    value = request.META.get("HTTP_AUTHORIZATION")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token if scheme.lower() == BearerToken.openapi_scheme else None


def bearer_digest_to_check(request: HttpRequest) -> str | None:
    """The digest of the request's bearer token when an endpoint marked
    `token_checked_by_read` leaves it to its read (a well-formed token, on PostgreSQL),
    as that endpoint's authentication would; else None."""
    token = _bearer(request)
    if token is None or not reads_check_tokens():
        return None
    return api_token_digest(token)


# The signed-in web session; unsafe methods need the CSRF token, as any form post.
session = SessionAuth()
bearer = BearerToken()
_bearer_checked_by_read = BearerToken(checked_by_read=True)


def token_to_check(request: HttpRequest) -> str | None:
    """The digest of the bearer token this request's endpoint is to check in its read
    (`token_checked_by_read`), or None."""
    digest: str | None = request.__dict__.get(PENDING)
    return digest


def accept_checked_token(request: HttpRequest, token: ApiToken | None) -> None:
    """After the endpoint's read checked the request's token: the request is the token's
    user's, or, for a token that is not valid, the signed-in web session's, as any other
    endpoint would have let it through. AuthenticationError (a 401) for neither."""
    del request.__dict__[PENDING]
    if token is not None:
        attach_api_token(request, token)
        request.auth = token  # type: ignore[attr-defined]  # as ninja sets it
        return
    user = session(request)
    if not user:
        raise AuthenticationError
    request.auth = user  # type: ignore[attr-defined]


def check_token_now(request: HttpRequest) -> None:
    """Checks the token left to the read in a statement of its own, for a request that
    needs the caller before (or without) that read: as `accept_checked_token`."""
    digest = token_to_check(request)
    if digest is not None:
        accept_checked_token(request, api_token_by_digest(digest))


def token_checked_by_read[View: Callable[..., Any]](view: View) -> View:
    """Marks an endpoint that reads one row by id with `api.common.read_one`, or a list
    with `api.common.read_listed` (below the router's decorator): a bearer token is
    checked by that read, in its statement.

    Whatever the endpoint answers, the token has been checked before the answer leaves:
    an answer given before the read (input refused, say) waits for the check as for any
    other endpoint, and becomes the 401 if the token is not valid."""

    def contribute(operation: Operation) -> None:
        operation.auth_param = [_bearer_checked_by_read, session]
        operation._set_auth(operation.auth_param)
        # Kept with the operation, as ninja's decorate_view keeps its decorators, so that
        # a copy of it (ninja copies a router's operations when it is mounted) has it too.
        run_decorators = operation.__dict__.setdefault("_run_decorators", [])
        run_decorators.append(_checked_before_answering)
        operation.run = _checked_before_answering(operation.run)  # type: ignore[method-assign]

    contribute_operation_callback(view, contribute)
    return view


def checked_by_read_only(operation: Operation) -> bool:
    """Whether `operation` is marked `token_checked_by_read` and has no authentication,
    throttle or run decorator besides (api.direct answers such an operation's reads)."""
    return (
        operation.auth_callbacks == [_bearer_checked_by_read, session]
        and not operation.throttle_objects
        and operation.__dict__.get("_run_decorators") == [_checked_before_answering]
    )


def _checked_before_answering(
    run: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    # The operation whose `run` this wraps (under any decorator of ninja's decorate_view).
    operation: Operation = inspect.unwrap(run).__self__

    @wraps(run)
    def checked(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        return _checked(request, operation.api, lambda: run(request, **kwargs))

    return checked


def answer_checked(
    request: HttpRequest, digest: str, api: NinjaAPI, answer: Callable[[], HttpResponse]
) -> HttpResponseBase:
    """What an endpoint marked `token_checked_by_read` answers to a request whose token's
    digest is `digest` (`bearer_digest_to_check`), its view called by `answer`, without
    django-ninja's operation (api.direct): as the operation does, an error is answered by
    `api`'s handlers, and the token is checked before anything is answered."""
    setattr(request, PENDING, digest)

    def run() -> HttpResponseBase:
        try:
            return answer()
        except Exception as error:
            return api.on_exception(request, error)

    return _checked(request, api, run)


def _checked(
    request: HttpRequest, api: NinjaAPI, run: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    try:
        answer = run()
    except Exception:
        # An error no handler answered (a 500): still the refusal for a caller whose
        # token is not valid, as when the token was checked first.
        refused = _refusal(request, api)
        if refused is not None:
            return refused
        raise
    refused = _refusal(request, api)
    return answer if refused is None else refused


def _refusal(request: HttpRequest, api: NinjaAPI) -> HttpResponseBase | None:
    """The answer refusing a request whose token its read did not check, when the
    token, checked now, lets it through no more than its session: a 401, or the
    session's 403 without its CSRF token. None when it is let through, or was checked."""
    try:
        check_token_now(request)
    except Exception as error:
        return api.on_exception(request, error)
    return None
