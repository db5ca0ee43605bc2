"""MFA belongs to the session: only a session that gave a TOTP (or recovery) code sees clinic
data, and activating TOTP signs the user out of their other sessions.

Through allauth's real pages, with codes computed by tests.accounts.helpers.totp_code.
"""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from tests.accounts.helpers import (
    activate_totp,
    give_totp,
    sign_in,
    signed_in_user_id,
    totp_code,
)

PATIENTS = "/api/v1/clinics/lindenhof/patients"


def test_a_session_opened_before_totp_was_added_elsewhere_still_needs_mfa(
    client: Client, clinic: Clinic, pedro: User, clock: time_machine.Traveller
) -> None:
    # The review's reproduction: signed in with the password only, no TOTP yet ...
    sign_in(client, "pedro@lindenhof.test")
    assert signed_in_user_id(client) == str(pedro.pk)
    refused = client.get(PATIENTS)
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_required")
    # ... then TOTP is added without this session giving a code.
    give_totp(pedro)
    still_refused = client.get(PATIENTS)
    assert (still_refused.status_code, still_refused.json()["code"]) == (403, "mfa_required")


def test_signing_in_with_the_totp_code_opens_the_clinics_data(
    client: Client, clinic: Clinic, pedro: User, clock: time_machine.Traveller
) -> None:
    secret = give_totp(pedro)
    asked = sign_in(client, "pedro@lindenhof.test")
    assert asked["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert signed_in_user_id(client) == str(pedro.pk)
    assert client.get(PATIENTS).status_code == 200


def test_a_session_with_totp_but_no_code_is_asked_for_one_and_then_let_in(
    client: Client, clinic: Clinic, pedro: User, clock: time_machine.Traveller
) -> None:
    # A session that skipped allauth's code step (here: forced): the user has TOTP, so the
    # way in is allauth's code page, after which the session has passed MFA.
    secret = give_totp(pedro)
    client.force_login(pedro)
    assert client.get(PATIENTS).status_code == 403
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(PATIENTS).status_code == 200


# Commits for real: allauth reports the activation after the commit.
@pytest.mark.django_db(transaction=True)
def test_activating_totp_opens_the_data_in_that_session_and_ends_the_users_other_sessions(
    clinic: Clinic, pedro: User, fiona: User, clock: time_machine.Traveller
) -> None:
    laptop, phone, colleague = Client(), Client(), Client()
    for browser, email in ((laptop, pedro.email), (phone, pedro.email), (colleague, fiona.email)):
        sign_in(browser, email)
    assert phone.get(PATIENTS).status_code == 403

    activate_totp(laptop)

    assert laptop.get(PATIENTS).status_code == 200
    assert signed_in_user_id(laptop) == str(pedro.pk)
    # The phone's session gave no code: it is signed out, not let in.
    ended = phone.get(PATIENTS)
    assert (ended.status_code, ended.json()["code"]) == (401, "unauthenticated")
    assert signed_in_user_id(phone) is None
    # Nobody else's session is touched.
    assert colleague.get(reverse("mfa_index")).status_code == 200
    assert signed_in_user_id(colleague) == str(fiona.pk)
    pedro.refresh_from_db()
    assert pedro.session_generation == 1


@pytest.mark.django_db(transaction=True)
def test_after_activation_the_next_sign_in_needs_the_code_again(
    clinic: Clinic, pedro: User, clock: time_machine.Traveller
) -> None:
    browser = Client()
    sign_in(browser, pedro.email)
    secret = activate_totp(browser)
    browser.post(reverse("account_logout"))
    clock.shift(30)
    sign_in(browser, pedro.email)
    assert signed_in_user_id(browser) is None  # waiting for the code
    browser.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert browser.get(PATIENTS).status_code == 200
