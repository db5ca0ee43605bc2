"""Lindenhof's rooms, devices, a second practitioner and patients of every screening verdict.

Dates are in the future relative to today (booking refuses the past): `monday` is a Monday
two to three weeks ahead, in Lindenhof's zone (Europe/Berlin). Lindenhof opens Monday to
Friday 09:00-18:00 and Saturday 09:00-13:00 (the default opening hours).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.clinics.services import add_device, add_member, add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.scheduling.choices import AppointmentKind
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.helpers import give_consents

BERLIN = ZoneInfo("Europe/Berlin")


def intake(**changes: Any) -> dict[str, Any]:
    """A healthy patient's intake (DESIGN 7.1), with `changes`."""
    answers: dict[str, Any] = {
        "birth_date": "1988-06-15",
        "sex": "female",
        "pregnant": False,
        "breastfeeding": False,
        "conditions": [],
        "medications": [],
        "allergies": [],
        "recent_procedures": [],
        "fitzpatrick": 2,
    }
    answers.update(changes)
    return answers


@pytest.fixture
def monday() -> date:
    today = timezone.now().astimezone(BERLIN).date()
    return today + timedelta(days=14 + (7 - today.weekday()))


@pytest.fixture
def at(monday: date) -> Callable[..., datetime]:
    """at("10:00") is `monday` at 10:00 in Berlin; at("10:00", days=1) the Tuesday."""

    def make(hh_mm: str, *, days: int = 0) -> datetime:
        return datetime.combine(monday + timedelta(days=days), time.fromisoformat(hh_mm), BERLIN)

    return make


@pytest.fixture
def petra(clinic: Clinic) -> User:
    """A second practitioner at Lindenhof."""
    user = create_user(email="petra@lindenhof.test", password="correct horse battery")
    add_member(clinic=clinic, user=user, role=Role.PRACTITIONER)
    return user


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def room_2(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 2")


@pytest.fixture
def meso_gun(clinic: Clinic) -> Device:
    return add_device(clinic=clinic, name="Gun A", device_type="meso_gun", model_name="LB212")


@pytest.fixture
def harbour_room(other_clinic: Clinic) -> Room:
    return add_room(clinic=other_clinic, name="Room 1")


def make_patient(
    clinic: Clinic, by: User, last_name: str, *, consents: bool = True, **answers: Any
) -> Patient:
    """A patient with an intake and (unless `consents=False`) signed treatment consents."""
    patient = register_patient(clinic=clinic, by=by, first_name="Pat", last_name=last_name)
    record_intake(clinic=clinic, patient=patient, by=by, answers=intake(**answers))
    if consents:
        give_consents(patient)
    return patient


@pytest.fixture
def eligible(clinic: Clinic, fiona: User) -> Patient:
    """A patient with a clean intake: eligible."""
    return make_patient(clinic, fiona, "Eligible")


@pytest.fixture
def another(clinic: Clinic, fiona: User) -> Patient:
    """A second eligible patient, for bookings that must not clash over the patient."""
    return make_patient(clinic, fiona, "Another")


@pytest.fixture
def pregnant(clinic: Clinic, fiona: User) -> Patient:
    """An ineligible patient."""
    return make_patient(clinic, fiona, "Pregnant", pregnant=True)


@pytest.fixture
def on_warfarin(clinic: Clinic, fiona: User) -> Patient:
    """A patient whose prescribed anticoagulant asks for a practitioner's review."""
    return make_patient(
        clinic, fiona, "Warfarin", medications=[{"name": "warfarin", "prescribed": True}]
    )


@pytest.fixture
def book(clinic: Clinic, fiona: User, pedro: User, room: Room) -> Callable[..., Appointment]:
    """Books at Lindenhof as Fiona, with Pedro in Room 1 unless told otherwise."""

    def make(patient: Patient, start: datetime, **options: Any) -> Appointment:
        arguments: dict[str, Any] = {
            "clinic": clinic,
            "patient": patient,
            "by": fiona,
            "kind": AppointmentKind.SESSION,
            "start": start,
            "practitioner": pedro,
            "room": room,
        }
        return book_appointment(**(arguments | options))

    return make
