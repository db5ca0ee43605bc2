"""Signing up at a clinic's portal: verify the address, then be that clinic's patient."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import update_clinic_settings
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from mesodesk.portal.models import PendingSignup
from mesodesk.portal.services import start_signup
from tests.messaging.conftest import SmtpServer, mail_to_smtp, smtp
from tests.portal.conftest import url

__all__ = ["mail_to_smtp", "smtp"]

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


def test_the_verification_mail_comes_from_the_clinic_in_plain_words(
    client: Client, clinic: Clinic, mail_to_smtp: SmtpServer, settings: Settings
) -> None:
    settings.DEFAULT_FROM_EMAIL = "mesodesk <noreply@clinic.example.org>"
    client.post(url("signup", clinic), DETAILS)
    (message,) = mail_to_smtp.inbox.messages  # through a real SMTP server
    assert message["Subject"] == "Lindenhof Aesthetics: Confirm your e-mail address"
    assert message["From"] == "Lindenhof Aesthetics <noreply@clinic.example.org>"
    body = message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body.startswith("Hello,\n")
    assert "Hello from" not in body and "127.0.0.1" not in body
    assert "To confirm that this e-mail address is yours, open this link:" in body
    assert re.search(r"\nhttp://testserver/accounts/confirm-email/[^\s=]+/\n", body)
    assert body.rstrip().endswith("Lindenhof Aesthetics")


def test_a_password_reset_for_staff_comes_from_mesodesk(
    client: Client, clinic: Clinic, mail_to_smtp: SmtpServer
) -> None:
    # No clinic applies to an address nobody has: the sender is mesodesk itself.
    client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    (message,) = mail_to_smtp.inbox.messages
    assert message["Subject"] == "mesodesk: No account with this address"
    assert message.get_payload(decode=True).decode().rstrip().endswith("mesodesk")


# Mid-year ages: a day's difference between zones never changes who is old enough.
TODAY = timezone.localdate()


def _verify(client: Client) -> None:
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)
    assert link is not None
    assert client.post("/" + link.group(0).split("/", 3)[3]).status_code == 302


def test_someone_younger_than_the_clinics_minimum_age_is_refused_plainly(
    client: Client, clinic: Clinic
) -> None:
    fourteen = TODAY - timedelta(days=365 * 14 + 100)
    response = client.post(url("signup", clinic), DETAILS | {"birth_date": fourteen.isoformat()})
    assert response.status_code == 200
    assert "You need to be 18 or older to create an account at Lindenhof Aesthetics" in (
        response.text
    )
    assert not PendingSignup.objects.exists()
    # The clinic decides the age.
    update_clinic_settings(clinic=clinic, minimum_age=16)
    sixteen = TODAY - timedelta(days=365 * 17)
    response = client.post(url("signup", clinic), DETAILS | {"birth_date": sixteen.isoformat()})
    assert response.status_code == 302


def test_the_service_refuses_the_too_young_too(clinic: Clinic) -> None:
    user = create_user(email="kid@example.test", password="a long passphrase here")
    with pytest.raises(ValidationError) as refused:
        start_signup(
            clinic=clinic,
            user=user,
            first_name="Kid",
            last_name="Young",
            birth_date=TODAY - timedelta(days=365 * 14),
        )
    assert refused.value.error_dict["birth_date"][0].code == "too_young"


def test_every_password_problem_is_shown_at_once(client: Client, clinic: Clinic) -> None:
    response = client.post(
        url("signup", clinic),
        DETAILS | {"password1": "12345", "password2": "54321", "birth_date": ""},
    )
    assert response.status_code == 200
    text = response.text
    assert "This password is too short" in text
    assert "This password is too common" in text
    assert "This password is entirely numeric" in text
    assert "The two passwords are not the same." in text
    assert "This field is required" in text  # the birth date, in the same answer


def test_a_phone_number_is_stored_in_e164_and_a_bad_one_refused(
    client: Client, clinic: Clinic
) -> None:
    response = client.post(url("signup", clinic), DETAILS | {"phone": "12"})
    assert response.status_code == 200
    assert "not a valid phone number" in response.text
    client.post(url("signup", clinic), DETAILS | {"phone": "0170 1234567"})
    assert PendingSignup.objects.get().phone == "+491701234567"


def test_signing_up_with_the_address_the_clinic_has_links_to_that_record(
    client: Client, clinic: Clinic, fiona: User
) -> None:
    # Front desk registered Nora with her e-mail address before she signed up.
    known = register_patient(
        clinic=clinic, by=fiona, first_name="Nora", last_name="Brandt", email="Nora@Example.test"
    )
    client.post(url("signup", clinic), DETAILS)
    # Before the address is verified, nothing is linked.
    known.refresh_from_db()
    assert known.portal_user is None
    _verify(client)

    assert Patient.objects.count() == 1
    known.refresh_from_db()
    assert known.portal_user is not None and known.portal_user.email == "nora@example.test"
    # What the record lacked comes from the sign-up; its own details stay.
    assert (known.birth_date.isoformat(), known.phone) == ("1991-02-03", "+491701234567")  # type: ignore[union-attr]
    assert known.email == "Nora@Example.test"
    assert known.history.latest().history_change_reason == (
        "portal sign-up with the address on record"
    )
    assert client.get(url("home", clinic)).status_code == 200


def test_a_record_with_another_birth_date_is_not_linked(
    client: Client, clinic: Clinic, fiona: User
) -> None:
    # A parent's address on a child's record: the sign-up is someone else.
    child = register_patient(
        clinic=clinic,
        by=fiona,
        first_name="Lia",
        last_name="Brandt",
        birth_date=date(2001, 5, 5),
        email="nora@example.test",
    )
    client.post(url("signup", clinic), DETAILS)
    _verify(client)
    child.refresh_from_db()
    assert child.portal_user is None
    assert Patient.objects.count() == 2


def test_the_pages_after_signing_up_name_the_clinic_in_plain_words(
    client: Client, clinic: Clinic
) -> None:
    sent = client.post(url("signup", clinic), DETAILS, follow=True)
    assert "Check your e-mail" in sent.text
    assert "from Lindenhof Aesthetics" in sent.text
    assert "Verify Your Email Address" not in sent.text
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)
    assert link is not None
    page = client.get("/" + link.group(0).split("/", 3)[3])
    assert "Is <strong>nora@example.test</strong> your address?" in page.text
    assert "at Lindenhof Aesthetics" in page.text
    assert "Confirm my address" in page.text
