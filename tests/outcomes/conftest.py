"""Helpers of the outcomes tests (the cast is in tests/outcomes/fixtures.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member
from tests.accounts.helpers import sign_in_with_mfa


def staff(user: User) -> Client:
    return sign_in_with_mfa(Client(), user)


@pytest.fixture
def outsider(other_clinic: Clinic) -> Client:
    """Harbour's practitioner, signed in with TOTP: not staff of Lindenhof."""
    user = create_user(email="otto@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=user, role=Role.PRACTITIONER)
    return staff(user)
