"""Signed-in clients of Lindenhof's staff and of an outsider, for the clinic pages' tests
(test_clinic_*.py import these fixtures)."""

from __future__ import annotations

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member
from tests.accounts.helpers import sign_in_with_mfa


@pytest.fixture
def admin(alice: User) -> Client:
    """Lindenhof's clinic admin, signed in with TOTP."""
    return sign_in_with_mfa(Client(), alice)


@pytest.fixture
def doctor(pedro: User) -> Client:
    """Lindenhof's practitioner, signed in with TOTP."""
    return sign_in_with_mfa(Client(), pedro)


@pytest.fixture
def desk(fiona: User) -> Client:
    """Lindenhof's front desk, signed in with TOTP."""
    return sign_in_with_mfa(Client(), fiona)


@pytest.fixture
def outsider(other_clinic: Clinic) -> Client:
    """Harbour's admin, signed in with TOTP: not staff of Lindenhof."""
    user = create_user(email="olga@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=user, role=Role.ADMIN)
    return sign_in_with_mfa(Client(), user)
