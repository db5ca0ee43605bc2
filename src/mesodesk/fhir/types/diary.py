"""The diary: Appointment (who sees which patient, where, with what, when) and CarePlan
(a treatment plan with its planned sessions)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q

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
from mesodesk.fhir.search import reference_ids
from mesodesk.fhir.types.administrative import code_system, identifier, person_name
from mesodesk.planning.choices import PlanStatus
from mesodesk.planning.models import PlannedSession, TreatmentPlan
from mesodesk.scheduling.choices import CANCELLED_STATUSES, AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment

# FHIR appointment status (required binding) of each of ours, and back for searches.
# A booked appointment whose patient has checked in is `arrived`.
APPOINTMENT_STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.LATE_CANCELLED: "cancelled",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.NO_SHOW: "noshow",
}
BY_APPOINTMENT_STATUS = {
    "booked": Q(status=AppointmentStatus.BOOKED, arrived_at__isnull=True),
    "arrived": Q(status=AppointmentStatus.BOOKED, arrived_at__isnull=False),
    "cancelled": Q(status__in=CANCELLED_STATUSES),
    "fulfilled": Q(status=AppointmentStatus.COMPLETED),
    "noshow": Q(status=AppointmentStatus.NO_SHOW),
}
# http://terminology.hl7.org/CodeSystem/v2-0276 (preferred binding of appointmentType).
APPOINTMENT_TYPE = {
    AppointmentKind.CONSULTATION: ("ROUTINE", "Routine appointment - default if not valued"),
    AppointmentKind.SESSION: ("ROUTINE", "Routine appointment - default if not valued"),
    AppointmentKind.FOLLOW_UP: ("FOLLOWUP", "A follow up visit from a previous appointment"),
}
V2_0276 = "http://terminology.hl7.org/CodeSystem/v2-0276"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"


def by_status(table: dict[str, Q]) -> Any:
    """A `status` search over FHIR codes mapped to conditions on our rows."""

    def apply(rows: Any, how: str, value: str) -> Any:
        condition = table.get(value)
        if condition is None:
            return rows.exclude(pk__in=[]) if how == ":not" else rows.none()
        return rows.exclude(condition) if how == ":not" else rows.filter(condition)

    return apply


def _appointments(ctx: Context) -> Any:
    return (
        Appointment.objects.filter(clinic=ctx.clinic)
        .select_related("practitioner", "room", "device", "planned_session")
        .order_by("pk")
    )


def appointment_status(row: Appointment) -> str:
    if row.status == AppointmentStatus.BOOKED and row.arrived_at is not None:
        return "arrived"
    return APPOINTMENT_STATUS[AppointmentStatus(row.status)]


def _appointment(row: Appointment, ctx: Context) -> Resource:
    kind = AppointmentKind(row.kind)
    type_code, type_display = APPOINTMENT_TYPE[kind]
    participants: list[Resource] = [
        {"actor": reference(ctx, "Patient", row.patient_id), "status": "accepted"},
        {
            "type": [{"coding": [{"system": PARTICIPATION, "code": "PPRF"}]}],
            "actor": reference(
                ctx, "Practitioner", row.practitioner_id, person_name(row.practitioner)["text"]
            ),
            "status": "accepted",
        },
        {
            "type": [{"coding": [{"system": PARTICIPATION, "code": "LOC"}]}],
            "actor": reference(ctx, "Location", row.room_id, row.room.name),
            "status": "accepted",
        },
    ]
    if row.device is not None:
        participants.append(
            {
                "actor": reference(ctx, "Device", row.device_id, row.device.name),
                "status": "accepted",
            }
        )
    data: Resource = {
        "resourceType": "Appointment",
        "id": str(row.pk),
        "meta": meta(row.updated_at),
        "identifier": identifier(ctx, "appointment", row.pk),
        "status": appointment_status(row),
        "serviceType": [
            {
                "coding": [
                    {"system": code_system("appointment-kind"), "code": kind, "display": kind.label}
                ],
                "text": kind.label,
            }
        ],
        "appointmentType": {
            "coding": [{"system": V2_0276, "code": type_code, "display": type_display}]
        },
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "minutesDuration": max(1, int((row.end - row.start).total_seconds() // 60)),
        "created": row.created_at.isoformat(),
        "participant": participants,
    }
    if row.planned_session is not None:
        data["supportingInformation"] = [
            reference(ctx, "CarePlan", row.planned_session.plan_id, "Treatment plan")
        ]
    return built("Appointment", data)


APPOINTMENT = register(
    FhirType(
        name="Appointment",
        part=Part.APPOINTMENTS,
        sources=(
            Source(
                rows=_appointments,
                build=_appointment,
                patient="patient_id",
                updated="updated_at",
                date="start",
            ),
        ),
        search=(
            SearchParam(
                name="status",
                type="token",
                apply=by_status(BY_APPOINTMENT_STATUS),
                documentation="booked, arrived (checked in), fulfilled, cancelled or noshow.",
            ),
            SearchParam(
                name="practitioner",
                type="reference",
                apply=lambda rows, how, value: rows.filter(
                    practitioner_id__in=reference_ids(value, "Practitioner")
                ),
                documentation="The practitioner who sees the patient (Practitioner/{id}).",
            ),
            SearchParam(
                name="location",
                type="reference",
                apply=lambda rows, how, value: rows.filter(
                    room_id__in=reference_ids(value, "Location")
                ),
                documentation="The room (Location/{id}).",
            ),
        ),
        documentation="A consultation, session or follow-up; `date` is its start.",
    )
)

CARE_PLAN_STATUS = {PlanStatus.ACTIVE: "active", PlanStatus.CLOSED: "completed"}
BY_CARE_PLAN_STATUS = {
    "active": Q(status=PlanStatus.ACTIVE),
    "completed": Q(status=PlanStatus.CLOSED),
}


def _plans(ctx: Context) -> Any:
    booked = Appointment.objects.only("pk", "status", "planned_session")
    sessions = PlannedSession.objects.order_by("number").prefetch_related(
        Prefetch("appointments", queryset=booked)
    )
    return (
        TreatmentPlan.objects.filter(clinic=ctx.clinic)
        .prefetch_related(Prefetch("sessions", queryset=sessions))
        .order_by("pk")
    )


def _activity_status(session: PlannedSession, plan: TreatmentPlan) -> str:
    """care-plan-activity-status of a planned session, from its appointments."""
    statuses = {appointment.status for appointment in session.appointments.all()}
    if AppointmentStatus.COMPLETED in statuses:
        return "completed"
    if AppointmentStatus.BOOKED in statuses:
        return "scheduled"
    return "not-started" if plan.status == PlanStatus.ACTIVE else "cancelled"


def _care_plan(row: TreatmentPlan, ctx: Context) -> Resource:
    library = load_library()
    indication = library.indications.get(row.indication)
    title = indication.label if indication else row.indication
    sessions = list(row.sessions.all())
    activities = [
        {
            "detail": {
                "kind": "Appointment",
                "status": _activity_status(session, row),
                "description": f"Session {session.number} of {row.session_count}",
                "scheduledPeriod": {"start": session.starts_at.isoformat()},
            }
        }
        for session in sessions
    ]
    data: Resource = {
        "resourceType": "CarePlan",
        "id": str(row.pk),
        "meta": meta(row.updated_at),
        "identifier": identifier(ctx, "plan", row.pk),
        "status": CARE_PLAN_STATUS[PlanStatus(row.status)],
        "intent": "plan",
        "title": title,
        "description": (
            f"{title}: {row.session_count} sessions, {row.technique.replace('_', ' ')}, "
            f"areas {', '.join(row.areas)}"
        ),
        "subject": reference(ctx, "Patient", row.patient_id),
        "period": {"start": row.first_session_date.isoformat()},
        "created": row.created_at.isoformat(),
        "author": reference(ctx, "Practitioner", row.created_by_id),
    }
    if sessions:
        data["period"]["end"] = sessions[-1].starts_at.isoformat()
        data["activity"] = activities
    return built("CarePlan", data)


CARE_PLAN = register(
    FhirType(
        name="CarePlan",
        part=Part.PLAN,
        sources=(
            Source(
                rows=_plans,
                build=_care_plan,
                patient="patient_id",
                updated="updated_at",
                date="first_session_date",
            ),
        ),
        search=(
            SearchParam(
                name="status",
                type="token",
                apply=by_status(BY_CARE_PLAN_STATUS),
                documentation="active or completed (closed).",
            ),
        ),
        documentation="A treatment plan with its planned sessions as activities; `date` is "
        "the first session's day.",
    )
)
