"""A patient of Lindenhof without consents, and signing helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.consents.choices import Channel, Purpose
from mesodesk.consents.models import ConsentTemplate, SignedConsent
from mesodesk.consents.services import Origin, Signature, ensure_templates, sign_consent
from mesodesk.patients.models import Patient
from tests.scheduling.conftest import make_patient

SIGNED_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
STROKES = "10,100 40,60 80,120 120,80;150,100 200,40 260,150"


@pytest.fixture
def unconsented(clinic: Clinic, fiona: User) -> Patient:
    return make_patient(clinic, fiona, "Unconsented", consents=False)


def template_for(clinic: Clinic, purpose: str, technique: str = "", tier: str = "") -> Any:
    ensure_templates(clinic=clinic)
    return (
        ConsentTemplate.objects.filter(
            clinic=clinic, purpose=purpose, technique=technique, tier=tier
        )
        .order_by("-version")
        .first()
    )


def sign(
    clinic: Clinic,
    patient: Patient,
    purpose: str = Purpose.TREATMENT,
    *,
    technique: str = "manual_needle",
    tier: str = "",
    by: User | None = None,
    strokes: str = "",
    at: datetime = SIGNED_AT,
) -> SignedConsent:
    if purpose != Purpose.TREATMENT:
        technique = ""
    return sign_consent(
        clinic=clinic,
        patient=patient,
        template=template_for(clinic, purpose, technique, tier),
        signature=Signature(signer_name="Pat Unconsented", strokes=strokes),
        origin=Origin(
            channel=Channel.TABLET if by else Channel.PORTAL,
            collected_by=by,
            ip="192.0.2.7",
            user_agent="Mozilla/5.0 (test)",
        ),
        at=at,
    )
