"""Signing in through allauth's pages: e-mail and password, TOTP, rate limits, sign-up."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.test import Client
from django.urls import reverse

from mesodesk.accounts.models import User
from mesodesk.accounts.selectors import has_totp
from mesodesk.clinics.models import Clinic
from tests.accounts.helpers import (
    PASSWORD,
    SECRET_FIELD,
    activate_totp,
    sign_in,
    signed_in_user_id,
    totp_code,
)

PATIENTS = "/api/v1/clinics/lindenhof/patients"


def another_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_totp_helper_gives_the_codes_of_rfc_6238() -> None:
    # RFC 6238 appendix B, SHA-1: the ASCII secret "12345678901234567890", 8 digits.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp_code(secret, at=59, digits=8) == "94287082"
    assert totp_code(secret, at=1_111_111_109, digits=8) == "07081804"
    assert totp_code(secret, at=2_000_000_000, digits=8) == "69279037"


def test_staff_sign_in_with_their_e_mail_address_and_password(client: Client, pedro: User) -> None:
    response = sign_in(client, "Pedro@Lindenhof.test")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) == str(pedro.pk)


def test_a_wrong_password_does_not_sign_in(client: Client, pedro: User) -> None:
    response = sign_in(client, "pedro@lindenhof.test", "not the password")
    assert response.status_code == 200
    assert "not correct" in response.text
    assert signed_in_user_id(client) is None


# Commits for real: allauth reports the activation after the commit, and the session that
# activated TOTP is then recorded as having passed MFA (accounts.services.start_mfa_session).
@pytest.mark.django_db(transaction=True)
def test_activating_totp_through_allauth_then_sign_in_asks_for_the_code(
    client: Client, clinic: Clinic, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    # allauth asks for the password again before an authenticator is added.
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    confirmed = client.post(asked["Location"], {"password": PASSWORD})
    assert confirmed["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    match = SECRET_FIELD.search(page.text)
    assert match, "the activation page shows the secret for typing into an app"
    secret = match.group(1)

    code = totp_code(secret)
    refused = client.post(reverse("mfa_activate_totp"), {"code": another_code(code)})
    assert refused.status_code == 200
    assert not has_totp(user=pedro)

    activated = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert activated.status_code == 302
    assert activated["Location"] == reverse("mfa_view_recovery_codes")
    assert has_totp(user=pedro)
    # The activating session gave a code: it may see the clinic's data.
    assert client.get(PATIENTS).status_code == 200

    client.post(reverse("account_logout"))
    clock.shift(30)  # the next code; the activation code may not be used again
    asks = sign_in(client, "pedro@lindenhof.test")
    assert asks.status_code == 302
    assert asks["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None

    wrong = client.post(reverse("mfa_authenticate"), {"code": another_code(totp_code(secret))})
    assert wrong.status_code == 200
    assert signed_in_user_id(client) is None

    right = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert right.status_code == 302
    assert right["Location"] == "/"
    assert signed_in_user_id(client) == str(pedro.pk)
    assert client.get(PATIENTS).status_code == 200


def test_a_totp_code_signs_in_only_once(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    secret = activate_totp(client)
    client.post(reverse("account_logout"))
    clock.shift(30)
    code = totp_code(secret)
    sign_in(client, "pedro@lindenhof.test")
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert signed_in_user_id(client) == str(pedro.pk)

    client.post(reverse("account_logout"))
    sign_in(client, "pedro@lindenhof.test")
    replay = client.post(reverse("mfa_authenticate"), {"code": code})
    assert replay.status_code == 200
    assert signed_in_user_id(client) is None


def test_a_recovery_code_completes_sign_in_when_the_phone_is_lost(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    activate_totp(client)
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    recovery_code = re.findall(r"\b\d{8}\b", codes_page.text)[0]
    client.post(reverse("account_logout"))

    sign_in(client, "pedro@lindenhof.test")
    client.post(reverse("mfa_authenticate"), {"code": recovery_code})
    assert signed_in_user_id(client) == str(pedro.pk)


def test_repeated_sign_in_attempts_get_allauths_429_from_the_shared_cache(
    client: Client, pedro: User, alice: User, clock: time_machine.Traveller
) -> None:
    # allauth's default: 30 sign-in attempts a minute from one address.
    statuses = [sign_in(client, "pedro@lindenhof.test", "guess").status_code for _ in range(30)]
    assert set(statuses) == {200}
    assert sign_in(client, "pedro@lindenhof.test").status_code == 429
    assert signed_in_user_id(client) is None

    # The counts are rows of the database cache, which every process shares.
    assert isinstance(caches["default"], DatabaseCache)
    table = connection.ops.quote_name(caches["default"]._table)
    with connection.cursor() as cursor:
        query = f"SELECT COUNT(*) FROM {table} WHERE cache_key LIKE %s"  # noqa: S608 - ours
        cursor.execute(query, ["%allauth:rl%"])
        assert cursor.fetchone()[0] >= 2

    # A minute later the address may try again (Pedro's own address stays locked for a
    # while after five failures, so Alice signs in).
    clock.shift(61)
    assert sign_in(client, "alice@lindenhof.test").status_code == 302


def test_five_failed_sign_ins_lock_the_address_even_with_the_right_password(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    for _ in range(5):
        sign_in(client, "pedro@lindenhof.test", "guess")
    locked = sign_in(client, "pedro@lindenhof.test")
    assert locked.status_code == 200
    assert "Too many failed login attempts" in locked.text
    assert signed_in_user_id(client) is None

    clock.shift(5 * 60 + 1)
    assert sign_in(client, "pedro@lindenhof.test").status_code == 302


def test_someone_who_signs_up_must_verify_the_address_before_signing_in(
    client: Client, db: None
) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "nadia@example.org",
            "password1": "a long passphrase here",
            "password2": "a long passphrase here",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert [message.to for message in mail.outbox] == [["nadia@example.org"]]

    response = sign_in(client, "nadia@example.org", "a long passphrase here")
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "account_logout"]
)
def test_sign_in_pages_work_under_the_content_security_policy(
    client: Client, db: None, name: str
) -> None:
    response = client.get(reverse(name), follow=True)
    assert response.status_code == 200
    assert_csp_clean(response)


@pytest.mark.parametrize(
    "name",
    [
        "mfa_index",
        "mfa_activate_totp",
        "account_email",
        "account_change_password",
        "account_reauthenticate",
    ],
)
def test_account_pages_work_under_the_content_security_policy(
    client: Client, pedro: User, name: str
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_csp_clean(response)


def test_the_totp_pages_after_activation_work_under_the_content_security_policy(
    client: Client, pedro: User, clock: time_machine.Traveller
) -> None:
    sign_in(client, "pedro@lindenhof.test")
    activate_totp(client)
    for name in ("mfa_view_recovery_codes", "mfa_deactivate_totp", "mfa_index"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_csp_clean(response)
    client.post(reverse("account_logout"))
    sign_in(client, "pedro@lindenhof.test")
    response = client.get(reverse("mfa_authenticate"))
    assert response.status_code == 200
    assert_csp_clean(response)


def assert_csp_clean(response: Any) -> None:
    """The page has the CSP header and nothing the policy would block: no inline script
    (data blocks of type application/json are not run), no inline style."""
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.text
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert "javascript:" not in html


def test_staff_accounts_made_by_the_services_can_sign_in_without_a_confirmation_mail(
    client: Client, alice: User
) -> None:
    assert sign_in(client, "alice@lindenhof.test").status_code == 302
    assert signed_in_user_id(client) == str(alice.pk)
    assert mail.outbox == []
    assert not Authenticator.objects.filter(user=alice).exists()
