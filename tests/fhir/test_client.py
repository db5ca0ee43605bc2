"""The server as integrators meet it: real FHIR client libraries over HTTP against a live
server — fhirpy (reads, searches, pages through `next` links, counts) and SMART's
fhirclient (parses the CapabilityStatement and every resource with its strict R4 models)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fhirclient import client as smart_client
from fhirclient.models.appointment import Appointment as SmartAppointment
from fhirclient.models.bundle import Bundle as SmartBundle
from fhirclient.models.patient import Patient as SmartPatient
from fhirpy import SyncFHIRClient

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.fhir.registry import REGISTRY
from mesodesk.patients.models import Patient
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.fhir.conftest import BASE
from tests.scheduling.conftest import make_patient

# The live server reads what the test wrote: committed, not inside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def twelve(clinic: Clinic, fiona: User, pedro: User, room: Room) -> Patient:
    """A patient with twelve fulfilled sessions, one a month of 2025."""
    patient = make_patient(clinic, fiona, "Twelve")
    for month in range(1, 13):
        start = datetime(2025, month, 3, 10, tzinfo=BERLIN)
        Appointment.objects.create(
            clinic=clinic,
            patient=patient,
            kind=AppointmentKind.SESSION,
            practitioner=pedro,
            room=room,
            start=start,
            end=start + timedelta(minutes=30),
            status=AppointmentStatus.COMPLETED,
            created_by=fiona,
            ended_at=start + timedelta(minutes=30),
            ended_by=pedro,
        )
    return patient


def test_fhirpy_reads_searches_and_pages_as_an_integrator_would(
    live_server: object,
    lindenhof_ids: dict[str, int],
    twelve: Patient,
    tokens: dict[str, str],
) -> None:
    fhir = SyncFHIRClient(f"{live_server}{BASE}", authorization=f"Bearer {tokens['admin']}")
    patient = fhir.reference("Patient", str(twelve.pk)).to_resource()
    assert patient["name"][0]["family"] == "Twelve"
    sessions = fhir.resources("Appointment").search(patient=f"Patient/{twelve.pk}")
    assert sessions.count() == 12
    # fetch_all follows each page's `next` link: five pages of 3, 3, 3, 3 and none.
    every = sessions.limit(3).fetch_all()
    assert len(every) == 12
    assert [a["start"][:7] for a in every] == [f"2025-{m:02}" for m in range(1, 13)]
    spring = (
        fhir.resources("Appointment")
        .search(patient=twelve.pk, status="fulfilled")
        .search(date__ge="2025-03-01", date__lt="2025-06")
        .fetch_all()
    )
    assert [a["start"][:7] for a in spring] == ["2025-03", "2025-04", "2025-05"]
    plan = fhir.resources("CarePlan").search(subject=f"Patient/{lindenhof_ids['patient_id']}")
    assert plan.first()["intent"] == "plan"
    for type_name, fhir_type in REGISTRY.items():
        if fhir_type.searchable:
            assert fhir.resources(type_name).count() >= 1, type_name


def test_fhirclient_parses_the_capability_statement_and_every_resource_strictly(
    request: pytest.FixtureRequest,
    live_server: object,
    lindenhof_ids: dict[str, int],
    twelve: Patient,
    tokens: dict[str, str],
) -> None:
    smart = smart_client.FHIRClient(
        settings={"app_id": "mesodesk-tests", "api_base": f"{live_server}{BASE}/"}
    )
    session = smart.server.session
    session.headers["Authorization"] = f"Bearer {tokens['front_desk']}"
    # Closed at the end: a kept-alive connection keeps the live server's request thread,
    # and its database connection, open past the test (PostgreSQL then cannot drop the
    # test database).
    request.addfinalizer(session.close)
    smart.prepare()  # fetches and parses the CapabilityStatement
    capability = smart.server.capabilityStatement
    assert capability.fhirVersion == "4.0.1"
    served = {resource.type for resource in capability.rest[0].resource}
    assert set(REGISTRY) <= served
    patient = SmartPatient.read(str(twelve.pk), smart.server)
    assert patient.name[0].family == "Twelve"
    search = SmartAppointment.where(struct={"patient": str(twelve.pk), "_count": "5"})
    appointments = list(search.perform_resources_iter(smart.server))
    assert len(appointments) == 12
    assert {a.status for a in appointments} == {"fulfilled"}
    everything = SmartBundle(
        smart.server.request_json(f"Patient/{lindenhof_ids['patient_id']}/$everything")
    )
    assert everything.entry[0].resource.resource_type == "Patient"
    assert {e.resource.resource_type for e in everything.entry} >= {"Patient", "Appointment"}
