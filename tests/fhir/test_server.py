"""The server over every registered type: the CapabilityStatement, who reads what (401,
403, 404 as OperationOutcome), access events, Binary's raw content and `$everything`."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.reading import may_read
from mesodesk.fhir.everything import patient_resources
from mesodesk.fhir.registry import REGISTRY, Context, fhir_id
from mesodesk.patients.models import Patient
from tests.fhir.conftest import BASE, Get
from tests.fhir.validation import problems

pytestmark = pytest.mark.django_db


def one_id(clinic: Clinic, type_name: str) -> str:
    """The id of one of the clinic's resources of `type_name` (its first source's first
    row); the world has one of each."""
    fhir_type = REGISTRY[type_name]
    ctx = Context(clinic=clinic, member=None, base="")
    for source in fhir_type.sources:
        row = source.rows(ctx).first()
        if row is not None:
            return fhir_id(source, row)
    raise AssertionError(f"the world has no {type_name}")


def is_outcome(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code
    assert problems(body) == []


def test_the_capability_statement_lists_every_type_search_parameter_and_operation(
    client: Client,
) -> None:
    response = client.get(f"{BASE}/metadata")
    assert response.status_code == 200
    statement = response.json()
    assert problems(statement) == []
    assert statement["fhirVersion"] == "4.0.1" and statement["format"] == ["json"]
    assert statement["instantiates"] == [
        "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"
    ]
    rest = statement["rest"][0]
    assert rest["operation"] == [
        {
            "name": "export",
            "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
        }
    ]
    served = {resource["type"]: resource for resource in rest["resource"]}
    assert set(REGISTRY) <= set(served)
    for name, fhir_type in REGISTRY.items():
        codes = [i["code"] for i in served[name]["interaction"]]
        assert codes == (["read", "search-type"] if fhir_type.searchable else ["read"])
        if fhir_type.searchable:
            params = {p["name"] for p in served[name]["searchParam"]}
            assert {"_id", "_lastUpdated", "_count"} <= params
            assert {p.name for p in fhir_type.search} <= params
    assert {p["name"] for p in served["Appointment"]["searchParam"]} >= {
        "patient",
        "date",
        "status",
        "practitioner",
    }
    assert "subject" in {p["name"] for p in served["CarePlan"]["searchParam"]}
    operations = {
        (o["name"], o["definition"].rsplit("/", 1)[1]) for o in served["Patient"]["operation"]
    }
    assert operations == {("everything", "Patient-everything"), ("export", "patient-export")}
    assert served["Group"]["operation"][0]["definition"].endswith("/group-export")


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
def test_every_type_refuses_a_caller_without_a_token_or_with_a_wrong_one(
    world: dict[str, int], clinic: Clinic, fhir_get: Get, type_name: str
) -> None:
    resource_id = one_id(clinic, type_name)
    is_outcome(fhir_get(f"{type_name}/{resource_id}"), 401, "login")
    is_outcome(fhir_get(f"{type_name}/{resource_id}", "mdk_not-a-token"), 401, "login")
    if REGISTRY[type_name].searchable:
        response = fhir_get(type_name)
        is_outcome(response, 401, "login")
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
def test_another_clinics_token_finds_none_of_lindenhofs_resources(
    world: dict[str, int],
    clinic: Clinic,
    fhir_get: Get,
    outsider_token: str,
    tokens: dict[str, str],
    type_name: str,
) -> None:
    resource_id = one_id(clinic, type_name)
    assert fhir_get(f"{type_name}/{resource_id}", tokens["admin"]).status_code == 200
    is_outcome(fhir_get(f"{type_name}/{resource_id}", outsider_token), 404, "not-found")
    if REGISTRY[type_name].searchable:
        found = fhir_get(f"{type_name}?_id={resource_id}", outsider_token).json()
        assert found["total"] == 0 and "entry" not in found


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
def test_each_role_reads_the_types_its_read_policy_allows(
    world: dict[str, int],
    clinic: Clinic,
    fhir_get: Get,
    tokens: dict[str, str],
    type_name: str,
) -> None:
    resource_id = one_id(clinic, type_name)
    fhir_type = REGISTRY[type_name]
    for role, token in tokens.items():
        read = fhir_get(f"{type_name}/{resource_id}", token)
        if may_read(role, fhir_type.part):
            assert read.status_code == 200, (role, read.content[:300])
            # Patient data is never kept by a cache on the way (web.caching).
            directives = {d.strip() for d in read["Cache-Control"].split(",")}
            assert {"private", "no-store"} <= directives, read["Cache-Control"]
        else:
            is_outcome(read, 403, "forbidden")
            if fhir_type.searchable:
                is_outcome(fhir_get(type_name, token), 403, "forbidden")


def test_the_front_desk_reads_patients_and_appointments_but_no_clinical_type(
    lindenhof_ids: dict[str, int], fhir_get: Get, tokens: dict[str, str]
) -> None:
    desk = tokens["front_desk"]
    assert fhir_get("Patient", desk).status_code == 200
    assert fhir_get("Appointment", desk).status_code == 200
    is_outcome(fhir_get("CarePlan", desk), 403, "forbidden")
    clinical = [name for name, t in REGISTRY.items() if not may_read("front_desk", t.part)]
    assert "CarePlan" in clinical


def test_an_unknown_type_or_id_is_a_404_outcome(
    lindenhof_ids: dict[str, int], fhir_get: Get, tokens: dict[str, str]
) -> None:
    is_outcome(fhir_get("Spaceship/1", tokens["admin"]), 404, "not-found")
    is_outcome(fhir_get("Spaceship", tokens["admin"]), 404, "not-found")
    is_outcome(fhir_get("Patient/999999", tokens["admin"]), 404, "not-found")
    is_outcome(fhir_get("Patient/abc", tokens["admin"]), 404, "not-found")


def test_writes_are_refused_with_an_outcome(
    lindenhof_ids: dict[str, int], client: Client, tokens: dict[str, str]
) -> None:
    response = client.delete(
        f"{BASE}/Patient/{lindenhof_ids['patient_id']}",
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    is_outcome(response, 405, "not-supported")


def test_a_read_of_a_patients_resource_leaves_one_access_event(
    lindenhof_ids: dict[str, int], fhir_get: Get, tokens: dict[str, str], clinic: Clinic
) -> None:
    before = AccessEvent.objects.count()
    appointment = lindenhof_ids["appointment_id"]
    assert fhir_get(f"Appointment/{appointment}", tokens["front_desk"]).status_code == 200
    assert AccessEvent.objects.count() == before + 1
    event = AccessEvent.objects.order_by("-pk").first()
    assert event is not None and event.object_type == "scheduling.appointment"
    assert event.patient_id == lindenhof_ids["patient_id"]
    assert event.object_id == str(appointment) and event.action == "read"
    assert event.user is not None and event.user.email == "fiona@lindenhof.test"
    assert event.path == f"{BASE}/Appointment/{appointment}"
    # Who works at the clinic is no patient's data.
    assert fhir_get("Practitioner", tokens["front_desk"]).status_code == 200
    assert AccessEvent.objects.count() == before + 1


def test_a_search_page_leaves_one_access_event_per_patient_on_it(
    lindenhof_ids: dict[str, int], fhir_get: Get, tokens: dict[str, str]
) -> None:
    before = set(AccessEvent.objects.values_list("pk", flat=True))
    bundle = fhir_get("Appointment", tokens["admin"]).json()
    patients = {e["resource"]["participant"][0]["actor"]["reference"] for e in bundle["entry"]}
    events = AccessEvent.objects.exclude(pk__in=before)
    assert len(patients) == 2 and bundle["total"] == 2
    assert sorted(f"Patient/{e.patient_id}" for e in events) == sorted(patients)


def test_binary_answers_its_bytes_unless_fhir_json_is_asked_for(
    world: dict[str, int], clinic: Clinic, fhir_get: Get, tokens: dict[str, str]
) -> None:
    binary = REGISTRY.get("Binary")
    if binary is None:
        pytest.skip("Binary is served once the clinical types are merged")
    resource_id = one_id(clinic, "Binary")
    raw = fhir_get(f"Binary/{resource_id}", tokens["practitioner"], Accept="*/*")
    assert raw.status_code == 200
    assert not raw["Content-Type"].startswith("application/fhir+json")
    wrapped = fhir_get(f"Binary/{resource_id}", tokens["practitioner"]).json()
    assert wrapped["resourceType"] == "Binary" and problems(wrapped) == []
    assert wrapped["contentType"] == raw["Content-Type"].split(";")[0]


def test_everything_holds_exactly_that_patients_resources_and_whom_they_name(
    lindenhof_ids: dict[str, int], clinic: Clinic, fhir_get: Get, tokens: dict[str, str]
) -> None:
    patient = Patient.objects.get(pk=lindenhof_ids["patient_id"])
    other = Patient.objects.exclude(pk=patient.pk).get(clinic=clinic)
    bundle = fhir_get(f"Patient/{patient.pk}/$everything", tokens["admin"]).json()
    assert problems(bundle) == []
    matches = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
    included = {
        e["resource"]["resourceType"] for e in bundle["entry"] if e["search"]["mode"] == "include"
    }
    assert matches[0]["resourceType"] == "Patient" and matches[0]["id"] == str(patient.pk)
    ctx = Context(clinic=clinic, member=None, base="")
    expected = {(r["resourceType"], r["id"]) for r in patient_resources(patient, ctx)}
    assert {(r["resourceType"], r["id"]) for r in matches} == expected
    assert {"Patient", "Appointment", "CarePlan"} <= {t for t, _ in expected}
    assert f"Patient/{other.pk}" not in bundle_references(matches)
    assert all(
        ref in (f"Patient/{patient.pk}",) or not ref.startswith("Patient/")
        for ref in bundle_references(matches)
    )
    assert {"Practitioner", "Location", "Organization"} <= included
    assert bundle["total"] == len(matches) + sum(
        1 for e in bundle["entry"] if e["search"]["mode"] == "include"
    )
    # The other patient's $everything holds none of this one's resources.
    theirs = fhir_get(f"Patient/{other.pk}/$everything", tokens["admin"]).json()
    assert (
        not {
            (e["resource"]["resourceType"], e["resource"]["id"])
            for e in theirs["entry"]
            if e["search"]["mode"] == "match"
        }
        & expected
    )


def bundle_references(resources: list[dict[str, Any]]) -> set[str]:
    from mesodesk.fhir.views import _references

    return {ref for resource in resources for ref in _references(resource)}


def test_everything_follows_the_read_policy_and_the_clinic(
    lindenhof_ids: dict[str, int],
    fhir_get: Get,
    tokens: dict[str, str],
    outsider_token: str,
) -> None:
    patient = lindenhof_ids["patient_id"]
    desk = fhir_get(f"Patient/{patient}/$everything", tokens["front_desk"]).json()
    types = {e["resource"]["resourceType"] for e in desk["entry"]}
    assert "Appointment" in types and "CarePlan" not in types
    assert types <= {name for name, t in REGISTRY.items() if may_read("front_desk", t.part)}
    is_outcome(fhir_get(f"Patient/{patient}/$everything", outsider_token), 404, "not-found")
    before = AccessEvent.objects.filter(patient_id=patient).count()
    fhir_get(f"Patient/{patient}/$everything", tokens["practitioner"])
    assert AccessEvent.objects.filter(patient_id=patient).count() == before + 1


def test_bulk_access_events_refuse_another_clinics_rows(
    lindenhof_ids: dict[str, int], clinic: Clinic, other_clinic: Clinic, rf: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import ValidationError

    from mesodesk.audit.services import record_reads

    request = rf.get("/fhir/r4/Patient")
    request.user = AnonymousUser()
    patient = Patient.objects.get(pk=lindenhof_ids["patient_id"])
    with pytest.raises(ValidationError):
        record_reads(request, clinic=other_clinic, reads=[(patient, patient.pk)])
    events = record_reads(
        request, clinic=clinic, reads=[(patient, patient.pk), (patient, patient.pk)]
    )
    assert len(events) == 1 and events[0].patient_id == patient.pk and events[0].user is None
