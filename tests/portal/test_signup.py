"""Signing up at a clinic's portal: verify the address, then be that clinic's patient."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.portal.models import PendingSignup
from tests.portal.conftest import url

DETAILS = {
    "first_name": "Nora",
    "last_name": "Brandt",
    "birth_date": "1991-02-03",
    "email": "nora@example.test",
    "phone": "+49 170 1234567",
    "password1": "a long passphrase here",
    "password2": "a long passphrase here",
}


def test_the_sign_up_page_asks_for_name_birth_date_and_phone(
    client: Client, clinic: Clinic
) -> None:
    response = client.get(url("signup", clinic))
    assert response.status_code == 200
    for name in ("first_name", "last_name", "birth_date", "phone", "email", "password1"):
        assert f'name="{name}"' in response.text


def test_a_new_patient_exists_only_once_the_address_is_verified(
    client: Client, clinic: Clinic
) -> None:
    response = client.post(url("signup", clinic), DETAILS)
    assert response.status_code == 302
    assert not Patient.objects.exists()
    assert PendingSignup.objects.get().clinic == clinic

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body)
    assert link is not None
    path = "/" + link.group(0).split("/", 3)[3]
    response = client.post(path)
    assert response.status_code == 302

    patient = Patient.objects.get()
    assert (patient.clinic, patient.first_name, patient.last_name) == (clinic, "Nora", "Brandt")
    assert patient.birth_date.isoformat() == "1991-02-03"
    assert patient.phone == "+491701234567"  # stored in E.164
    assert patient.email == "nora@example.test"
    assert patient.portal_user.email == "nora@example.test"
    assert not PendingSignup.objects.exists()
    # Signed in by following the link, and sent on to the portal.
    assert client.get(url("home", clinic)).status_code == 200


def test_a_birth_date_in_the_future_is_refused_next_to_the_field(
    client: Client, clinic: Clinic
) -> None:
    response = client.post(url("signup", clinic), DETAILS | {"birth_date": "2999-01-01"})
    assert response.status_code == 200
    assert "cannot be in the future" in response.text
    assert 'aria-invalid="true"' in response.text
    assert not PendingSignup.objects.exists()


def test_an_unknown_clinic_has_no_sign_up(client: Client, db: None) -> None:
    assert client.get("/portal/nowhere/signup/").status_code == 404


def test_the_general_sign_up_page_sends_patients_to_their_clinics_portal(
    client: Client, clinic: Clinic
) -> None:
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    assert "Are you a patient?" in page.text
    assert f'href="{url("signup", clinic)}">{clinic.name}</a>' in page.text
    # Staff coming from their invitation are not sent away: the page keeps their way back.
    invited = client.get("/accounts/signup/", {"next": "/staff/invitations/abc/"})
    assert "Are you a patient?" not in invited.text
    assert 'value="/staff/invitations/abc/"' in invited.text


def test_the_verification_mail_speaks_plainly_and_says_who_sends_it(
    client: Client, clinic: Clinic
) -> None:
    client.post(url("signup", clinic), DETAILS)
    body = mail.outbox[-1].body
    assert body.startswith("Hello,\n")
    assert "Hello from" not in body
    assert body.rstrip().endswith("mesodesk at testserver")
