"""Who gets in to the clinical pages: /staff/ sends members to their clinic's day; a
stranger, another clinic's member or an unknown clinic gets a 404; staff must pass MFA."""

from __future__ import annotations

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member, add_room
from mesodesk.patients.services import register_patient
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.accounts.helpers import sign_in_with_mfa

pytestmark = pytest.mark.django_db


def test_staff_home_sends_a_member_to_their_clinics_day(clinic: Clinic, fiona: User) -> None:
    response = sign_in_with_mfa(Client(), fiona).get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/lindenhof/"


def test_staff_home_asks_a_stranger_to_sign_in(client: Client) -> None:
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_home_says_when_the_user_belongs_to_no_clinic(db: None) -> None:
    user = create_user(email="nobody@example.test", password="correct horse battery")
    response = sign_in_with_mfa(Client(), user).get("/staff/")
    assert response.status_code == 200
    assert "You belong to no clinic" in response.text


def test_a_member_without_mfa_is_sent_to_give_a_code(clinic: Clinic, fiona: User) -> None:
    client = Client()
    client.force_login(fiona)
    response = client.get("/staff/lindenhof/")
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]


@pytest.fixture
def harbour_member(other_clinic: Clinic) -> Client:
    user = create_user(email="hugo@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=user, role=Role.ADMIN)
    return sign_in_with_mfa(Client(), user)


def test_another_clinics_member_gets_404_for_every_page(
    clinic: Clinic, fiona: User, pedro: User, harbour_member: Client
) -> None:
    patient = register_patient(clinic=clinic, by=fiona, first_name="Maria", last_name="Keller")
    room = add_room(clinic=clinic, name="Room 1")
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() + timedelta(days=3)
    appointment = Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        kind="consultation",
        practitioner=pedro,
        room=room,
        start=start,
        end=start + timedelta(minutes=30),
        status=AppointmentStatus.BOOKED,
        created_by=fiona,
    )
    base = "/staff/lindenhof"
    pages = [
        f"{base}/",
        f"{base}/week/",
        f"{base}/patients/",
        f"{base}/patients/new/",
        f"{base}/patients/{patient.pk}/",
        f"{base}/patients/{patient.pk}/book/",
        f"{base}/appointments/{appointment.pk}/",
    ]
    for url in pages:
        assert harbour_member.get(url).status_code == 404, url
    for url in (
        f"{base}/patients/{patient.pk}/sign-off/",
        f"{base}/appointments/{appointment.pk}/cancel/",
    ):
        assert harbour_member.post(url, {"reason": "x"}).status_code == 404, url
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_clinics_own_url_with_another_clinics_patient_is_a_404(
    clinic: Clinic, fiona: User, other_clinic: Clinic
) -> None:
    desk = create_user(email="desk@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=desk, role=Role.FRONT_DESK)
    theirs = register_patient(clinic=other_clinic, by=desk, first_name="Olive", last_name="Hart")
    client = sign_in_with_mfa(Client(), fiona)
    assert client.get(f"/staff/lindenhof/patients/{theirs.pk}/").status_code == 404
    assert client.get(f"/staff/lindenhof/patients/{theirs.pk}/book/").status_code == 404


def test_an_unknown_clinic_is_a_404(clinic: Clinic, fiona: User) -> None:
    client = sign_in_with_mfa(Client(), fiona)
    assert client.get("/staff/nowhere/").status_code == 404
