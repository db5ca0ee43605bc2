"""Every clinical resource type, built from the demo clinic through the registry, is R4 as
three validators see it: fhir.resources (the builders' own guard), pyfhircheck (bindings,
contained references, answers against the Questionnaire) and fhirkit-rs (unknown elements,
types, cardinality). Building a type's rows asks the database a fixed number of times,
however many rows there are."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mesodesk.fhir.registry import REGISTRY, Context
from tests.fhir.clinical_world import (
    CLINICAL,
    World,
    all_of,
    fhirkit_errors,
    pyfhircheck_errors,
    resources,
    seeded_fixture,  # noqa: F401 - the fixtures
    world_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", CLINICAL)
def test_every_resource_of_the_demo_is_valid_r4(world: World, name: str) -> None:
    built = all_of(name, world.ctx)
    assert built, f"the demo has no {name}"
    for resource in built:
        assert resource["resourceType"] == name
        assert REGISTRY[name].source_for(resource["id"]) is not None
        assert pyfhircheck_errors(resource) == [], resource["id"]
        assert fhirkit_errors(resource) == [], resource["id"]


@pytest.mark.parametrize("name", CLINICAL)
def test_building_a_type_asks_the_database_a_fixed_number_of_times(
    world: World, name: str, django_assert_max_num_queries: Any
) -> None:
    fhir_type = REGISTRY[name]

    def build(limit: int | None) -> int:
        with CaptureQueriesContext(connection) as captured:
            for source in fhir_type.sources:
                rows = source.rows(world.ctx)
                for row in (rows if limit is None else rows[:limit]).iterator(chunk_size=500):
                    source.build(row, world.ctx)
        return len(captured)

    assert build(None) == build(1)  # per type, not per row
    # The rows and each prefetched relation: one query each, at most four a source.
    with django_assert_max_num_queries(4 * len(fhir_type.sources)):
        build(None)


def test_the_validators_catch_what_a_builder_could_get_wrong(world: World) -> None:
    """Which validator catches what: a broken contained reference and a code outside a
    required value set are pyfhircheck's; an element R4 does not have is fhirkit-rs's."""
    given = all_of("MedicationAdministration", world.ctx)[0]
    assert pyfhircheck_errors(given) == [] and fhirkit_errors(given) == []

    dangling = copy.deepcopy(given)
    dangling["medicationReference"]["reference"] = "#lot"
    assert any("contained" in e for e in pyfhircheck_errors(dangling))

    wrong_code = copy.deepcopy(given)
    wrong_code["status"] = "given"
    assert any("status" in e for e in pyfhircheck_errors(wrong_code))

    unknown = copy.deepcopy(given)
    unknown["dosage"]["depth"] = {"value": 2}
    assert any("unknown element" in e for e in fhirkit_errors(unknown))


def test_the_front_desk_gets_consent_status_but_no_clinical_type(world: World) -> None:
    from mesodesk.clinics.reading import may_read

    readable = {n for n in CLINICAL if may_read(world.desk, REGISTRY[n].part)}
    assert readable == {"Consent", "Questionnaire"}
    assert all(may_read(world.practitioner, REGISTRY[n].part) for n in CLINICAL)
    # The Consent points at its PDF; the bytes are not the front desk's.
    ctx = Context(clinic=world.clinic, member=world.desk, base=world.ctx.base)
    consent = resources(REGISTRY["Consent"], ctx)[0]
    assert consent["sourceAttachment"]["url"].startswith("Binary/consent-")
    assert not may_read(world.desk, REGISTRY["Binary"].part)
