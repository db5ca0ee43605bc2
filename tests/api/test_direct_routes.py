"""A read of one row by token answered without django-ninja's operation (api.direct) must
answer every request exactly as django-ninja's own route did: the same status, body and
content type, and the same access events, whether the direct route answers it (a GET with
a well-formed bearer token on PostgreSQL) or passes it on (anything else). Which of the
two answered is seen by a spy on `answer_checked` that calls the real one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from ninja import Router

from mesodesk.accounts.models import User
from mesodesk.api import direct
from mesodesk.api.auth import checked_by_read_only, token_checked_by_read
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic, Room
from mesodesk.inventory.models import Lot
from mesodesk.scheduling.models import Appointment
from tests.api.conftest import API, signed_in
from tests.api.test_token_checked_by_read import book
from tests.inventory.conftest import cocktail, lot

__all__ = ["cocktail", "lot"]
UNKNOWN = "mdk_" + "x" * 43


@pytest.fixture
def booked(clinic: Clinic, fiona: User, pedro: User, room: Room, at: Callable) -> Appointment:
    return book(clinic, fiona, pedro, room, at("10:00"))


@pytest.fixture
def answered_directly(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the direct route answered itself (through the real `answer_checked`)."""
    paths: list[str] = []
    real = direct.answer_checked

    def spy(request: HttpRequest, *args: Any) -> Any:
        paths.append(request.path)
        return real(request, *args)

    monkeypatch.setattr(direct, "answer_checked", spy)
    return paths


def answer(client: Client, method: str, path: str, token: str | None) -> tuple[Any, ...]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    before = set(AccessEvent.objects.values_list("pk", flat=True))
    response = client.generic(method, path, headers=headers)
    events = [
        (e.clinic_id, e.user_id, e.patient_id, e.action, e.object_type, e.object_id, e.path)
        for e in AccessEvent.objects.exclude(pk__in=before).order_by("pk")
    ]
    return response.status_code, response.get("Content-Type"), response.content, events


def both(
    client: Client, method: str, path: str, token: str | None, spied: list[str], *, directly: bool
) -> list[tuple[Any, ...]]:
    """The answer through the direct route, then through django-ninja's own; the direct
    route answered the first itself when `directly` (on PostgreSQL), and never the second."""
    direct_answer = answer(client, method, path, token)
    assert len(spied) == (1 if directly and connection.vendor == "postgresql" else 0)
    with override_settings(ROOT_URLCONF="tests.api.urls_ninja_only"):
        ninja_answer = answer(client, method, path, token)
    assert len(spied) <= 1
    spied.clear()
    return [direct_answer, ninja_answer]


@pytest.mark.parametrize(
    ("method", "tail", "given", "status", "directly"),
    [
        ("GET", "{id}", "token", 200, True),
        ("GET", "{missing}", "token", 404, True),
        ("GET", "0{id}", "token", 200, True),  # a leading zero: the same id
        ("GET", "{id}", "unknown", 401, True),
        ("GET", "{id}", "not-a-token", 401, False),
        ("GET", "{id}", None, 401, False),
        ("GET", "not-a-number", "token", 422, False),
        ("GET", "not-a-number", "unknown", 401, False),
        ("GET", "-1", "token", 404, False),
        # Beyond a bigint: a 422 on SQLite, no such row on PostgreSQL, as before.
        ("GET", "9" * 30, "token", None, False),
        ("POST", "{id}", "token", 405, False),
        ("HEAD", "{id}", "token", 405, False),
    ],
)
@pytest.mark.parametrize("resource", ["appointments", "lots"])
def test_every_request_is_answered_as_by_django_ninja(
    booked: Appointment,
    lot: Lot,
    token: str,
    resource: str,
    method: str,
    tail: str,
    given: str | None,
    status: int | None,
    directly: bool,
    answered_directly: list[str],
) -> None:
    caller = {"token": token, "unknown": UNKNOWN}.get(given or "", given)
    row = booked if resource == "appointments" else lot
    path = f"{API}/lindenhof/{resource}/" + tail.format(id=row.pk, missing=row.pk + 99)
    direct_answer, ninja_answer = both(
        Client(), method, path, caller, answered_directly, directly=directly
    )
    assert status is None or direct_answer[0] == status
    assert direct_answer == ninja_answer


def test_a_read_logs_one_event_either_way(
    booked: Appointment, token: str, answered_directly: list[str]
) -> None:
    direct_answer, ninja_answer = both(
        Client(),
        "GET",
        f"{API}/lindenhof/appointments/{booked.pk}",
        token,
        answered_directly,
        directly=True,
    )
    assert len(direct_answer[3]) == 1
    assert direct_answer[3] == ninja_answer[3]


def test_another_clinic_s_token_and_path_answer_as_before(
    other_clinic: Clinic, booked: Appointment, token: str, answered_directly: list[str]
) -> None:
    # Lindenhof's token on Harbour's path, and on a clinic that does not exist.
    for slug in ("harbour", "no-such-clinic"):
        path = f"{API}/{slug}/appointments/{booked.pk}"
        direct_answer, ninja_answer = both(
            Client(), "GET", path, token, answered_directly, directly=True
        )
        assert direct_answer[0] == 404
        assert direct_answer == ninja_answer


@pytest.mark.parametrize("header", [None, UNKNOWN])
def test_a_signed_in_session_reads_as_before(
    fiona: User, booked: Appointment, header: str | None, answered_directly: list[str]
) -> None:
    # Without a token, or with a stale one beside the session (the session then reads,
    # after the direct route's read found no such token).
    direct_answer, ninja_answer = both(
        signed_in(fiona),
        "GET",
        f"{API}/lindenhof/appointments/{booked.pk}",
        header,
        answered_directly,
        directly=header is not None,
    )
    assert direct_answer[0] == 200
    assert direct_answer == ninja_answer


def test_the_read_of_one_appointment_has_a_route_of_its_own(
    booked: Appointment, token: str
) -> None:
    path = f"{API}/lindenhof/appointments/{booked.pk}"
    headers = {"Authorization": f"Bearer {token}"}
    response = Client().get(path, headers=headers)
    assert response.status_code == 200
    assert response.resolver_match is not None
    assert response.resolver_match.func.__name__ == "direct"
    # Without it, django-ninja's; and its neighbours are django-ninja's as before.
    # (The test client resolves `resolver_match` when it is read: inside the block.)
    with override_settings(ROOT_URLCONF="tests.api.urls_ninja_only"):
        response = Client().get(path, headers=headers)
        assert response.resolver_match is not None
        assert response.resolver_match.func.__name__ == "sync_view_wrapper"
    response = Client().get(f"{path}/reminders", headers=headers)
    assert response.resolver_match is not None
    assert response.resolver_match.func.__name__ == "sync_view_wrapper"


def test_only_a_get_marked_token_checked_by_read_alone_is_answered_directly() -> None:
    with pytest.raises(ImproperlyConfigured, match="only a GET"):

        @Router().post("/things/{thing_id}")
        @direct.answered_directly
        def post_thing(request: HttpRequest, thing_id: int) -> HttpResponse:
            return HttpResponse()

    router = Router()

    @router.get("/plain/{thing_id}")
    @direct.answered_directly
    def plain(request: HttpRequest, thing_id: int) -> HttpResponse:
        return HttpResponse()

    @router.get("/checked/{thing_id}")
    @token_checked_by_read
    @direct.answered_directly
    def checked(request: HttpRequest, thing_id: int) -> HttpResponse:
        return HttpResponse()

    assert not checked_by_read_only(direct._marked.pop(plain))
    assert checked_by_read_only(direct._marked.pop(checked))


def test_only_a_view_of_the_path_s_plain_parameters_returning_its_response() -> None:
    path = "/things/{thing_id}"

    def with_query(request: HttpRequest, thing_id: int, day: str) -> HttpResponse:
        return HttpResponse()

    def with_default(request: HttpRequest, thing_id: int = 1) -> HttpResponse:
        return HttpResponse()

    def constrained(request: HttpRequest, thing_id: Annotated[int, "ge=1"]) -> HttpResponse:
        return HttpResponse()

    def optional(request: HttpRequest, thing_id: int | None) -> HttpResponse:
        return HttpResponse()

    def returning_data(request: HttpRequest, thing_id: int) -> dict[str, int]:
        return {}

    def fine(request: HttpRequest, thing_id: int) -> HttpResponse:
        return HttpResponse()

    with pytest.raises(ImproperlyConfigured, match="other parameters than the path's"):
        direct._integer_parameters(with_query, path)
    for view in (with_default, constrained, optional):
        with pytest.raises(ImproperlyConfigured, match="not a plain str or int"):
            direct._integer_parameters(view, path)
    with pytest.raises(ImproperlyConfigured, match="must return its HttpResponse"):
        direct._integer_parameters(returning_data, path)  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="other parameters than the path's"):
        direct._integer_parameters(fine, "/things/{int:thing_id}")
    assert direct._integer_parameters(fine, path) == {"thing_id"}
