"""Every resource we emit passes three validators; the administrative and diary types
carry what an integrator needs (codes from their bound value sets)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.clinics.services import set_active, update_clinic_settings
from mesodesk.fhir.registry import REGISTRY
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.services import close_plan
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.fhir.conftest import Get
from tests.fhir.validation import problems

pytestmark = pytest.mark.django_db


def entries(fhir_get: Get, token: str, query: str) -> list[dict[str, Any]]:
    bundle = fhir_get(query, token).json()
    assert problems(bundle) == []
    return [entry["resource"] for entry in bundle.get("entry", [])]


# Binary is read by id only (its reads are checked in test_server and the clinical tests).
@pytest.mark.parametrize("type_name", sorted(n for n, t in REGISTRY.items() if t.searchable))
def test_every_resource_of_every_type_passes_all_three_validators(
    world: dict[str, int], fhir_get: Get, tokens: dict[str, str], type_name: str
) -> None:
    resources = entries(fhir_get, tokens["admin"], f"{type_name}?_count=500")
    assert resources, f"the world has no {type_name}"
    for resource in resources:
        assert resource["resourceType"] == type_name
        assert problems(resource) == [], resource


def test_the_validators_catch_what_each_is_there_for() -> None:
    """A bad code (pyfhircheck), an unknown element (fhirkit), a wrong type
    (fhir.resources): each broken sample is refused by the validator named."""
    good = {
        "resourceType": "Location",
        "id": "1",
        "status": "active",
        "name": "Room 1",
    }
    assert problems(good) == []
    bad_code = problems(good | {"status": "open"})
    assert any(p.startswith("pyfhircheck") for p in bad_code), bad_code
    unknown = problems(good | {"colour": "blue"})
    assert any(p.startswith("fhirkit") for p in unknown), unknown
    wrong_type = problems(good | {"name": ["Room 1"]})
    assert any(p.startswith("fhir.resources") for p in wrong_type), wrong_type


def test_the_clinic_is_an_organization_with_its_address_and_phone(
    clinic: Clinic, alice: User, fhir_get: Get, tokens: dict[str, str]
) -> None:
    update_clinic_settings(
        clinic=clinic, address="Lindenstraße 4\n10115 Berlin", phone="+49301234567"
    )
    (organization,) = entries(fhir_get, tokens["front_desk"], "Organization")
    assert organization["name"] == "Lindenhof Aesthetics"
    assert organization["address"][0]["line"] == ["Lindenstraße 4", "10115 Berlin"]
    assert organization["telecom"] == [{"system": "phone", "value": "+49301234567", "use": "work"}]
    assert organization["identifier"][0] == {
        "system": "urn:mesodesk:lindenhof:clinic",
        "value": "lindenhof",
    }


def test_staff_are_practitioners_with_a_role_each(
    clinic: Clinic,
    alice: User,
    pedro: User,
    fiona: User,
    other_clinic: Clinic,
    fhir_get: Get,
    tokens: dict[str, str],
) -> None:
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.services import add_member

    add_member(clinic=other_clinic, user=pedro, role=Role.ADMIN)  # works at Harbour too
    practitioners = entries(fhir_get, tokens["admin"], "Practitioner")
    assert sorted(p["telecom"][0]["value"] for p in practitioners) == [
        "alice@lindenhof.test",
        "fiona@lindenhof.test",
        "pedro@lindenhof.test",
    ]
    roles = entries(fhir_get, tokens["admin"], "PractitionerRole")
    by_practitioner = {r["practitioner"]["reference"]: r["code"][0]["coding"][0] for r in roles}
    assert by_practitioner[f"Practitioner/{pedro.pk}"]["code"] == "practitioner"
    assert by_practitioner[f"Practitioner/{fiona.pk}"]["display"] == "Front desk"
    assert all(r["organization"]["reference"] == f"Organization/{clinic.pk}" for r in roles)
    desks = entries(fhir_get, tokens["admin"], "PractitionerRole?role=front_desk")
    assert [r["practitioner"]["reference"] for r in desks] == [f"Practitioner/{fiona.pk}"]


def test_rooms_and_devices_are_locations_and_devices_with_their_state(
    lindenhof_ids: dict[str, int],
    clinic: Clinic,
    fhir_get: Get,
    tokens: dict[str, str],
) -> None:
    room = Room.objects.get(clinic=clinic)
    device = Device.objects.get(clinic=clinic)
    device.room = room
    device.save()
    set_active(clinic=clinic, resource=room, active=False)
    (location,) = entries(fhir_get, tokens["admin"], "Location")
    assert location["status"] == "inactive" and location["name"] == room.name
    assert location["physicalType"]["coding"][0]["code"] == "ro"
    assert entries(fhir_get, tokens["admin"], "Location?status=active") == []
    (served,) = entries(fhir_get, tokens["admin"], "Device")
    assert served["deviceName"] == [{"name": "Needles", "type": "user-friendly-name"}]
    assert served["modelNumber"] == "30G 4 mm"
    assert served["type"]["coding"][0]["code"] == "manual_needle_kit"
    assert served["location"]["reference"] == f"Location/{room.pk}"


def test_appointment_statuses_map_to_fhirs_and_name_every_participant(
    lindenhof_ids: dict[str, int], fhir_get: Get, tokens: dict[str, str], clinic: Clinic
) -> None:
    appointment = Appointment.objects.get(pk=lindenhof_ids["appointment_id"])
    served = entries(fhir_get, tokens["front_desk"], f"Appointment?_id={appointment.pk}")[0]
    assert served["status"] == "booked"
    assert served["appointmentType"]["coding"][0]["code"] == "ROUTINE"
    assert served["serviceType"][0]["coding"][0]["code"] == "consultation"
    actors = [p["actor"]["reference"] for p in served["participant"]]
    assert actors == [
        f"Patient/{appointment.patient_id}",
        f"Practitioner/{appointment.practitioner_id}",
        f"Location/{appointment.room_id}",
    ]
    now = timezone.now()
    for ours, theirs, fields in [
        (AppointmentStatus.BOOKED, "arrived", {"arrived_at": now}),
        (AppointmentStatus.COMPLETED, "fulfilled", {"ended_at": now}),
        (AppointmentStatus.NO_SHOW, "noshow", {"ended_at": now, "arrived_at": None}),
        (
            AppointmentStatus.LATE_CANCELLED,
            "cancelled",
            {"ended_at": None, "cancelled_at": now},
        ),
    ]:
        Appointment.objects.filter(pk=appointment.pk).update(status=ours, **fields)
        served = entries(fhir_get, tokens["admin"], f"Appointment?_id={appointment.pk}")[0]
        assert served["status"] == theirs
        assert [r["id"] for r in entries(fhir_get, tokens["admin"], f"Appointment?status={theirs}")]
        assert problems(served) == []


def test_a_plan_is_a_care_plan_with_its_sessions_as_activities(
    lindenhof_ids: dict[str, int],
    clinic: Clinic,
    pedro: User,
    fhir_get: Get,
    tokens: dict[str, str],
) -> None:
    plan = TreatmentPlan.objects.get(pk=lindenhof_ids["plan_id"])
    (served,) = entries(fhir_get, tokens["practitioner"], "CarePlan")
    assert served["status"] == "active" and served["intent"] == "plan"
    assert served["subject"]["reference"] == f"Patient/{plan.patient_id}"
    activities = served["activity"]
    assert len(activities) == plan.sessions.count()
    first = activities[0]["detail"]
    assert first["status"] in ("scheduled", "not-started")
    assert (
        first["scheduledPeriod"]["start"]
        == plan.sessions.order_by("number")[0].starts_at.isoformat()
    )
    booked = Appointment.objects.filter(planned_session__plan=plan, status="booked")
    scheduled = sum(1 for a in activities if a["detail"]["status"] == "scheduled")
    assert scheduled == booked.count()
    before = served["meta"]["lastUpdated"]
    close_plan(clinic=clinic, plan=plan, by=pedro)
    (closed,) = entries(fhir_get, tokens["practitioner"], "CarePlan?status=completed")
    assert closed["meta"]["lastUpdated"] > before
    assert entries(fhir_get, tokens["practitioner"], "CarePlan?status=active") == []
    later = (timezone.now() - timedelta(seconds=5)).isoformat().replace("+00:00", "Z")
    assert entries(fhir_get, tokens["practitioner"], f"CarePlan?_lastUpdated=ge{later}")


def test_an_erased_patient_is_served_by_a_pseudonym_and_not_found_by_name(
    clinic: Clinic, fhir_get: Get, tokens: dict[str, str]
) -> None:
    """Once the clinic granted an erasure request, FHIR names the patient as every list and
    export does; the old name finds nothing, the record's id still reads it."""
    from mesodesk.patients.models import Patient
    from mesodesk.patients.services import register_patient

    erased = register_patient(
        clinic=clinic,
        by=User.objects.get(email__startswith="fiona"),
        first_name="Erika",
        last_name="Vergessen",
    )
    Patient.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    (resource,) = entries(fhir_get, tokens["admin"], f"Patient?_id={erased.pk}")
    assert resource["name"] == [{"use": "anonymous", "text": f"Patient #{erased.pk} (erased)"}]
    assert "Vergessen" not in str(resource)
    assert entries(fhir_get, tokens["admin"], "Patient?name=Vergessen") == []
