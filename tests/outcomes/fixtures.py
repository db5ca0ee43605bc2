"""The outcomes cast: Pat Eligible (the charting fixtures' patient) with a portal account,
a series of three sessions with Pedro (two completed, one in treatment). A plugin of
tests/conftest.py: the browser tests use them too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.models import Clinic, Room
from mesodesk.patients.models import Patient
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.charting.fixtures import session


@pytest.fixture
def portal_patient(patient: Patient) -> Patient:
    """The charting fixtures' patient, signed up to the portal."""
    user = create_user(email="pat@example.test", password="correct horse battery")
    patient.portal_user = user
    patient.save(update_fields=["portal_user"])
    return patient


@pytest.fixture
def series(clinic: Clinic, patient: Patient, pedro: User, room: Room) -> list[Appointment]:
    """Sessions four and two weeks ago (completed) and one in treatment now."""
    now = timezone.now()
    done = []
    for weeks in (4, 2):
        start = now - timedelta(weeks=weeks)
        done.append(
            session(
                clinic,
                patient,
                pedro,
                room,
                start=start,
                end=start + timedelta(minutes=30),
                arrived_at=start,
                started_at=start,
                status=AppointmentStatus.COMPLETED,
            )
        )
    return [*done, session(clinic, patient, pedro, room)]


@pytest.fixture
def patient_client(portal_patient: Patient) -> Client:
    client = Client()
    client.force_login(portal_patient.portal_user)
    return client
