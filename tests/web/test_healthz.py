"""The health check that load balancers ask: an answer without the database."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

pytestmark = pytest.mark.django_db


def test_it_answers_ok_without_a_query(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert response["Content-Type"] == "text/plain"
    assert "no-store" in response["Cache-Control"].split(", ")


def test_it_sets_no_cookie(client: Client) -> None:
    assert not client.get("/healthz").cookies


def test_it_refuses_a_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
