"""The rows of the retired patients.Consent list become signed consents (consents 0002):
run on rows shaped as that table's were, through a stand-in for its historical model."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as current

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.consents import selectors
from mesodesk.consents.gate import photography_allows, treatment_consent_missing
from mesodesk.consents.models import SignedConsent
from mesodesk.consents.services import ensure_templates
from mesodesk.patients.models import Patient

pytestmark = pytest.mark.django_db
moving = importlib.import_module("mesodesk.consents.migrations.0002_consents_from_patients")


class _Rows(list):  # type: ignore[type-arg]
    def exists(self) -> bool:
        return bool(self)

    def select_related(self, *names: str) -> _Rows:
        return self

    def order_by(self, *names: str) -> _Rows:
        return self


class _Apps:
    def __init__(self, rows: list[Any]) -> None:
        self.old = SimpleNamespace(objects=_Rows(rows))

    def get_model(self, app: str, name: str) -> Any:
        return self.old if (app, name) == ("patients", "Consent") else current.get_model(app, name)


def test_old_consents_move_with_a_pdf_and_the_library_texts_still_come_first(
    clinic: Clinic, unconsented: Patient, fiona: User
) -> None:
    def old(kind: str, version: str) -> SimpleNamespace:
        return SimpleNamespace(
            clinic=clinic,
            clinic_id=clinic.pk,
            patient=unconsented,
            patient_id=unconsented.pk,
            kind=kind,
            text_version=version,
            signed_name="Pat Unconsented",
            signed_at=datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC),
            recorded_by=fiona,
            recorded_by_id=fiona.pk,
        )

    moving.forwards(_Apps([old("treatment", "2025-12"), old("photography", "v2")]), None)
    moved = list(SignedConsent.objects.order_by("id"))
    assert [(c.purpose, c.tier, c.channel, c.template_version) for c in moved] == [
        ("treatment", "", "imported", 0),
        ("photography", "clinical", "imported", 0),
    ]
    assert "2025-12" in moved[0].text and all(selectors.verify(c).intact for c in moved)
    # A treatment consent of the old list names no technique: the gate asks again.
    assert treatment_consent_missing(
        patient=unconsented, plan=SimpleNamespace(technique="manual_needle", ingredients=[])
    )
    assert photography_allows(patient=unconsented, tier="clinical")
    # The library's texts still become version 1, and the placeholders are not offered.
    assert ensure_templates(clinic=clinic) == 9
    assert {t.version for t in selectors.latest_templates(clinic)} == {1}
