"""Reads of treatment plans and their planned sessions; always within one clinic."""

from __future__ import annotations

from functools import cache

from django.db import router
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from mesodesk import rows
from mesodesk.clinics.models import Clinic
from mesodesk.core.inputs import Plan, parse_plan
from mesodesk.core.library import Library
from mesodesk.patients.models import Patient
from mesodesk.planning.choices import PlanStatus
from mesodesk.planning.models import PlannedSession, TreatmentPlan


def _plans(clinic: Clinic) -> QuerySet[TreatmentPlan]:
    return (
        TreatmentPlan.objects.filter(clinic=clinic)
        .select_related("patient")
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=PlannedSession.objects.filter(clinic=clinic).order_by("number"),
            )
        )
    )


def plans_of_patient(clinic: Clinic, patient: Patient) -> QuerySet[TreatmentPlan]:
    """The patient's plans, oldest first, with their planned sessions."""
    return _plans(clinic).filter(patient=patient).order_by("created_at", "id")


def get_plan(clinic: Clinic, plan_id: int) -> TreatmentPlan:
    """The clinic's plan with this id, with its sessions; Http404 otherwise."""
    return get_object_or_404(_plans(clinic), pk=plan_id)


def active_plan(clinic: Clinic, patient: Patient) -> TreatmentPlan | None:
    """The patient's active plan, if they have one: the plan alone, one query in plain SQL
    (mesodesk.rows: screening, booking and the portal's pages read it often and need
    neither its sessions nor its patient)."""
    plan = rows.one(
        TreatmentPlan,
        router.db_for_read(TreatmentPlan),
        newest_by=("created_at", "id"),
        clinic_id=clinic.pk,
        patient_id=patient.pk,
        status=PlanStatus.ACTIVE.value,
    )
    if plan is not None:
        rows.attach(plan, "clinic", clinic)
        rows.attach(plan, "patient", patient)
    return plan


def core_plan(plan: TreatmentPlan, library: Library) -> Plan:
    """The plan as the clinical core takes it (`parse_plan`); raises `InputError` (fields
    "plan.areas" ...) for content the library does not know. Works on an unsaved plan too,
    which is how a new or changed plan is checked before it is stored."""
    return parse_plan(
        {
            "indication": plan.indication,
            "areas": list(plan.areas),
            "ingredients": list(plan.ingredients),
            "technique": plan.technique,
            "massage_approved": plan.massage_approved,
        },
        library,
    )


def planned_sessions(clinic: Clinic, plan: TreatmentPlan) -> QuerySet[PlannedSession]:
    """The plan's sessions in order."""
    return PlannedSession.objects.filter(clinic=clinic, plan=plan).order_by("number")


def get_planned_session(clinic: Clinic, session_id: int) -> PlannedSession:
    """The clinic's planned session with this id, with its plan and the plan's patient;
    Http404 otherwise. One query in plain SQL (mesodesk.rows): every session booking over
    the API reads it, and the ORM's three-table join cost more to build than to run."""
    db = router.db_for_read(PlannedSession)
    found = rows.load_all(
        rows.fetch(_planned_session_sql(db), [clinic.pk, session_id], db),
        PlannedSession,
        TreatmentPlan,
        Patient,
        db=db,
    )
    if not found:
        raise Http404("No such planned session.")
    session, plan, patient = found[0]
    rows.attach(patient, "clinic", clinic)
    rows.attach(plan, "clinic", clinic)
    rows.attach(plan, "patient", patient)
    rows.attach(session, "clinic", clinic)
    rows.attach(session, "plan", plan)
    return session


@cache
def _planned_session_sql(db: str) -> str:
    s, p, pt = (rows.table(m, db) for m in (PlannedSession, TreatmentPlan, Patient))
    selected = rows.columns_of((PlannedSession, "s"), (TreatmentPlan, "p"), (Patient, "pt"), db=db)
    return (
        f"SELECT {selected} FROM {s} s"  # noqa: S608 - names from the models, values as parameters
        f" JOIN {p} p ON p.id = s.plan_id AND p.clinic_id = s.clinic_id"
        f" JOIN {pt} pt ON pt.id = p.patient_id AND pt.clinic_id = p.clinic_id"
        " WHERE s.clinic_id = %s AND s.id = %s"
    )


def series_position(clinic: Clinic, session_id: int) -> tuple[int, int, str] | None:
    """The clinic's planned session's number, the number of its series' last session, and
    its plan's schedule template; None for another clinic's or none. One query in plain
    SQL (mesodesk.rows): every session booking asks whether it ends the series."""
    db = router.db_for_read(PlannedSession)
    found = rows.fetch(_series_position_sql(db), [clinic.pk, session_id], db)
    if not found:
        return None
    number, last, template = found[0]
    return int(number), int(last), str(template)


@cache
def _series_position_sql(db: str) -> str:
    s, p = rows.table(PlannedSession, db), rows.table(TreatmentPlan, db)
    return (
        "SELECT s.number, (SELECT MAX(o.number) FROM"  # noqa: S608 - names from the models, values as parameters
        f" {s} o WHERE o.clinic_id = s.clinic_id AND o.plan_id = s.plan_id),"
        f" p.schedule_template FROM {s} s"
        f" JOIN {p} p ON p.id = s.plan_id AND p.clinic_id = s.clinic_id"
        " WHERE s.clinic_id = %s AND s.id = %s"
    )
