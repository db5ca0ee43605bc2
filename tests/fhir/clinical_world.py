"""The world the clinical FHIR tests read (a test module imports `seeded_fixture` and
`world_fixture` to use the `world` fixture): the demo clinic (`mesodesk demo`: two dozen
charted sessions, consents, photos, adverse events, scores and intakes), seeded once a
module inside a transaction rolled back at its end, and the three validators every
resource is checked by (tests.fhir.validation)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.fhir.registry import REGISTRY, Context, FhirType, Resource
from mesodesk.web.demo import seed_demo
from tests.fhir.validation import fhirkit_errors, pyfhircheck_errors

BASE = "http://testserver/fhir/r4"
# The types of tests/fhir/test_clinical_*.py.
CLINICAL = (
    "Procedure",
    "MedicationAdministration",
    "AdverseEvent",
    "Consent",
    "DocumentReference",
    "Media",
    "Binary",
    "Observation",
    "QuestionnaireResponse",
    "Questionnaire",
)


@dataclass(frozen=True)
class World:
    clinic: Clinic
    admin: Membership
    practitioner: Membership
    desk: Membership
    photos: Path

    @property
    def ctx(self) -> Context:
        return Context(clinic=self.clinic, member=self.practitioner, base=BASE)


def _photo_storage(folder: Path) -> dict[str, Any]:
    return {
        **settings.STORAGES,
        "photos": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }


@pytest.fixture(scope="module", name="seeded")
def seeded_fixture(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("world-photos")
    with (
        override_settings(STORAGES=_photo_storage(folder)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        clinic = seed_demo()
        members = {m.role: m for m in Membership.objects.filter(clinic=clinic)}
        yield World(
            clinic=clinic,
            admin=members[Role.ADMIN],
            practitioner=members[Role.PRACTITIONER],
            desk=members[Role.FRONT_DESK],
            photos=folder,
        )
        transaction.set_rollback(True)


@pytest.fixture(name="world")
def world_fixture(seeded: World, db: None, settings: Any) -> World:
    """The demo clinic, for one test (its changes rolled back after it), with the photo
    storage the demo's photos were written to."""
    settings.STORAGES = _photo_storage(seeded.photos)
    return seeded


def resources(fhir_type: FhirType, ctx: Context) -> list[Resource]:
    """Every resource of a type, built as the server builds them (rows, then build)."""
    return [source.build(row, ctx) for source in fhir_type.sources for row in source.rows(ctx)]


def all_of(name: str, ctx: Context) -> list[Resource]:
    return resources(REGISTRY[name], ctx)


__all__ = ["fhirkit_errors", "pyfhircheck_errors"]
