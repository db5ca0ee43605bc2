"""The groups a Group-level export names: each practitioner's patients.

`Group/practitioner-<user id>` is every patient who has (or had) an appointment with that
member of the clinic, whatever its state: the list a practitioner hands over when they
leave, or a registry asks about. A group is computed when asked, never stored, so it is
always the clinic's present list.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mesodesk.clinics.models import Clinic, Membership
from mesodesk.fhir.registry import Resource, built
from mesodesk.scheduling.models import Appointment

PREFIX = "practitioner-"


def member_of(clinic: Clinic, group_id: str) -> Membership | None:
    """The staff member a group id names, in this clinic; None for an id that is not one
    of its groups."""
    if not group_id.startswith(PREFIX) or not group_id[len(PREFIX) :].isdigit():
        return None
    return (
        Membership.objects.filter(clinic=clinic, user_id=int(group_id[len(PREFIX) :]))
        .select_related("user")
        .first()
    )


def patient_ids(clinic: Clinic, group_id: str) -> QuerySet[Any]:
    """The group's patients' ids, as a subquery (`patient_id__in=`)."""
    user_id = int(group_id[len(PREFIX) :])
    return (
        Appointment.objects.filter(clinic=clinic, practitioner_id=user_id)
        .order_by()  # the model's ordering would make each appointment distinct
        .values("patient_id")
        .distinct()
    )


def group_resource(clinic: Clinic, group_id: str, member: Membership) -> Resource:
    """The Group resource: its name and its members as references."""
    ids = sorted(patient_ids(clinic, group_id).values_list("patient_id", flat=True))
    user = member.user
    name = f"{user.first_name} {user.last_name}".strip() or user.email
    data: Resource = {
        "resourceType": "Group",
        "id": group_id,
        "identifier": [{"system": f"urn:mesodesk:{clinic.slug}:group", "value": group_id}],
        "type": "person",
        "actual": True,
        "name": f"Patients of {name}",
        "quantity": len(ids),
    }
    if ids:
        data["member"] = [{"entity": {"reference": f"Patient/{pk}"}} for pk in ids]
    return built("Group", data)
