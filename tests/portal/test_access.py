"""Who sees the portal: only the patient, only their own record."""

from __future__ import annotations

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment
from tests.portal.conftest import signed_in, url

PAGES = ["intake", "outcome", "book", "timeline", "side_effects", "preferences", "delete"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, clinic: Clinic, name: str) -> None:
    response = client.get(url(name, clinic))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_visitors_see_a_welcome_with_sign_up(client: Client, clinic: Clinic) -> None:
    response = client.get(url("home", clinic))
    assert response.status_code == 200
    assert url("signup", clinic) in response.text


@pytest.mark.parametrize("name", ["home", *PAGES])
def test_staff_see_a_friendly_note_and_nothing_else(clinic: Clinic, pedro: User, name: str) -> None:
    response = signed_in(pedro).get(url(name, clinic))
    assert response.status_code == 403
    assert "staff account" in response.text


def test_a_patient_of_another_clinic_is_not_a_patient_here(
    clinic: Clinic, stranger: Patient, paula: Patient
) -> None:
    response = signed_in(stranger.portal_user).get(url("intake", clinic))
    assert response.status_code == 403
    assert "Paula" not in response.text
    assert "Harbour Skin Clinic" in response.text


def test_an_unknown_clinic_is_a_404(paula_client: Client, db: None) -> None:
    assert paula_client.get("/portal/nowhere/intake/").status_code == 404


def test_another_patients_appointment_is_a_404(
    clinic: Clinic, paula: Patient, paula_client: Client, pedro: User, room: Room
) -> None:
    from tests.portal.conftest import make_patient
    from tests.portal.test_booking import book_consultation

    other = make_patient(clinic, "otto@example.test", "Otto")
    appointment: Appointment = book_consultation(clinic, other, pedro, room)
    assert paula_client.get(url("cancel", clinic, appointment_id=appointment.pk)).status_code == 404
    response = paula_client.post(
        url("cancel", clinic, appointment_id=appointment.pk), {"reason": "mine now"}
    )
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == "booked"
