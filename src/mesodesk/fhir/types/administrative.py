"""Who and where: Patient, Practitioner, PractitionerRole, Organization, Location, Device,
Appointment and CarePlan."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.patient import Patient as PatientModel

from mesodesk.clinics.reading import Part
from mesodesk.fhir.registry import Context, FhirType, Resource, Source, built, meta, register
from mesodesk.patients.models import Patient

GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def clinic_system(ctx: Context, kind: str) -> str:
    """The identifier system of one kind of mesodesk id at this clinic."""
    return f"urn:mesodesk:{ctx.clinic.slug}:{kind}"


def _patients(ctx: Context) -> Any:
    # Merged duplicates are served too (their record is kept), linked to the one kept.
    return Patient.objects.filter(clinic=ctx.clinic).order_by("pk")


def _patient(row: Patient, ctx: Context) -> Resource:
    data: Resource = {
        "resourceType": "Patient",
        "id": str(row.pk),
        "meta": meta(row.updated_at),
        "identifier": [{"system": clinic_system(ctx, "patient"), "value": str(row.pk)}],
        "active": row.merged_into_id is None,
        "name": [{"use": "official", "family": row.last_name, "given": [row.first_name]}],
        "gender": GENDER.get(row.sex, "unknown"),
    }
    if row.birth_date:
        data["birthDate"] = row.birth_date.isoformat()
    telecom = []
    if row.email:
        telecom.append({"system": "email", "value": row.email})
    if row.phone:
        telecom.append({"system": "phone", "value": row.phone, "use": "mobile"})
    if telecom:
        data["telecom"] = telecom
    if row.merged_into_id is not None:
        data["link"] = [
            {"other": {"reference": f"Patient/{row.merged_into_id}"}, "type": "replaced-by"}
        ]
    return built(PatientModel, data)


PATIENT = register(
    FhirType(
        name="Patient",
        part=Part.IDENTITY,
        sources=(Source(rows=_patients, build=_patient, patient="pk", updated="updated_at"),),
        documentation="A person treated, or to be treated, at the clinic.",
    )
)
