"""The Django admin: only for sessions that passed MFA; users, API tokens and their history;
every page of patient data it shows is in the access log."""

from __future__ import annotations

from datetime import date

import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from mesodesk.accounts.models import ApiToken, User
from mesodesk.accounts.services import authenticate_api_token, create_user, issue_api_token
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from tests.accounts.helpers import (
    PASSWORD,
    give_totp,
    sign_in,
    sign_in_with_mfa,
    signed_in_user_id,
    totp_code,
)


def site_admin(client: Client) -> User:
    """A superuser, signed in with TOTP (see helpers.record_mfa)."""
    admin = create_user(email="root@example.org", password=None, is_staff=True, is_superuser=True)
    sign_in_with_mfa(client, admin)
    return admin


def patient_of(clinic: Clinic, by: User, last_name: str) -> Patient:
    return register_patient(
        clinic=clinic, by=by, first_name="Maria", last_name=last_name, birth_date=date(1990, 4, 1)
    )


def intake_answers() -> dict[str, object]:
    return {
        "birth_date": "1990-04-01",
        "sex": "female",
        "pregnant": False,
        "breastfeeding": False,
        "conditions": [],
        "medications": [],
        "allergies": [],
        "recent_procedures": [],
        "fitzpatrick": 2,
    }


def test_someone_an_admin_adds_can_sign_in_without_a_confirmation_mail(
    client: Client, db: None
) -> None:
    site_admin(client)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "nina@lindenhof.test",
            "usable_password": "true",
            "password1": "a long passphrase here",
            "password2": "a long passphrase here",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nina@lindenhof.test")
    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()

    client.logout()
    sign_in(client, "nina@lindenhof.test", "a long passphrase here")
    assert signed_in_user_id(client) == str(user.pk)


def test_the_admin_lists_tokens_without_the_secret_and_revokes_them(
    client: Client, clinic: Clinic, pedro: User
) -> None:
    token, raw = issue_api_token(clinic=clinic, user=pedro, name="lab import")
    admin = site_admin(client)
    listing = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert listing.status_code == 200
    assert token.prefix in listing.text
    assert raw not in listing.text
    assert token.digest not in listing.text

    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [str(token.pk)]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == admin
    assert authenticate_api_token(raw) is None
    assert ApiToken.objects.filter(pk=token.pk).exists()


# --- MFA for the admin ---------------------------------------------------------------------


def test_a_site_administrator_without_totp_is_sent_to_set_it_up_and_sees_no_patient(
    client: Client, clinic: Clinic, fiona: User, clock: time_machine.Traveller
) -> None:
    patient_of(clinic, fiona, "Secret")
    create_user(email="root@example.org", password=PASSWORD, is_staff=True, is_superuser=True)
    sign_in(client, "root@example.org")
    for name in ("admin:index", "admin:patients_patient_changelist"):
        page = client.get(reverse(name), follow=True)
        # To the set-up page (which first asks for the password again).
        assert reverse("mfa_activate_totp") in [url for url, _ in page.redirect_chain], name
        assert page.status_code == 200
        assert b"Secret" not in page.content
    assert not AccessEvent.objects.exists()


def test_a_session_with_totp_but_no_code_is_asked_for_the_code_before_the_admin(
    client: Client, db: None, clock: time_machine.Traveller
) -> None:
    admin = create_user(email="root@example.org", password=None, is_staff=True, is_superuser=True)
    secret = give_totp(admin)
    client.force_login(admin)  # a session that never gave a code
    page = client.get(reverse("admin:index"), follow=True)
    asked = reverse("mfa_reauthenticate") + "?next=%2Fadmin%2F"
    assert page.redirect_chain[-1][0] == asked
    given = client.post(asked, {"code": totp_code(secret)})
    assert given["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_site_administrator_who_signs_in_with_the_code_gets_the_admin(
    client: Client, db: None, clock: time_machine.Traveller
) -> None:
    create_user(email="root@example.org", password=PASSWORD, is_staff=True, is_superuser=True)
    secret = give_totp(User.objects.get(email="root@example.org"))
    login_page = client.get(reverse("admin:index"), follow=True)
    assert login_page.redirect_chain[-1][0].startswith(reverse("account_login"))
    sign_in(client, "root@example.org")
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(reverse("admin:index")).status_code == 200


# --- the access log ------------------------------------------------------------------------


def test_viewing_a_patient_in_the_admin_writes_an_access_event(
    client: Client, clinic: Clinic, fiona: User
) -> None:
    maria = patient_of(clinic, fiona, "Keller")
    admin = site_admin(client)
    url = reverse("admin:patients_patient_change", args=[maria.pk])
    assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200
    event = AccessEvent.objects.get()
    assert (event.clinic, event.user, event.patient, event.action) == (
        clinic,
        admin,
        maria,
        "read",
    )
    assert (event.object_type, event.object_id) == ("patients.patient", str(maria.pk))
    assert (event.ip, event.path) == ("203.0.113.7", url)


def test_a_changelist_writes_one_event_per_row_shown_with_its_clinic_and_patient(
    client: Client, clinic: Clinic, other_clinic: Clinic, fiona: User
) -> None:
    harbour_staff = create_user(email="hana@harbour.test", password=None)
    maria = patient_of(clinic, fiona, "Keller")
    sam = patient_of(other_clinic, harbour_staff, "Shore")
    intake = record_intake(clinic=clinic, patient=maria, by=fiona, answers=intake_answers())
    site_admin(client)

    assert client.get(reverse("admin:patients_patient_changelist")).status_code == 200
    shown = {(e.clinic_id, e.patient_id, e.object_id) for e in AccessEvent.objects.all()}
    assert shown == {(clinic.pk, maria.pk, str(maria.pk)), (other_clinic.pk, sam.pk, str(sam.pk))}

    url = reverse("admin:patients_intakeversion_changelist")
    assert client.get(url).status_code == 200
    event = AccessEvent.objects.get(path=url)
    assert (event.object_type, event.object_id, event.patient) == (
        "patients.intakeversion",
        str(intake.pk),
        maria,
    )


def test_the_change_and_history_pages_of_patient_data_are_logged(
    client: Client, clinic: Clinic, fiona: User
) -> None:
    maria = patient_of(clinic, fiona, "Keller")
    intake = record_intake(clinic=clinic, patient=maria, by=fiona, answers=intake_answers())
    site_admin(client)
    version = maria.history.earliest()
    urls = [
        reverse("admin:patients_intakeversion_change", args=[intake.pk]),
        reverse("admin:patients_patient_history", args=[maria.pk]),
        reverse("admin:patients_patient_simple_history", args=[maria.pk, version.history_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    events = AccessEvent.objects.order_by("id")
    assert [(e.path, e.patient_id) for e in events] == [(url, maria.pk) for url in urls]


def test_a_list_that_shows_no_patient_data_writes_nothing(client: Client, clinic: Clinic) -> None:
    site_admin(client)
    assert client.get(reverse("admin:clinics_clinic_changelist")).status_code == 200
    assert client.get(reverse("admin:patients_patient_changelist")).status_code == 200
    assert not AccessEvent.objects.exists()
