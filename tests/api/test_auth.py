"""Who may call the API: a bearer token of the clinic, or staff signed in with TOTP."""

from __future__ import annotations

from django.test import Client

from mesodesk.accounts.models import ApiToken, User
from mesodesk.accounts.services import issue_api_token, revoke_api_token
from mesodesk.clinics.models import Clinic
from tests.api.conftest import API

PATIENTS = f"{API}/lindenhof/patients"


def test_an_anonymous_caller_is_told_to_authenticate(clinic: Clinic) -> None:
    response = Client().get(PATIENTS)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_bearer_token_of_the_clinic_is_enough(clinic: Clinic, token: str) -> None:
    response = Client().get(PATIENTS, headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()) == (200, [])


def test_a_call_with_a_token_creates_no_session(clinic: Clinic, token: str) -> None:
    from django.contrib.sessions.models import Session

    client = Client(headers={"Authorization": f"Bearer {token}"})
    for _ in range(3):
        response = client.get(PATIENTS)
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
    assert not Session.objects.exists()


def test_a_revoked_token_no_longer_works(clinic: Clinic, fiona: User, alice: User) -> None:
    api_token, raw = issue_api_token(clinic=clinic, user=fiona)
    revoke_api_token(token=api_token, by=alice)
    response = Client().get(PATIENTS, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_a_token_of_another_clinic_finds_nothing_here(
    clinic: Clinic, other_clinic: Clinic, fiona: User
) -> None:
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.services import add_member

    add_member(clinic=other_clinic, user=fiona, role=Role.FRONT_DESK)
    _, harbour_token = issue_api_token(clinic=other_clinic, user=fiona)
    response = Client().get(PATIENTS, headers={"Authorization": f"Bearer {harbour_token}"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_staff_signed_in_without_totp_must_set_it_up_first(clinic: Clinic, fiona: User) -> None:
    client = Client()
    client.force_login(fiona)
    response = client.get(PATIENTS)
    assert (response.status_code, response.json()["code"]) == (403, "mfa_required")


def test_staff_signed_in_with_totp_may_read(clinic: Clinic, desk: Client) -> None:
    assert desk.get(PATIENTS).status_code == 200


def test_a_session_post_needs_the_csrf_token(clinic: Clinic, fiona: User) -> None:
    from tests.accounts.helpers import sign_in_with_mfa

    client = sign_in_with_mfa(Client(enforce_csrf_checks=True), fiona)
    response = client.post(
        PATIENTS, {"first_name": "Ann", "last_name": "Lee"}, content_type="application/json"
    )
    assert response.status_code in {401, 403}
