"""The home page."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from mesodesk.core.library import load_library
from mesodesk.web import demo

pytestmark = pytest.mark.django_db


def test_it_says_what_mesodesk_is_and_which_library_is_loaded(client: Client) -> None:
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "practice system for mesotherapy clinics" in page
    assert load_library().version in page
    for command in ("mesodesk demo", "mesodesk serve", "mesodesk screen", 'href="/admin/"'):
        assert command in page


def test_it_shows_the_demo_logins_only_when_the_demo_serves_it(client: Client) -> None:
    assert demo.DEMO_PASSWORD not in client.get("/").content.decode()
    page = client.get("/", **{demo.ENVIRON_KEY: True}).content.decode()
    assert demo.DEMO_PASSWORD in page
    for login in demo.DEMO_STAFF:
        assert login.email in page


def test_it_allows_no_inline_script_or_style(client: Client) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_it_takes_one_query(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        assert client.get("/").status_code == 200


def test_it_answers_only_reads(client: Client) -> None:
    assert client.post("/").status_code == 405


def test_the_demo_home_shows_each_logins_current_totp_code_and_links_to_staff(
    client: Client,
) -> None:
    before = demo.totp_code(demo.DEMO_TOTP_SECRET)
    response = client.get("/", **{demo.ENVIRON_KEY: True})
    after = demo.totp_code(demo.DEMO_TOTP_SECRET)
    page = response.content.decode()
    assert demo.DEMO_TOTP_SECRET in page
    assert before in page or after in page  # the code may turn over during the request
    assert 'href="/staff/"' in page
    assert "refresh this page for a new code" in page
    assert "no-store" in response["Cache-Control"].split(", ")
