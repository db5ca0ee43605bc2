"""The world the clinical FHIR tests read (a test module imports `seeded_fixture` and
`world_fixture` to use the `world` fixture): the demo clinic (`mesodesk demo`: two dozen
charted sessions, consents, photos, adverse events, scores and intakes), seeded once a
module inside a transaction rolled back at its end, and the three validators every
resource is checked by."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fhirkit
import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from pyfhircheck import Validator

from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.fhir.registry import REGISTRY, Context, FhirType, Resource
from mesodesk.fhir.types.clinical import INTAKE_QUESTIONNAIRE
from mesodesk.web.demo import seed_demo

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


@cache
def _pyfhircheck() -> Validator:
    # The intake Questionnaire a QuestionnaireResponse names (by its canonical URL) is given
    # to the validator, which then checks each answer's linkId, type and repetition.
    def resolve(url: str) -> Resource | None:
        if url != INTAKE_QUESTIONNAIRE:
            return None
        clinic = Clinic.objects.first()
        assert clinic is not None
        questionnaire = REGISTRY["Questionnaire"]
        ctx = Context(clinic=clinic, member=None, base=BASE)
        source = questionnaire.sources[0]
        return source.build(source.rows(ctx).get(), ctx)

    return Validator(
        external_reference_resolver=resolve,
        reference_origin="https://mesodesk.org",
        max_external_references=10**9,
    )


# pyfhircheck 0.2.0's own mistakes, checked against the R4 specification: its backbone
# elements lack their `text` child (Questionnaire.item.text, QuestionnaireResponse.item.text
# are R4 elements), and it refuses every base64Binary in Binary.data. fhir.resources and
# fhirkit-rs accept both.
PYFHIRCHECK_WRONG = (
    re.compile(
        r"^(Questionnaire|QuestionnaireResponse)(\.item(\[\d+\])?)+\.text: element\.unknown"
    ),
    re.compile(r"^Binary\.data: datatype\.invalid: Binary\.data must be EncodedBytes"),
)


def pyfhircheck_errors(resource: Resource) -> list[str]:
    """Bindings, contained references, answers against the Questionnaire (pyfhircheck's
    errors, less its known mistakes)."""
    report = _pyfhircheck().validate_resource(resource)
    errors = [
        f"{i.path}: {i.code}: {i.message}"
        for i in report.issues
        if str(i.severity).lower().endswith("error")
    ]
    return [e for e in errors if not any(wrong.match(e) for wrong in PYFHIRCHECK_WRONG)]


def fhirkit_errors(resource: Resource) -> list[str]:
    """Unknown elements, types, cardinality (fhirkit-rs's errors)."""
    return [str(i) for i in fhirkit.validate(resource) if i.severity == "error"]
