"""The clinical types' search parameters narrow the rows as FHIR search says (applied to
the queryset, as the search view applies them), their ORM paths (patient, date,
lastUpdated) filter, and a patient's resources are exactly theirs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mesodesk.charting.models import Administration
from mesodesk.charting.services import mark_entered_in_error
from mesodesk.consents.choices import Channel
from mesodesk.consents.models import SignedConsent
from mesodesk.consents.services import withdraw_consent
from mesodesk.fhir.everything import patient_resources
from mesodesk.fhir.registry import REGISTRY, Context, SearchParam
from mesodesk.outcomes.models import Score
from mesodesk.patients.models import IntakeVersion, Patient
from tests.fhir.clinical_world import (
    CLINICAL,
    World,
    all_of,
    seeded_fixture,  # noqa: F401 - the fixtures
    world_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
FAR_AHEAD = datetime(2100, 1, 1, tzinfo=UTC)


def param(type_name: str, name: str) -> SearchParam:
    return next(p for p in REGISTRY[type_name].search if p.name == name)


def found(type_name: str, name: str, value: str, ctx: Context, prefix: str = "") -> set[str]:
    """The ids a search by one parameter finds, over every source of the type."""
    fhir_type = REGISTRY[type_name]
    search = param(type_name, name)
    return {
        f"{source.prefix}{pk}"
        for source in fhir_type.sources
        for pk in search.apply(source.rows(ctx), prefix, value).values_list("pk", flat=True)
    }


def test_a_recall_finds_every_administration_of_a_lot(world: World) -> None:
    numbers = list(
        Administration.objects.filter(clinic=world.clinic, lot__isnull=False)
        .values_list("lot__number", flat=True)
        .distinct()
        .order_by("lot__number")
    )
    assert len(numbers) >= 2
    first, second = numbers[:2]

    def given(*lots: str) -> set[str]:
        rows = Administration.objects.filter(clinic=world.clinic, lot__number__in=lots)
        return {str(pk) for pk in rows.values_list("pk", flat=True)}

    assert found("MedicationAdministration", "lot-number", first, world.ctx) == given(first)
    assert found("MedicationAdministration", "lot-number", f"urn:x|{first}", world.ctx) == given(
        first
    )
    assert found("MedicationAdministration", "lot-number", f"{first},{second}", world.ctx) == given(
        first, second
    )
    assert found("MedicationAdministration", "lot-number", "NO-SUCH-LOT", world.ctx) == set()
    # And every resource found carries the lot in its contained Medication.
    resources = {r["id"]: r for r in all_of("MedicationAdministration", world.ctx)}
    for fhir_id in given(first):
        assert resources[fhir_id]["contained"][0]["batch"]["lotNumber"] == first


def test_the_medication_name_search_starts_with_or_is_exact(world: World) -> None:
    name = Administration.objects.filter(clinic=world.clinic).values_list(
        "product__name", flat=True
    )[0]
    every = {
        str(pk)
        for pk in Administration.objects.filter(
            clinic=world.clinic, product__name=name
        ).values_list("pk", flat=True)
    }
    assert every <= found("MedicationAdministration", "medication.name", name[:4], world.ctx)
    assert found("MedicationAdministration", "medication.name", name, world.ctx, ":exact") == every


def test_status_searches_follow_what_happened(world: World) -> None:
    given = Administration.objects.filter(clinic=world.clinic).first()
    assert given is not None
    assert found("MedicationAdministration", "status", "entered-in-error", world.ctx) == set()
    mark_entered_in_error(
        clinic=world.clinic, administration=given, by=world.practitioner.user, reason="Wrong"
    )
    assert found("MedicationAdministration", "status", "entered-in-error", world.ctx) == {
        str(given.pk)
    }
    assert str(given.pk) not in found("MedicationAdministration", "status", "completed", world.ctx)

    consent = SignedConsent.objects.filter(clinic=world.clinic).first()
    assert consent is not None
    withdraw_consent(
        clinic=world.clinic, consent=consent, by=world.practitioner.user, channel=Channel.TABLET
    )
    assert str(consent.pk) in found("Consent", "status", "inactive", world.ctx)
    assert str(consent.pk) not in found("Consent", "status", "active", world.ctx)

    signed = found("Procedure", "status", "completed", world.ctx)
    drafts = found("Procedure", "status", "in-progress", world.ctx)
    assert signed and not signed & drafts
    assert signed | drafts == {r["id"] for r in all_of("Procedure", world.ctx)}


def test_observations_are_found_by_scale(world: World) -> None:
    fitzpatrick = found("Observation", "code", "fitzpatrick", world.ctx)
    intakes = (
        IntakeVersion.objects.filter(clinic=world.clinic, answers__has_key="fitzpatrick")
        .exclude(answers__fitzpatrick=None)
        .values_list("pk", flat=True)
    )
    assert {f"fitzpatrick-{pk}" for pk in intakes} <= fitzpatrick
    gais = found("Observation", "code", "gais", world.ctx)
    scores = Score.objects.filter(clinic=world.clinic, scale="gais").values_list("pk", flat=True)
    assert gais == {f"score-{pk}" for pk in scores} and gais
    assert found("Observation", "status", "final", world.ctx) == {
        r["id"] for r in all_of("Observation", world.ctx)
    }


def test_every_source_filters_by_its_patient_date_and_last_updated_paths(world: World) -> None:
    for name in CLINICAL:
        for source in REGISTRY[name].sources:
            rows: Any = source.rows(world.ctx)
            total = rows.count()
            assert rows.filter(**{f"{source.updated}__lte": FAR_AHEAD}).count() == total
            assert rows.filter(**{f"{source.updated}__lt": LONG_AGO}).count() == 0
            if source.date is not None:
                assert rows.filter(**{f"{source.date}__gte": LONG_AGO}).count() == total
            if source.patient is not None:
                patients = Patient.objects.filter(clinic=world.clinic).values_list("pk", flat=True)
                assert rows.filter(**{f"{source.patient}__in": list(patients)}).count() == total


def _patient_of(resource: dict[str, Any]) -> str | None:
    for key in ("subject", "patient"):
        if key in resource:
            return str(resource[key]["reference"])
    for participant in resource.get("participant", ()):  # Appointment
        reference = participant.get("actor", {}).get("reference", "")
        if reference.startswith("Patient/"):
            return str(reference)
    return None


def test_a_patients_resources_are_exactly_theirs(world: World) -> None:
    anna = (
        Patient.objects.filter(
            clinic=world.clinic, session_records__isnull=False, photos__isnull=False
        )
        .distinct()
        .first()
    )
    assert anna is not None
    theirs = list(patient_resources(anna, world.ctx))
    mine = f"Patient/{anna.pk}"
    kinds = {r["resourceType"] for r in theirs}
    assert {"Procedure", "MedicationAdministration", "Consent", "Media", "Observation"} <= kinds
    for resource in theirs[1:]:
        assert _patient_of(resource) == mine, (resource["resourceType"], resource["id"])
    # Everything of theirs, nothing twice: what each type holds of them.
    expected = {
        (r["resourceType"], r["id"])
        for name in REGISTRY
        for r in all_of(name, world.ctx)
        if _patient_of(r) == mine
    }
    got = [(r["resourceType"], r["id"]) for r in theirs if r["resourceType"] != "Patient"]
    assert len(got) == len(set(got))
    assert set(got) == expected


def test_the_front_desk_gets_only_a_patients_diary_parts(world: World) -> None:
    anna = Patient.objects.filter(clinic=world.clinic, signed_consents__isnull=False).first()
    assert anna is not None
    desk = Context(clinic=world.clinic, member=world.desk, base=world.ctx.base)
    kinds = {r["resourceType"] for r in patient_resources(anna, desk)}
    assert kinds <= {"Patient", "Consent", "Appointment", "Practitioner", "Organization"}
    assert "Consent" in kinds
