"""People's names and free text typed into the staff pages and the portal go through the
one text validator (issue 14, finding 9): normalised to NFC, refused when invisible or
holding a control or bidirectional character, with the error next to the field."""

from __future__ import annotations

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from mesodesk.portal.models import PendingSignup
from mesodesk.scheduling.services import book_appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.portal.conftest import url
from tests.portal.test_signup import DETAILS
from tests.workspace.test_clinical_booking import at
from tests.workspace.test_out_of_range_input import next_monday

pytestmark = pytest.mark.django_db

NEW_PATIENT = "/staff/lindenhof/patients/new/"
BAD_NAMES = ["\u200b", "\u200b \u200b", "Anna\u202eztiw", "Anna\u0007", "Anna\u2066Lena"]


def _register(fiona: User, **changes: str) -> object:
    details = {"first_name": "Nadia", "last_name": "Roth", "sex": "female"}
    details |= {"preferred_channel": "email"} | changes
    return sign_in_with_mfa(Client(), fiona).post(NEW_PATIENT, details)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_desk_cannot_register_an_invisible_or_reordering_name(
    clinic: Clinic, fiona: User, name: str
) -> None:
    response = _register(fiona, first_name=name)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert 'id="id_first_name_error"' in response.text  # type: ignore[attr-defined]
    assert not Patient.objects.exists()


def test_the_desk_registers_a_name_in_nfc_without_invisible_edges(
    clinic: Clinic, fiona: User
) -> None:
    _register(fiona, first_name="\u200bRene\u0301e ")
    assert Patient.objects.get().first_name == "Ren\u00e9e"


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_patient_cannot_sign_up_with_an_invisible_or_reordering_name(
    client: Client, clinic: Clinic, name: str
) -> None:
    response = client.post(url("signup", clinic), DETAILS | {"last_name": name})
    assert response.status_code == 200
    assert 'id="id_last_name_error"' in response.text
    assert not PendingSignup.objects.exists()


def test_a_cancel_reason_of_invisible_characters_is_refused(
    clinic: Clinic, fiona: User, pedro: User
) -> None:
    patient = register_patient(clinic=clinic, by=fiona, first_name="Maria", last_name="Keller")
    appointment = book_appointment(
        clinic=clinic, patient=patient, by=fiona, kind="consultation",
        start=at(next_monday(), "10:00"), practitioner=pedro,
        room=add_room(clinic=clinic, name="Room 1"),
    )  # fmt: skip
    response = sign_in_with_mfa(Client(), fiona).post(
        f"/staff/lindenhof/appointments/{appointment.pk}/cancel/", {"reason": "\u200b\u200b"}
    )
    assert response.status_code == 422
    appointment.refresh_from_db()
    assert appointment.status == "booked"
