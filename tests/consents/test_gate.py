"""The consent gate, and the three places that ask it."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.charting import services as charting
from mesodesk.clinics.models import Clinic, Room
from mesodesk.consents.choices import Channel, Purpose
from mesodesk.consents.gate import photography_allows, treatment_consent_missing
from mesodesk.consents.services import withdraw_consent
from mesodesk.patients.models import Patient
from mesodesk.planning.services import create_plan
from mesodesk.scheduling import visits
from tests.charting.fixtures import session
from tests.consents.conftest import sign

pytestmark = pytest.mark.django_db


def plan_for(clinic: Clinic, patient: Patient, by: User, **changes: object):  # type: ignore[no-untyped-def]
    arguments = {
        "clinic": clinic,
        "patient": patient,
        "by": by,
        "indication": "skin_rejuvenation",
        "areas": ["face"],
        "ingredients": ["hyaluronic_acid"],
        "technique": "manual_needle",
        "schedule_template": "biweekly_series",
        "first_session": timezone.now() + timedelta(days=30),
    } | changes
    return create_plan(**arguments)


def test_no_consent_no_session(clinic: Clinic, unconsented: Patient, pedro: User) -> None:
    plan = plan_for(clinic, unconsented, pedro)
    assert treatment_consent_missing(patient=unconsented, plan=plan) == (
        "Pat Unconsented has not signed the treatment consent for"
        " manual injection with a fine needle."
    )
    assert treatment_consent_missing(patient=unconsented, plan=None) == (
        "Pat Unconsented has not signed a treatment consent."
    )


def test_the_consent_must_be_for_the_plans_technique(
    clinic: Clinic, unconsented: Patient, pedro: User
) -> None:
    sign(clinic, unconsented, technique="meso_gun")
    assert treatment_consent_missing(patient=unconsented, plan=None) is None
    plan = plan_for(clinic, unconsented, pedro)
    assert "manual injection" in (treatment_consent_missing(patient=unconsented, plan=plan) or "")
    sign(clinic, unconsented, technique="manual_needle")
    assert treatment_consent_missing(patient=unconsented, plan=plan) is None


def test_lipolysis_ingredients_need_the_lipolysis_consent(
    clinic: Clinic, unconsented: Patient, pedro: User
) -> None:
    sign(clinic, unconsented)
    # The plan as the gate reads it (planning may refuse such a plan on its own grounds).
    plan = SimpleNamespace(
        technique="manual_needle", ingredients=["phosphatidylcholine", "deoxycholate"]
    )
    missing = treatment_consent_missing(patient=unconsented, plan=plan) or ""
    assert "injection lipolysis consent" in missing and "phosphatidylcholine" in missing
    sign(clinic, unconsented, Purpose.LIPOLYSIS)
    assert treatment_consent_missing(patient=unconsented, plan=plan) is None


def test_a_withdrawn_consent_covers_nothing(
    clinic: Clinic, unconsented: Patient, pedro: User
) -> None:
    consent = sign(clinic, unconsented)
    withdraw_consent(clinic=clinic, consent=consent, by=pedro, channel=Channel.TABLET)
    assert treatment_consent_missing(patient=unconsented, plan=None) is not None


def test_a_higher_photography_tier_covers_the_lower_ones(
    clinic: Clinic, unconsented: Patient
) -> None:
    assert not photography_allows(patient=unconsented, tier="clinical")
    sign(clinic, unconsented, Purpose.PHOTOGRAPHY, tier="teaching")
    assert photography_allows(patient=unconsented, tier="clinical")
    assert photography_allows(patient=unconsented, tier="teaching")
    assert not photography_allows(patient=unconsented, tier="publication")
    with pytest.raises(ValueError, match="unknown"):
        photography_allows(patient=unconsented, tier="instagram")


def test_start_treatment_refuses_without_consent(
    clinic: Clinic, unconsented: Patient, pedro: User, room: Room
) -> None:
    appointment = session(clinic, unconsented, pedro, room, started_at=None)
    with pytest.raises(ValidationError) as refused:
        visits.start_treatment(clinic=clinic, appointment=appointment, by=pedro)
    error = refused.value.error_dict["patient"][0]
    assert error.code == "consent_missing" and "has not signed" in error.message
    sign(clinic, unconsented)
    assert visits.start_treatment(clinic=clinic, appointment=appointment, by=pedro).started_at


def test_charting_refuses_without_consent(
    clinic: Clinic, unconsented: Patient, pedro: User, room: Room
) -> None:
    appointment = session(clinic, unconsented, pedro, room)
    with pytest.raises(ValidationError) as refused:
        charting.open_record(clinic=clinic, appointment=appointment, by=pedro)
    assert refused.value.error_dict["appointment"][0].code == "consent_missing"
    sign(clinic, unconsented)
    assert charting.open_record(clinic=clinic, appointment=appointment, by=pedro).pk
