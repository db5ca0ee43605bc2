"""The FHIR tests' world: Lindenhof with one of each of its objects (the API tests'
`lindenhof_ids`: a patient with intake, plan and appointment; a charted session with an
administration, an adverse event, a photo and consents), a token of each role, and a
Harbour admin's token (an outsider to Lindenhof)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user, issue_api_token
from mesodesk.charting.models import SessionRecord
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member
from mesodesk.fhir.http import FHIR_JSON
from mesodesk.outcomes.services import record_score
from tests.api.conftest import at, lindenhof_ids, monday, needle_kit  # noqa: F401

BASE = "/fhir/r4"


@pytest.fixture
def tokens(clinic: Clinic, alice: User, pedro: User, fiona: User) -> dict[str, str]:
    """A Lindenhof token of each role."""
    return {
        "admin": issue_api_token(clinic=clinic, user=alice, name="fhir")[1],
        "practitioner": issue_api_token(clinic=clinic, user=pedro, name="fhir")[1],
        "front_desk": issue_api_token(clinic=clinic, user=fiona, name="fhir")[1],
    }


@pytest.fixture
def outsider_token(other_clinic: Clinic) -> str:
    """A Harbour admin's token."""
    user = create_user(email="admin@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=user, role=Role.ADMIN)
    return issue_api_token(clinic=other_clinic, user=user, name="fhir")[1]


@pytest.fixture
def world(
    lindenhof_ids: dict[str, int],  # noqa: F811  (the fixture imported above)
    record: SessionRecord,
    pedro: User,
) -> dict[str, int]:
    """`lindenhof_ids` and an outcome score of the charted session, so every type the
    registry serves has at least one resource."""
    score = record_score(
        clinic=record.clinic,
        appointment=record.appointment,
        by=pedro,
        scale="gais",
        value="2",
    )
    return lindenhof_ids | {"score_id": score.pk}


Get = Callable[..., Any]


@pytest.fixture
def fhir_get(client: Client) -> Get:
    """fhir_get(path, token, **headers) → the response of `GET /fhir/r4/{path}`."""

    def get(path: str, token: str | None = None, **headers: str) -> Any:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        headers.setdefault("Accept", FHIR_JSON)
        return client.get(f"{BASE}/{path}", headers=headers)

    return get
