"""What every endpoint does first: find the caller's membership of the clinic in the URL."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer

from mesodesk.accounts.access import staff_membership_by_slug
from mesodesk.api.schemas import Error
from mesodesk.clinics.models import Clinic, Membership

if TYPE_CHECKING:
    from mesodesk.accounts.models import User


def responses(ok: object, *extra: int, status: int = 200) -> dict[int, object]:
    """The answers of an endpoint: its success and the documented 4xx (401, 403, 404,
    422, and any `extra` such as 409), all as `Error`."""

    out: dict[int, object] = {status: ok}
    for code in (401, 403, 404, 422, *extra):
        out[code] = Error
    return out


def member(request: HttpRequest, clinic: str) -> Membership:
    """The caller's membership of the clinic `clinic` (a slug): 404 for outsiders and for
    clinics that do not exist, 403 without MFA. Endpoints limited to some roles call
    `require_role` after fetching their object, so another clinic's id stays a 404."""
    return staff_membership_by_slug(request, clinic)


def caller(request: HttpRequest) -> User:
    """The signed-in staff member making the call (the API's authentication admits no one
    else: an anonymous request is a 401 before any endpoint runs)."""
    return cast("User", request.user)


def local(instant: datetime | None, clinic: Clinic) -> datetime | None:
    """An instant in the clinic's zone, as people there read it."""
    return None if instant is None else instant.astimezone(ZoneInfo(clinic.time_zone))


_RENDERER = JSONRenderer()


def rendered(request: HttpRequest, data: object, *, status: int = 200) -> HttpResponse:
    """`data`, already in the shape of the endpoint's response schema, rendered as ninja
    renders a validated answer (the same encoder, content type and charset) but without
    validating it once more: for lists built from typed columns, where validating each
    row through the schema cost more than reading it. Tests hold every such answer to its
    schema (tests/api/test_rendered_answers.py)."""
    return HttpResponse(
        _RENDERER.render(request, data, response_status=status),
        status=status,
        content_type=f"{_RENDERER.media_type}; charset={_RENDERER.charset}",
    )
