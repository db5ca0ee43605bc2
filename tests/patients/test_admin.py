"""Patient data in the admin can be looked at, not added, changed or deleted there."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake
from tests.patients.fixtures import answers


@pytest.mark.parametrize(
    "model",
    [
        "patients_patient",
        "patients_intakeversion",
        "patients_screeningresult",
        "consents_signedconsent",
        "consents_consentwithdrawal",
        "consents_consenttemplate",
    ],
)
def test_patient_data_cannot_be_added_in_the_admin(admin_client: Client, model: str) -> None:
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_a_patient_is_shown_without_a_save_button(
    admin_client: Client, clinic: Clinic, maria: Patient, fiona: User
) -> None:
    intake = record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    for url in (
        reverse("admin:patients_patient_change", args=[maria.pk]),
        reverse("admin:patients_intakeversion_change", args=[intake.pk]),
        reverse("admin:patients_patient_history", args=[maria.pk]),
    ):
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert b'name="_save"' not in page.content
