"""Reads of plans and planned sessions; never another clinic's."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from pytest_django import DjangoAssertNumQueries

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.core.library import load_library
from mesodesk.patients.models import Patient
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.selectors import (
    active_plan,
    core_plan,
    get_plan,
    get_planned_session,
    planned_sessions,
    plans_of_patient,
)
from mesodesk.planning.services import close_plan, create_plan


def _plan(clinic: Clinic, patient: Patient, by: User) -> TreatmentPlan:
    return create_plan(
        clinic=clinic,
        patient=patient,
        by=by,
        indication="alopecia",
        areas=["scalp"],
        ingredients=["biotin", "peptides"],
        technique="meso_gun",
        schedule_template="spaced_series",
        first_session=datetime(2027, 6, 1, 15, tzinfo=ZoneInfo(clinic.time_zone)),
    )


@pytest.fixture
def harbour_plan(
    other_clinic: Clinic, harbour_patient: Patient, harbour_practitioner: User
) -> TreatmentPlan:
    return _plan(other_clinic, harbour_patient, harbour_practitioner)


def test_a_patients_plans_with_their_sessions(
    clinic: Clinic, maria: Patient, pedro: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    old = _plan(clinic, maria, pedro)
    close_plan(clinic=clinic, plan=old, by=pedro)
    new = _plan(clinic, maria, pedro)
    with django_assert_num_queries(2):
        plans = list(plans_of_patient(clinic, maria))
        numbers = [[s.number for s in p.sessions.all()] for p in plans]
    assert plans == [old, new]
    assert numbers == [[1, 2, 3, 4], [1, 2, 3, 4]]
    assert active_plan(clinic, maria) == new


def test_another_clinics_plan_and_sessions_are_not_found(
    clinic: Clinic, other_clinic: Clinic, harbour_patient: Patient, harbour_plan: TreatmentPlan
) -> None:
    session = harbour_plan.sessions.first()
    assert session is not None
    assert get_plan(other_clinic, harbour_plan.pk) == harbour_plan
    with pytest.raises(Http404):
        get_plan(clinic, harbour_plan.pk)
    with pytest.raises(Http404):
        get_planned_session(clinic, session.pk)
    assert list(planned_sessions(clinic, harbour_plan)) == []
    assert list(plans_of_patient(clinic, harbour_patient)) == []
    assert active_plan(clinic, harbour_patient) is None


def test_the_active_plan_is_read_alone_in_one_query(
    clinic: Clinic, maria: Patient, pedro: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    close_plan(clinic=clinic, plan=_plan(clinic, maria, pedro), by=pedro)
    new = _plan(clinic, maria, pedro)
    with django_assert_num_queries(1):
        assert active_plan(clinic, maria) == new


def test_a_plan_is_given_to_the_clinical_core_as_stored(
    clinic: Clinic, maria: Patient, pedro: User
) -> None:
    plan = _plan(clinic, maria, pedro)
    given = core_plan(plan, load_library())
    assert (given.indication, list(given.areas), given.technique) == (
        plan.indication,
        plan.areas,
        plan.technique,
    )
