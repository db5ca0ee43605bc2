"""Patients and intake answers for the tests of patients, planning and audit.

conftest.py files re-export the fixtures; `answers()` is a plain helper.
"""

from __future__ import annotations

from typing import Any

import pytest

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient


def answers(**changes: Any) -> dict[str, Any]:
    """A DESIGN 7.1 intake with nothing of concern, changed by `changes`."""
    base: dict[str, Any] = {
        "birth_date": "1990-04-01",
        "sex": "female",
        "pregnant": False,
        "breastfeeding": False,
        "conditions": [],
        "medications": [],
        "allergies": [],
        "recent_procedures": [],
        "fitzpatrick": 3,
    }
    return base | changes


# Takes a prescribed anticoagulant: a relative contraindication, so a `review` verdict.
ON_WARFARIN = {"medications": [{"name": "warfarin", "prescribed": True}]}


@pytest.fixture
def maria(clinic: Clinic, fiona: User) -> Patient:
    """A patient of Lindenhof, registered by the front desk."""
    return register_patient(
        clinic=clinic,
        by=fiona,
        first_name="Maria",
        last_name="Keller",
        sex="female",
        email="maria@example.test",
    )


@pytest.fixture
def harbour_patient(other_clinic: Clinic) -> Patient:
    """A patient of the other clinic, Harbour."""
    desk = create_user(email="desk@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=desk, role=Role.FRONT_DESK)
    return register_patient(clinic=other_clinic, by=desk, first_name="Olive", last_name="Hart")


@pytest.fixture
def harbour_practitioner(other_clinic: Clinic) -> User:
    """A practitioner at Harbour, not at Lindenhof."""
    user = create_user(email="hugo@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=user, role=Role.PRACTITIONER)
    return user
