"""Staff sessions end after the clinic's idle timeout; every session ends SESSION_COOKIE_AGE
after signing in."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member, update_clinic_settings
from tests.accounts.helpers import sign_in, signed_in_user_id

MINUTE = 60
# A page that needs a signed-in user and sends others to the sign-in page.
PAGE = "mfa_index"


def visit(client: Client) -> Any:
    return client.get(reverse(PAGE))


def assert_still_signed_in(client: Client, user: User) -> None:
    response = visit(client)
    assert response.status_code == 200
    assert signed_in_user_id(client) == str(user.pk)


def assert_signed_out_to_the_sign_in_page(client: Client) -> None:
    response = visit(client)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={reverse(PAGE)}"
    assert signed_in_user_id(client) is None


def test_a_staff_session_ends_after_16_idle_minutes(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    assert_still_signed_in(client, pedro)
    clock.shift(16 * MINUTE)
    assert_signed_out_to_the_sign_in_page(client)


def test_the_sign_in_page_says_why_the_session_ended(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    clock.shift(16 * MINUTE)
    page = client.get(reverse(PAGE), follow=True)
    assert "You were signed out after 15 minutes without activity." in page.text


def test_a_staff_session_survives_14_idle_minutes_and_each_visit_restarts_the_clock(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    for _ in range(4):
        clock.shift(14 * MINUTE)
        assert_still_signed_in(client, pedro)


def test_a_clinic_with_a_30_minute_timeout_keeps_the_session_at_16_minutes(
    client: Client, clinic: Clinic, pedro: User, clock: time_machine.Traveller
) -> None:
    update_clinic_settings(clinic=clinic, idle_timeout_minutes=30)
    sign_in(client, "pedro@lindenhof.test")
    clock.shift(16 * MINUTE)
    assert_still_signed_in(client, pedro)
    clock.shift(31 * MINUTE)
    assert_signed_out_to_the_sign_in_page(client)


@pytest.mark.parametrize("joined_after_sign_in", [False, True])
def test_staff_of_two_clinics_get_the_shorter_timeout(
    client: Client,
    clinic: Clinic,
    other_clinic: Clinic,
    pedro: User,
    clock: time_machine.Traveller,
    joined_after_sign_in: bool,
) -> None:
    update_clinic_settings(clinic=clinic, idle_timeout_minutes=30)
    update_clinic_settings(clinic=other_clinic, idle_timeout_minutes=10)
    if not joined_after_sign_in:
        add_member(clinic=other_clinic, user=pedro, role=Role.PRACTITIONER)
    sign_in(client, "pedro@lindenhof.test")
    if joined_after_sign_in:
        # The sign-in's user comes from the sign-in form; a visit a minute later reads the
        # timeout again, from the memberships read with the session's user.
        add_member(clinic=other_clinic, user=pedro, role=Role.PRACTITIONER)
        clock.shift(MINUTE + 1)
        assert_still_signed_in(client, pedro)
    clock.shift(11 * MINUTE)
    assert_signed_out_to_the_sign_in_page(client)


def test_someone_who_is_staff_nowhere_has_no_idle_timeout(
    client: Client, db: None, clock: time_machine.Traveller
) -> None:
    patient = create_user(email="nadia@example.org", password="a long passphrase here")
    sign_in(client, "nadia@example.org", "a long passphrase here")
    clock.shift(3 * 60 * MINUTE)
    assert_still_signed_in(client, patient)


def test_a_site_administrator_who_works_at_no_clinic_has_the_default_idle_timeout(
    client: Client, db: None, clock: time_machine.Traveller
) -> None:
    create_user(email="root@example.org", password="a long passphrase here", is_staff=True)
    sign_in(client, "root@example.org", "a long passphrase here")
    clock.shift(16 * MINUTE)
    assert_signed_out_to_the_sign_in_page(client)


def test_every_session_ends_session_cookie_age_after_signing_in_however_active(
    client: Client, db: None, clock: time_machine.Traveller, settings: Any
) -> None:
    settings.SESSION_COOKIE_AGE = 60 * MINUTE
    patient = create_user(email="nadia@example.org", password="a long passphrase here")
    sign_in(client, "nadia@example.org", "a long passphrase here")
    for _ in range(5):
        clock.shift(10 * MINUTE)
        assert_still_signed_in(client, patient)
    clock.shift(11 * MINUTE)
    assert_signed_out_to_the_sign_in_page(client)


def test_a_form_posted_after_the_timeout_goes_to_the_sign_in_page_without_next(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    clock.shift(16 * MINUTE)
    response = client.post(reverse("account_email"), {"email": "x@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert signed_in_user_id(client) is None


def test_htmx_is_told_to_load_the_sign_in_page_instead_of_swapping_it_in(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    clock.shift(16 * MINUTE)
    response = client.get(reverse(PAGE), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("account_login")


def test_an_api_request_after_the_timeout_is_not_redirected_but_answered_anonymously(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    clock.shift(16 * MINUTE)
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code != 302
    assert signed_in_user_id(client) is None


def test_the_session_is_saved_and_the_timeout_read_at_most_once_a_minute(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    visit(client)

    def statements_of_a_visit() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            visit(client)
        return [query["sql"] for query in queries.captured_queries]

    def memberships_read(statements: list[str]) -> list[str]:
        return [sql for sql in statements if "clinics_membership" in sql]

    clock.shift(20)
    within_the_minute = statements_of_a_visit()
    assert not [sql for sql in within_the_minute if sql.startswith("UPDATE")]
    # The memberships come with the session's user, in its statement only.
    (users,) = memberships_read(within_the_minute)
    assert "accounts_user" in users

    clock.shift(41)
    a_minute_later = statements_of_a_visit()
    assert [sql for sql in a_minute_later if sql.startswith("UPDATE")]
    # The timeout comes from the memberships read with the session's user (accounts.
    # access.user_with_memberships), not from a statement of its own.
    (users,) = memberships_read(a_minute_later)
    assert "accounts_user" in users
