"""The current screening read in plain SQL (patients.selectors.current_screening and
screening_for_booking) is what the ORM reads: the latest screening with its protocol
version (library left deferred), sign-off and intake; for booking also the latest intake
and the last change and removal of the clinic's overrides."""

from __future__ import annotations

import pytest

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.patients import selectors
from mesodesk.patients.models import IntakeVersion, Patient, ScreeningResult
from mesodesk.patients.services import record_intake
from mesodesk.protocols.models import ClinicOverride
from mesodesk.protocols.services import remove_clinic_override, set_clinic_override
from tests.patients.fixtures import answers

pytestmark = pytest.mark.django_db


def test_the_current_screening_is_the_latest_with_its_parts(
    clinic: Clinic, maria: Patient, fiona: User
) -> None:
    assert selectors.current_screening(clinic, maria) is None
    assert selectors.screening_for_booking(clinic, maria) is None
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    second = record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    latest = ScreeningResult.objects.filter(patient=maria).order_by("-computed_at", "-id").first()
    assert latest is not None and latest.intake_id == second.pk

    found = selectors.current_screening(clinic, maria)
    assert found is not None
    assert (found.pk, found.verdict, found.findings) == (
        latest.pk,
        latest.verdict,
        latest.findings,
    )
    assert found.computed_at == latest.computed_at
    assert found.intake == second and found.intake.answers == second.answers
    assert found.signed_off_by is None
    version = found.protocol_version
    assert version.pk == latest.protocol_version_id
    assert version.get_deferred_fields() == {"files", "data"}
    assert version.content_hash == latest.protocol_version.content_hash
    assert found.clinic is clinic


def test_a_booking_reads_the_latest_intake_and_the_overrides_changes(
    clinic: Clinic, maria: Patient, fiona: User, alice: User
) -> None:
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    found = selectors.screening_for_booking(clinic, maria)
    assert found is not None
    assert found.latest_intake_id == found.intake_id  # type: ignore[attr-defined]
    assert found.overrides_updated_at is None  # type: ignore[attr-defined]
    assert found.override_removed_at is None  # type: ignore[attr-defined]

    set_clinic_override(
        clinic=clinic, rule_code="atopy", severity="relative", reason="We see them first.", by=alice
    )
    remove_clinic_override(clinic=clinic, rule_code="atopy", reason="No longer.", by=alice)
    newer = IntakeVersion.objects.create(
        clinic=clinic, patient=maria, number=99, answers=answers(), created_by=fiona
    )
    found = selectors.screening_for_booking(clinic, maria)
    assert found is not None
    assert found.latest_intake_id == newer.pk  # type: ignore[attr-defined]
    removed = ClinicOverride.history.filter(clinic=clinic, history_type="-").latest("history_date")
    changed = ClinicOverride.history.filter(clinic=clinic, history_type="+").latest("history_date")
    assert found.override_removed_at == removed.history_date  # type: ignore[attr-defined]
    assert found.overrides_updated_at is None  # type: ignore[attr-defined] # none left
    assert changed.updated_at <= found.override_removed_at  # type: ignore[attr-defined]
    assert (
        selectors.stale_reason_for_booking(
            found, plan=None, library_hash=found.protocol_version.content_hash
        )
        == "a newer intake"
    )
