"""Treatment plans and their planned sessions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from mesodesk.accounts.access import require_role
from mesodesk.api.common import local, member, responses
from mesodesk.api.schemas import PlanIn, PlannedSessionOut, PlanOut
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.patients import selectors as patient_selectors
from mesodesk.planning import selectors, services
from mesodesk.planning.models import TreatmentPlan

router = Router(tags=["plans"])

# Plans are clinical decisions: practitioners make them; everyone on staff may read them.
PLANNERS = (Role.PRACTITIONER, Role.ADMIN)


def plan_out(plan: TreatmentPlan, clinic: Clinic) -> PlanOut:
    return PlanOut(
        id=plan.pk,
        patient_id=plan.patient_id,
        indication=plan.indication,
        areas=plan.areas,
        ingredients=plan.ingredients,
        technique=plan.technique,
        massage_approved=plan.massage_approved,
        schedule_template=plan.schedule_template,
        session_count=plan.session_count,
        status=plan.status,
        protocol_version=plan.protocol_version.version,
        sessions=[
            PlannedSessionOut(
                id=s.pk,
                number=s.number,
                target_date=s.target_date,
                starts_at=local(s.starts_at, clinic),  # type: ignore[arg-type]
            )
            for s in plan.sessions.all()  # prefetched by the selectors, in number order
        ],
    )


@router.get(
    "/clinics/{clinic}/patients/{patient_id}/plans",
    response=responses(list[PlanOut]),
    summary="A patient's plans",
)
def list_plans(request: HttpRequest, clinic: str, patient_id: int) -> list[PlanOut]:
    clinic_obj = member(request, clinic).clinic
    patient = patient_selectors.get_patient_for_read(
        clinic_obj, patient_id, user=request.user, request=request
    )
    # The selector prefetches the sessions; plan_out also reads each plan's version.
    plans = selectors.plans_of_patient(clinic_obj, patient).select_related("protocol_version")
    return [plan_out(p, clinic_obj) for p in plans]


@router.post(
    "/clinics/{clinic}/patients/{patient_id}/plans",
    response=responses(PlanOut, 400, status=201),
    summary="Plan a series; the patient is screened again with the plan",
)
def create_plan(
    request: HttpRequest, clinic: str, patient_id: int, body: PlanIn
) -> Status[PlanOut]:
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    # The object first: another clinic's id is a 404 whatever the caller's role.
    patient = patient_selectors.get_patient(clinic_obj, patient_id)
    require_role(membership, *PLANNERS)
    plan = services.create_plan(clinic=clinic_obj, patient=patient, by=request.user, **body.dict())  # type: ignore[arg-type]
    return Status(201, plan_out(selectors.get_plan(clinic_obj, plan.pk), clinic_obj))


@router.get("/clinics/{clinic}/plans/{plan_id}", response=responses(PlanOut), summary="Read a plan")
def read_plan(request: HttpRequest, clinic: str, plan_id: int) -> PlanOut:
    clinic_obj = member(request, clinic).clinic
    plan = selectors.get_plan(clinic_obj, plan_id)
    patient_selectors.get_patient_for_read(
        clinic_obj, plan.patient_id, user=request.user, request=request
    )
    return plan_out(plan, clinic_obj)
