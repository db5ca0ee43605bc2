"""Treatment plans and their planned sessions.

Practitioners and admins create, change and close plans and read them whole (`PlanOut`);
the front desk reads a plan's series only — its sessions, their dates and appointments —
without its clinical content (`PlanScheduleOut`: no indication, areas, cocktail or
technique).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from ninja import Router, Status

from mesodesk.accounts.access import require_role
from mesodesk.api.common import local, member, responses
from mesodesk.api.schemas import PlanIn, PlannedSessionOut, PlanOut, PlanPatchIn, PlanScheduleOut
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.reading import Part, may_read
from mesodesk.core.library import load_library
from mesodesk.patients import selectors as patient_selectors
from mesodesk.planning import selectors, services
from mesodesk.planning.models import TreatmentPlan
from mesodesk.scheduling.choices import CANCELLED_STATUSES
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.rules import needed_device_type

router = Router(tags=["plans"])

# Plans are clinical decisions: practitioners make them (and admins); the front desk sees
# their series, not what they treat.
PLANNERS = (Role.PRACTITIONER, Role.ADMIN)


def _held(clinic: Clinic, plans: Iterable[TreatmentPlan]) -> dict[int, tuple[int, str]]:
    """Planned session id -> (appointment id, status) of the plans' sessions that have an
    appointment (cancelled ones do not count): one query."""
    rows = (
        Appointment.objects.filter(clinic=clinic, planned_session__plan__in=list(plans))
        .exclude(status__in=CANCELLED_STATUSES)
        .values_list("planned_session_id", "pk", "status")
    )
    return {session: (pk, status) for session, pk, status in rows}


def plan_out(
    plan: TreatmentPlan,
    clinic: Clinic,
    membership: Membership,
    held: dict[int, tuple[int, str]] | None = None,
) -> PlanOut | PlanScheduleOut:
    """The plan as `membership` may read it: whole, or its series only (front desk)."""
    held = _held(clinic, [plan]) if held is None else held
    schedule = {
        "id": plan.pk,
        "patient_id": plan.patient_id,
        "schedule_template": plan.schedule_template,
        "session_count": plan.session_count,
        "status": plan.status,
        "device_type": needed_device_type(plan, load_library()),
        "sessions": [
            PlannedSessionOut(
                id=s.pk,
                number=s.number,
                target_date=s.target_date,
                starts_at=local(s.starts_at, clinic),  # type: ignore[arg-type]
                appointment_id=held[s.pk][0] if s.pk in held else None,
                appointment_status=held[s.pk][1] if s.pk in held else None,
            )
            for s in plan.sessions.all()  # prefetched by the selectors, in number order
        ],
    }
    if not may_read(membership, Part.PLAN):
        return PlanScheduleOut(**schedule)
    return PlanOut(
        **schedule,
        indication=plan.indication,
        areas=plan.areas,
        ingredients=plan.ingredients,
        technique=plan.technique,
        massage_approved=plan.massage_approved,
        protocol_version=plan.protocol_version.version,
    )


@router.get(
    "/clinics/{clinic}/patients/{patient_id}/plans",
    response=responses(list[PlanOut | PlanScheduleOut]),
    summary="A patient's plans (the front desk gets their series only)",
)
def list_plans(
    request: HttpRequest, clinic: str, patient_id: int
) -> list[PlanOut | PlanScheduleOut]:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    patient = patient_selectors.get_patient_for_read(
        clinic_obj, patient_id, user=request.user, request=request
    )
    # The selector prefetches the sessions; plan_out also reads each plan's version.
    plans = list(selectors.plans_of_patient(clinic_obj, patient).select_related("protocol_version"))
    held = _held(clinic_obj, plans)
    return [plan_out(p, clinic_obj, membership, held) for p in plans]


@router.post(
    "/clinics/{clinic}/patients/{patient_id}/plans",
    response=responses(PlanOut, 400, status=201),
    summary="Plan a series; the patient is screened again with the plan",
)
def create_plan(
    request: HttpRequest, clinic: str, patient_id: int, body: PlanIn
) -> Status[PlanOut | PlanScheduleOut]:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    # The object first: another clinic's id is a 404 whatever the caller's role.
    patient = patient_selectors.get_patient(clinic_obj, patient_id)
    require_role(membership, *PLANNERS)
    plan = services.create_plan(clinic=clinic_obj, patient=patient, by=request.user, **body.dict())  # type: ignore[arg-type]
    return Status(201, plan_out(selectors.get_plan(clinic_obj, plan.pk), clinic_obj, membership))


@router.get(
    "/clinics/{clinic}/plans/{plan_id}",
    response=responses(PlanOut | PlanScheduleOut),
    summary="Read a plan (the front desk gets its series only)",
)
def read_plan(request: HttpRequest, clinic: str, plan_id: int) -> PlanOut | PlanScheduleOut:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    plan = selectors.get_plan(clinic_obj, plan_id)
    patient_selectors.get_patient_for_read(
        clinic_obj, plan.patient_id, user=request.user, request=request
    )
    return plan_out(plan, clinic_obj, membership)


@router.patch(
    "/clinics/{clinic}/plans/{plan_id}",
    response=responses(PlanOut, 400),
    summary="Change a plan; the patient is screened again and its reminders recomputed",
)
def update_plan(
    request: HttpRequest, clinic: str, plan_id: int, body: PlanPatchIn
) -> PlanOut | PlanScheduleOut:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    plan = selectors.get_plan(clinic_obj, plan_id)
    require_role(membership, *PLANNERS)
    services.update_plan(
        clinic=clinic_obj,
        plan=plan,
        by=request.user,  # type: ignore[arg-type]
        **body.dict(exclude_unset=True),
    )
    return plan_out(selectors.get_plan(clinic_obj, plan_id), clinic_obj, membership)


@router.post(
    "/clinics/{clinic}/plans/{plan_id}/close",
    response=responses(PlanOut),
    summary="Close a plan (finished or abandoned); its history stays",
)
def close_plan(request: HttpRequest, clinic: str, plan_id: int) -> PlanOut | PlanScheduleOut:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    plan = selectors.get_plan(clinic_obj, plan_id)
    require_role(membership, *PLANNERS)
    services.close_plan(clinic=clinic_obj, plan=plan, by=request.user)  # type: ignore[arg-type]
    return plan_out(selectors.get_plan(clinic_obj, plan_id), clinic_obj, membership)
