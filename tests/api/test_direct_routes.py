"""A read of one row by token answered without django-ninja's operation (api.direct) must
answer every request exactly as django-ninja's own route did: the same status, body and
content type, and the same access events, whether the direct route answers it (a GET with
a bearer token on PostgreSQL) or passes it on (anything else)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from ninja import Router

from mesodesk.accounts.models import User
from mesodesk.api import direct
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic, Room
from mesodesk.scheduling.models import Appointment
from tests.api.conftest import API, signed_in
from tests.api.test_token_checked_by_read import book

UNKNOWN = "mdk_" + "x" * 43


@pytest.fixture
def booked(clinic: Clinic, fiona: User, pedro: User, room: Room, at: Callable) -> Appointment:
    return book(clinic, fiona, pedro, room, at("10:00"))


def answer(client: Client, method: str, path: str, token: str | None) -> tuple[Any, ...]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    before = set(AccessEvent.objects.values_list("pk", flat=True))
    response = client.generic(method, path, headers=headers)
    events = [
        (e.clinic_id, e.user_id, e.patient_id, e.action, e.object_type, e.object_id, e.path)
        for e in AccessEvent.objects.exclude(pk__in=before).order_by("pk")
    ]
    return response.status_code, response.get("Content-Type"), response.content, events


def both(client: Client, method: str, path: str, token: str | None) -> list[tuple[Any, ...]]:
    """The answer through the direct route, then through django-ninja's own."""
    direct_answer = answer(client, method, path, token)
    with override_settings(ROOT_URLCONF="tests.api.urls_ninja_only"):
        ninja_answer = answer(client, method, path, token)
    return [direct_answer, ninja_answer]


@pytest.mark.parametrize(
    ("method", "tail", "given", "status"),
    [
        ("GET", "{id}", "token", 200),
        ("GET", "{missing}", "token", 404),
        ("GET", "0{id}", "token", 200),  # a leading zero: the same id
        ("GET", "{id}", "unknown", 401),
        ("GET", "{id}", "not-a-token", 401),
        ("GET", "{id}", None, 401),
        ("GET", "not-a-number", "token", 422),
        ("GET", "not-a-number", "unknown", 401),
        ("GET", "-1", "token", 404),
        # Beyond a bigint: a 422 on SQLite, no such row on PostgreSQL, as before.
        ("GET", "9" * 30, "token", None),
        ("POST", "{id}", "token", 405),
        ("HEAD", "{id}", "token", 405),
    ],
)
def test_every_request_is_answered_as_by_django_ninja(
    booked: Appointment,
    token: str,
    method: str,
    tail: str,
    given: str | None,
    status: int | None,
) -> None:
    caller = {"token": token, "unknown": UNKNOWN}.get(given or "", given)
    path = f"{API}/lindenhof/appointments/" + tail.format(id=booked.pk, missing=booked.pk + 99)
    direct_answer, ninja_answer = both(Client(), method, path, caller)
    assert status is None or direct_answer[0] == status
    assert direct_answer == ninja_answer


def test_a_read_logs_one_event_either_way(booked: Appointment, token: str) -> None:
    direct_answer, ninja_answer = both(
        Client(), "GET", f"{API}/lindenhof/appointments/{booked.pk}", token
    )
    assert len(direct_answer[3]) == 1
    assert direct_answer[3] == ninja_answer[3]


def test_another_clinic_s_token_and_path_answer_as_before(
    other_clinic: Clinic, booked: Appointment, token: str
) -> None:
    # Lindenhof's token on Harbour's path, and on a clinic that does not exist.
    for slug in ("harbour", "no-such-clinic"):
        direct_answer, ninja_answer = both(
            Client(), "GET", f"{API}/{slug}/appointments/{booked.pk}", token
        )
        assert direct_answer[0] == 404
        assert direct_answer == ninja_answer


@pytest.mark.parametrize("header", [None, UNKNOWN])
def test_a_signed_in_session_reads_as_before(
    fiona: User, booked: Appointment, header: str | None
) -> None:
    # Without a token, or with a stale one beside the session (the session then reads).
    direct_answer, ninja_answer = both(
        signed_in(fiona), "GET", f"{API}/lindenhof/appointments/{booked.pk}", header
    )
    assert direct_answer[0] == 200
    assert direct_answer == ninja_answer


def test_the_read_of_one_appointment_is_routed_directly(booked: Appointment, token: str) -> None:
    response = Client().get(
        f"{API}/lindenhof/appointments/{booked.pk}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert response.resolver_match is not None
    assert response.resolver_match.func.__name__ == "direct"
    # Its neighbours are django-ninja's as before.
    response = Client().get(
        f"{API}/lindenhof/appointments/{booked.pk}/reminders",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.resolver_match is not None
    assert response.resolver_match.func.__name__ != "direct"


def test_only_a_get_of_path_parameters_returning_its_response_may_be_answered_directly() -> None:
    with pytest.raises(ImproperlyConfigured, match="only a GET"):

        @Router().post("/things/{thing_id}")
        @direct.answered_directly
        def post_thing(request: HttpRequest, thing_id: int) -> HttpResponse:
            return HttpResponse()

    def with_query(request: HttpRequest, thing_id: int, day: str | None = None) -> HttpResponse:
        return HttpResponse()

    def returning_data(request: HttpRequest, thing_id: int) -> dict[str, int]:
        return {}

    with pytest.raises(ImproperlyConfigured, match="day is not a str or an int"):
        direct._integer_parameters(with_query)
    with pytest.raises(ImproperlyConfigured, match="must return its HttpResponse"):
        direct._integer_parameters(returning_data)  # type: ignore[arg-type]
