"""The resource table every FHIR path walks: ids, the Patient type, one patient's resources."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.patient import Patient as PatientModel

from mesodesk.clinics.models import Clinic
from mesodesk.fhir.everything import patient_resources
from mesodesk.fhir.registry import REGISTRY, Context
from mesodesk.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_an_id_names_one_row_of_one_source() -> None:
    patient = REGISTRY["Patient"]
    found = patient.source_for("12")
    assert found is not None and found[1] == "12"
    assert patient.source_for("score-12") is None
    assert patient.source_for("../1") is None


def test_a_patient_is_a_valid_r4_patient_and_its_own_first_resource(clinic: Clinic) -> None:
    anna = Patient.objects.create(
        clinic=clinic,
        first_name="Anna",
        last_name="Muster",
        birth_date=date(1990, 1, 2),
        sex="female",
        email="anna@example.org",
    )
    ctx = Context(clinic=clinic, member=None, base="http://testserver/fhir/r4")
    resources = list(patient_resources(anna, ctx))
    first = resources[0]
    assert first["resourceType"] == "Patient" and first["id"] == str(anna.pk)
    model = PatientModel.model_validate(first)
    assert model.name[0].family == "Muster"
    assert model.birthDate == date(1990, 1, 2)
    assert first["meta"]["lastUpdated"] == anna.updated_at.isoformat()
    assert all(r["resourceType"] != "Patient" or r["id"] == str(anna.pk) for r in resources)


def test_sampled_validation_checks_the_first_and_one_in_n() -> None:

    from mesodesk.fhir.registry import built, sampled_validation

    bad = {"resourceType": "Patient", "birthDate": "not a date"}
    with pytest.raises(ValueError):
        built("Patient", bad)  # outside an export: every resource
    with sampled_validation(3):
        with pytest.raises(ValueError):
            built("Patient", bad)  # the first
        assert built("Patient", bad) is bad and built("Patient", bad) is bad
        with pytest.raises(ValueError):
            built("Patient", bad)  # the fourth
