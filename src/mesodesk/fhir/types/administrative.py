"""Who and where: Patient, Practitioner, PractitionerRole, Organization, Location and
Device (the diary's Appointment and CarePlan are in `fhir.types.diary`)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Device, Membership, Room
from mesodesk.clinics.reading import Part
from mesodesk.core.library import load_library
from mesodesk.fhir.registry import (
    Context,
    FhirType,
    Resource,
    SearchParam,
    Source,
    built,
    meta,
    reference,
    register,
)
from mesodesk.fhir.search import by_date, reference_ids
from mesodesk.patients.models import Patient

GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def clinic_system(ctx: Context, kind: str) -> str:
    """The identifier system of one kind of mesodesk id at this clinic."""
    return f"urn:mesodesk:{ctx.clinic.slug}:{kind}"


def code_system(name: str) -> str:
    """mesodesk's own code system of `name` (staff roles, device types, appointment
    kinds): codes no HL7 value set has, used where the element's binding is example or
    extensible."""
    return f"urn:mesodesk:codes:{name}"


def identifier(ctx: Context, kind: str, value: object) -> list[Resource]:
    return [{"system": clinic_system(ctx, kind), "value": str(value)}]


def organization(ctx: Context) -> Resource:
    """The clinic as a reference."""
    return reference(ctx, "Organization", ctx.clinic.pk, ctx.clinic.name)


def person_name(user: User) -> Resource:
    """A staff member's HumanName; the e-mail address as its text when no name is set
    (FHIR strings are never empty)."""
    name: Resource = {"text": user.get_full_name() or user.email}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return name


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
        "managingOrganization": organization(ctx),
    }
    if row.erased_at is not None:
        # The clinic granted the patient's erasure request: served, as every list and
        # export shows them, by a pseudonym; the record itself is kept (GDPR Art. 17(3)(c)).
        data["name"] = [{"use": "anonymous", "text": row.list_name}]
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
    return built("Patient", data)


PATIENT = register(
    FhirType(
        name="Patient",
        part=Part.IDENTITY,
        sources=(Source(rows=_patients, build=_patient, patient="pk", updated="updated_at"),),
        search=(
            SearchParam(
                name="name",
                type="string",
                apply=lambda rows, how, value: rows.filter(
                    Q(first_name__icontains=value) | Q(last_name__icontains=value),
                    erased_at__isnull=True,
                ),
                documentation="Part of the given or family name, in any case (an erased"
                " patient's old name finds nothing).",
            ),
            SearchParam(
                name="birthdate",
                type="date",
                apply=by_date("birth_date"),
                documentation="The birth date, with prefixes and partial dates.",
            ),
            SearchParam(
                name="gender",
                type="token",
                apply=lambda rows, how, value: (
                    rows.exclude(sex=value) if how == ":not" else rows.filter(sex=value)
                ),
                documentation="female, male, other or unknown.",
            ),
        ),
        documentation="A person treated, or to be treated, at the clinic.",
    )
)


# Staff: every member of the clinic. A user's row carries the membership's last change
# (the join of the clinic filter, reused by the annotation: one row a user).
def _staff(ctx: Context) -> Any:
    return (
        User.objects.filter(memberships__clinic=ctx.clinic)
        .annotate(fhir_updated=F("memberships__updated_at"))
        .order_by("pk")
    )


def _practitioner(row: Any, ctx: Context) -> Resource:
    data: Resource = {
        "resourceType": "Practitioner",
        "id": str(row.pk),
        "meta": meta(row.fhir_updated),
        "identifier": identifier(ctx, "staff", row.pk),
        "active": row.is_active,
        "name": [person_name(row)],
        "telecom": [{"system": "email", "value": row.email, "use": "work"}],
    }
    return built("Practitioner", data)


PRACTITIONER = register(
    FhirType(
        name="Practitioner",
        part=Part.IDENTITY,
        sources=(Source(rows=_staff, build=_practitioner, patient=None, updated="fhir_updated"),),
        documentation="A staff member of the clinic (any role; see PractitionerRole).",
    )
)


def _memberships(ctx: Context) -> Any:
    return Membership.objects.filter(clinic=ctx.clinic).select_related("user").order_by("pk")


def _practitioner_role(row: Membership, ctx: Context) -> Resource:
    data: Resource = {
        "resourceType": "PractitionerRole",
        "id": str(row.pk),
        "meta": meta(row.updated_at),
        "identifier": identifier(ctx, "membership", row.pk),
        "active": row.user.is_active,
        "period": {"start": row.created_at.isoformat()},
        "practitioner": reference(ctx, "Practitioner", row.user_id, person_name(row.user)["text"]),
        "organization": organization(ctx),
        "code": [
            {
                "coding": [
                    {
                        "system": code_system("staff-role"),
                        "code": row.role,
                        "display": Role(row.role).label,
                    }
                ],
                "text": Role(row.role).label,
            }
        ],
    }
    return built("PractitionerRole", data)


def _by_role(rows: Any, how: str, value: str) -> Any:
    return rows.exclude(role=value) if how == ":not" else rows.filter(role=value)


PRACTITIONER_ROLE = register(
    FhirType(
        name="PractitionerRole",
        part=Part.IDENTITY,
        sources=(
            Source(
                rows=_memberships,
                build=_practitioner_role,
                patient=None,
                updated="updated_at",
                date="created_at",
            ),
        ),
        search=(
            SearchParam(
                name="role",
                type="token",
                apply=_by_role,
                documentation="The staff role: admin, practitioner or front_desk.",
            ),
            SearchParam(
                name="practitioner",
                type="reference",
                apply=lambda rows, how, value: rows.filter(
                    user_id__in=reference_ids(value, "Practitioner")
                ),
                documentation="The staff member (Practitioner/{id}).",
            ),
        ),
        documentation="A staff member's role at the clinic; `date` is when it was given.",
    )
)


def _clinics(ctx: Context) -> Any:
    return Clinic.objects.filter(pk=ctx.clinic.pk)


def _organization(row: Clinic, ctx: Context) -> Resource:
    data: Resource = {
        "resourceType": "Organization",
        "id": str(row.pk),
        "meta": meta(row.updated_at),
        "identifier": identifier(ctx, "clinic", row.slug),
        "active": True,
        "type": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                        "code": "prov",
                        "display": "Healthcare Provider",
                    }
                ]
            }
        ],
        "name": row.name,
    }
    if row.phone:
        data["telecom"] = [{"system": "phone", "value": row.phone, "use": "work"}]
    if row.address or row.country:
        address: Resource = {"use": "work", "type": "physical"}
        if row.address:
            address["text"] = row.address
            address["line"] = row.address.splitlines()
        if row.country:
            address["country"] = row.country
        data["address"] = [address]
    return built("Organization", data)


ORGANIZATION = register(
    FhirType(
        name="Organization",
        part=Part.IDENTITY,
        sources=(Source(rows=_clinics, build=_organization, patient=None, updated="updated_at"),),
        documentation="The clinic the token acts for.",
    )
)


def _rooms(ctx: Context) -> Any:
    return Room.objects.filter(clinic=ctx.clinic).order_by("pk")


def _active(rows: Any, how: str, value: str) -> Any:
    wanted = value == "active"
    if value not in ("active", "inactive"):
        return rows.none()
    return rows.filter(active=not wanted if how == ":not" else wanted)


STATUS = SearchParam(
    name="status", type="token", apply=_active, documentation="active or inactive."
)


def _location(row: Room, ctx: Context) -> Resource:
    data: Resource = {
        "resourceType": "Location",
        "id": str(row.pk),
        "meta": meta(row.updated_at),
        "identifier": identifier(ctx, "room", row.pk),
        "status": "active" if row.active else "inactive",
        "name": row.name,
        "mode": "instance",
        "physicalType": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                    "code": "ro",
                    "display": "Room",
                }
            ]
        },
        "managingOrganization": organization(ctx),
    }
    return built("Location", data)


LOCATION = register(
    FhirType(
        name="Location",
        part=Part.IDENTITY,
        sources=(Source(rows=_rooms, build=_location, patient=None, updated="updated_at"),),
        search=(STATUS,),
        documentation="A treatment room of the clinic.",
    )
)


def _devices(ctx: Context) -> Any:
    return Device.objects.filter(clinic=ctx.clinic).order_by("pk")


def _device(row: Device, ctx: Context) -> Resource:
    kind = load_library().device_types.get(row.device_type)
    data: Resource = {
        "resourceType": "Device",
        "id": str(row.pk),
        "meta": meta(row.updated_at),
        "identifier": identifier(ctx, "device", row.pk),
        "status": "active" if row.active else "inactive",
        "deviceName": [{"name": row.name, "type": "user-friendly-name"}],
        "type": {
            "coding": [
                {
                    "system": code_system("device-type"),
                    "code": row.device_type,
                    "display": kind.label if kind else row.device_type,
                }
            ]
        },
        "owner": organization(ctx),
    }
    if row.model_name:
        data["modelNumber"] = row.model_name
    if row.room_id is not None:
        data["location"] = reference(ctx, "Location", row.room_id)
    return built("Device", data)


DEVICE = register(
    FhirType(
        name="Device",
        part=Part.IDENTITY,
        sources=(Source(rows=_devices, build=_device, patient=None, updated="updated_at"),),
        search=(STATUS,),
        documentation="A device of the clinic's schedule (a meso gun, a needle kit).",
    )
)
