"""The portal's cast: Paula, a patient of Lindenhof with a portal account, and the clinic
she books at (a room, the practitioner Pedro)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from tests.api.conftest import intake
from tests.helpers import give_consents

PASSWORD = "correct horse battery"


def make_patient(clinic: Clinic, email: str, first_name: str = "Paula") -> Patient:
    """A patient of `clinic` who signs in to the portal as `email`."""
    user = create_user(email=email, password=PASSWORD, first_name=first_name)
    patient = register_patient(
        clinic=clinic, by=user, first_name=first_name, last_name="Neumann", email=email
    )
    patient.portal_user = user
    patient.save(update_fields=["portal_user"])
    return patient


@pytest.fixture
def paula(clinic: Clinic) -> Patient:
    return make_patient(clinic, "paula@example.test")


@pytest.fixture
def paula_client(paula: Patient) -> Client:
    client = Client()
    client.force_login(paula.portal_user)
    return client


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def screened(paula: Patient, clinic: Clinic) -> Patient:
    """Paula with a healthy intake and signed treatment consents: she may book a session."""
    record_intake(clinic=clinic, patient=paula, by=paula.portal_user, answers=intake())
    give_consents(paula)
    return paula


def url(name: str, clinic: Clinic, **kwargs: Any) -> str:
    from django.urls import reverse

    return reverse(f"portal:{name}", kwargs={"clinic_slug": clinic.slug, **kwargs})


@pytest.fixture
def stranger(other_clinic: Clinic) -> Patient:
    """A patient of the other clinic, Harbour, with a portal account."""
    return make_patient(other_clinic, "olive@example.test", "Olive")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
