"""What every FHIR endpoint shares: the bearer token that says who calls and for which
clinic, FHIR JSON answers, and errors as OperationOutcome resources with their status.

The same tokens as `/api/v1` (`mesodesk api-token`): a token acts for one staff member of
one clinic, so every resource is looked up in that clinic only (another clinic's id is a
404, as an unknown id) and the member's role decides which types they read (the front
desk reads no clinical type: 403).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from mesodesk.accounts.access import attach_api_token
from mesodesk.accounts.services import authenticate_api_token
from mesodesk.fhir.registry import Context, Resource

FHIR_JSON = "application/fhir+json"
FHIR_NDJSON = "application/fhir+ndjson"
BASE_PATH = "/fhir/r4"


class FhirError(Exception):
    """An answer that is an OperationOutcome: `status` (HTTP), `code` (the issue type of
    http://hl7.org/fhir/issue-type, e.g. "not-found", "invalid", "login") and what went
    wrong in words."""

    def __init__(self, status: int, code: str, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics


def respond(
    data: Resource, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    """A FHIR JSON answer."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type=f"{FHIR_JSON}; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> Resource:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


def outcome(status: int, code: str, diagnostics: str) -> HttpResponse:
    """An error answer: an OperationOutcome with one issue."""
    response = respond(operation_outcome(code, diagnostics), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="mesodesk FHIR"'
    return response


def base_url(request: HttpRequest) -> str:
    """The server's base as the caller reached it, for absolute links (`next`, `fullUrl`,
    the export's manifest): behind a proxy, as the proxy's forwarded host and scheme say
    (settings.USE_X_FORWARDED_HOST, SECURE_PROXY_SSL_HEADER)."""
    return request.build_absolute_uri(BASE_PATH)


def authenticate(request: HttpRequest) -> Context:
    """The caller's context from `Authorization: Bearer …`; FhirError 401 without a valid
    token. The token's user becomes the request's user, as in the JSON API."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise FhirError(401, "login", "A bearer token is needed (mesodesk api-token).")
    token = authenticate_api_token(raw.strip())
    if token is None:
        raise FhirError(401, "login", "The token is unknown, revoked or no longer valid.")
    attach_api_token(request, token)
    membership = token.membership  # type: ignore[attr-defined]  # set by authenticate_api_token
    return Context(clinic=token.clinic, member=membership, base=base_url(request))


def fhir_view[**P](
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A FHIR endpoint: no CSRF (bearer tokens, no cookies), and every refusal an
    OperationOutcome — FhirError as it says, Http404 404, PermissionDenied 403."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except FhirError as error:
            return outcome(error.status, error.code, error.diagnostics)
        except Http404 as error:
            return outcome(404, "not-found", str(error) or "No such resource.")
        except PermissionDenied as error:
            return outcome(403, "forbidden", str(error) or "Your role does not read this.")

    return wrapped


def json_body(request: HttpRequest) -> Any:
    """The request's JSON body; FhirError 400 when it is not JSON."""
    try:
        return json.loads(request.body or b"null")
    except ValueError as error:
        raise FhirError(400, "invalid", f"The body is not JSON: {error}") from error
