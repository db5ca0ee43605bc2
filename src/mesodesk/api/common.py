"""What every endpoint does first: find the caller's membership of the clinic in the URL
(with the row it reads, for a read of one row)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from django.db import router
from django.http import Http404, HttpRequest, HttpResponse
from ninja.renderers import JSONRenderer

from mesodesk.accounts.access import staff_membership_by_slug
from mesodesk.accounts.services import api_token_from_row, api_token_width
from mesodesk.api.auth import accept_checked_token, check_token_now, token_to_check
from mesodesk.api.schemas import Error
from mesodesk.audit.models import AccessEvent
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import (
    ListedRead,
    RowRead,
    fetch_listed_checking_token,
    fetch_read,
    fetch_read_checking_token,
)
from mesodesk.clinics.models import Clinic, Membership

Row = tuple[Any, ...]

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
    check_token_now(request)
    return staff_membership_by_slug(request, clinic)


def read_one(request: HttpRequest, clinic: str, read: RowRead) -> tuple[Membership, Row | None]:
    """The caller's membership of the clinic `clinic` (as `member`: the same 401 and 404s)
    and the row of that clinic `read` selects, None when it has none, with the access event
    of the caller reading it (audit.services.fetch_read).

    On an endpoint marked `token_checked_by_read`, on PostgreSQL, a bearer token is
    checked in the read's own statement: token, row and event in one round trip."""
    # Logged as a record's reads are (the chart's, a patient's): with its query string.
    path = request.get_full_path()
    digest = token_to_check(request)
    if digest is not None and "\x00" not in request.path:
        # (A NUL, which PostgreSQL refuses in text, names no clinic: the token is checked
        # first, by `member` below, and the answer is its 401 or the 404.)
        found = fetch_read_checking_token(
            digest=digest,
            clinic_slug=clinic,
            read=read,
            ip=client_ip(request),
            path=path,
        )
        db = router.db_for_write(AccessEvent)
        token = api_token_from_row(found[0], digest, db, checked_by_read=True) if found else None
        accept_checked_token(request, token)
        if token is not None:
            if token.clinic.slug != clinic:
                raise Http404("No such clinic.")
            row = found[0][api_token_width(db, checked_by_read=True) :]
            # The LEFT JOIN's NULLs when the clinic has no such row (a row has its id).
            present = any(value is not None for value in row)
            return token.membership, row if present else None  # type: ignore[attr-defined]
        # Not a valid token, but a signed-in session (accept_checked_token): as below.
    membership = member(request, clinic)
    sql, params = read.in_clinic(membership.clinic)
    found = fetch_read(
        clinic=membership.clinic,
        user=request.user,
        model=read.model,
        sql=sql,
        params=params,
        patient_column=read.patient_column,
        ip=client_ip(request),
        path=path,
    )
    return membership, found[0] if found else None


def read_listed(
    request: HttpRequest, clinic: str, listed: ListedRead
) -> tuple[Membership, Row | None, list[Row]] | None:
    """For an endpoint marked `token_checked_by_read` that lists several patients' rows
    of the clinic `clinic` (a day): with a bearer token on PostgreSQL, the token's check,
    the list and its access event in one statement (audit.services.
    fetch_listed_checking_token). The caller's membership (the same 401 and 404 as
    `member`), the context's row (None: the request is refused, nothing was listed or
    logged) and the rows listed.

    None when there is no token for the list to check (a signed-in session, or not
    PostgreSQL; a token that is not valid leaves the session): the endpoint then lists as
    any other, after `member`."""
    digest = token_to_check(request)
    if digest is None or "\x00" in request.path:
        # (A NUL names no clinic: `member` checks the token first, as in `read_one`.)
        return None
    found = fetch_listed_checking_token(
        digest=digest,
        clinic_slug=clinic,
        listed=listed,
        ip=client_ip(request),
        path=request.path,
    )
    db = router.db_for_write(AccessEvent)
    token = api_token_from_row(found[0], digest, db, checked_by_read=True) if found else None
    accept_checked_token(request, token)
    if token is None:
        return None
    if token.clinic.slug != clinic:
        raise Http404("No such clinic.")
    start = api_token_width(db, checked_by_read=True)
    end = start + listed.context_width
    context = found[0][start:end]
    listed_rows = [row[end:] for row in found[1:]]
    present = context[0] is not None
    return token.membership, context if present else None, listed_rows  # type: ignore[attr-defined]


def caller(request: HttpRequest) -> User:
    """The signed-in staff member making the call (the API's authentication admits no one
    else: an anonymous request is a 401 before any endpoint runs)."""
    return cast("User", request.user)


def local(instant: datetime | None, clinic: Clinic) -> datetime | None:
    """An instant in the clinic's zone, as people there read it."""
    return None if instant is None else instant.astimezone(ZoneInfo(clinic.time_zone))


_RENDERER = JSONRenderer()
# The renderer's encoder, made once: its `render` (json.dumps with `cls`) makes a new one,
# with the same defaults, for every answer. Encoding keeps no state between calls.
_ENCODER = _RENDERER.encoder_class(**_RENDERER.json_dumps_params)
_CONTENT_TYPE = f"{_RENDERER.media_type}; charset={_RENDERER.charset}"


def rendered(request: HttpRequest, data: object, *, status: int = 200) -> HttpResponse:
    """`data`, already in the shape of the endpoint's response schema, rendered as ninja
    renders a validated answer (the same encoder, content type and charset) but without
    validating it once more: for lists built from typed columns, where validating each
    row through the schema cost more than reading it. Tests hold every such answer to its
    schema (tests/api/test_rendered_answers.py)."""
    # In bytes: a text answer would be encoded after looking up its charset once more.
    content = _ENCODER.encode(data).encode(_RENDERER.charset)
    return HttpResponse(content, status=status, content_type=_CONTENT_TYPE)
