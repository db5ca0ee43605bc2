"""Plans in the workspace: a practitioner plans a series from the chart and sees the
screening with it at once; changing a plan with booked sessions says what it does first;
closing; the front desk sees the series but no clinical content; outsiders get 404."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_closure, add_device, add_room
from mesodesk.patients.models import Patient
from mesodesk.patients.selectors import current_screening
from mesodesk.patients.services import record_intake, register_patient, sign_off_screening
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.services import create_plan
from mesodesk.scheduling.services import book_series
from tests.api.conftest import intake

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def monday() -> date:
    today = timezone.now().astimezone(BERLIN).date()
    return today + timedelta(days=14 + (7 - today.weekday()))


@pytest.fixture
def lena(clinic: Clinic, fiona: User) -> Patient:
    patient = register_patient(clinic=clinic, by=fiona, first_name="Lena", last_name="Berg")
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake(allergies=["Xylocaine"]))
    return patient


def new_url(patient: Patient) -> str:
    return f"/staff/lindenhof/patients/{patient.pk}/plans/new/"


def plan_url(plan: TreatmentPlan, suffix: str = "") -> str:
    return f"/staff/lindenhof/patients/{plan.patient_id}/plans/{plan.pk}/{suffix}"


def form(monday: date, **changes: Any) -> dict[str, Any]:
    return {
        "indication": "skin_rejuvenation",
        "areas": ["face", "neck"],
        "ingredients": ["hyaluronic_acid", "amino_acids"],
        "technique": "meso_gun",
        "schedule_template": "monthly_starter",
        "sessions": "",
        "first_date": monday.isoformat(),
        "first_time": "10:00",
    } | changes


@pytest.fixture
def plan(clinic: Clinic, lena: Patient, pedro: User, monday: date) -> TreatmentPlan:
    from datetime import datetime, time

    return create_plan(
        clinic=clinic,
        patient=lena,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid"],
        technique="meso_gun",
        schedule_template="biweekly_series",
        first_session=datetime.combine(monday, time(10), BERLIN),
        sessions=7,
    )


def test_a_practitioner_plans_a_series_from_the_chart_around_a_closure(
    clinic: Clinic, lena: Patient, doctor: Client, alice: User, monday: date
) -> None:
    chart = doctor.get(f"/staff/lindenhof/patients/{lena.pk}/").text
    assert f'href="{new_url(lena)}"' in chart
    add_closure(clinic=clinic, date=monday + timedelta(days=28), reason="Holiday")
    done = doctor.post(new_url(lena), form(monday), follow=True)
    assert done.status_code == 200
    plan = TreatmentPlan.objects.get(patient=lena)
    assert "Planned: 3 sessions." in done.text
    assert "Injector gun (meso gun)" in done.text  # the technique, and the device it needs
    assert "Meso gun" in done.text or "meso gun" in done.text.lower()
    dates = [s.target_date for s in plan.sessions.order_by("number")]
    assert dates[1] == monday + timedelta(days=29)  # moved off the closure, to Tuesday
    assert done.text.count("not booked") == 3


def test_an_allergy_to_a_planned_ingredient_shows_at_once(
    lena: Patient, doctor: Client, monday: date
) -> None:
    done = doctor.post(
        new_url(lena), form(monday, ingredients=["hyaluronic_acid", "lidocaine"]), follow=True
    )
    assert "Screening with this plan" in done.text
    assert "Not suitable" in done.text
    assert "Xylocaine" in done.text  # the patient's own word, matched to lidocaine
    assert "No session can be booked" in done.text


def test_the_plan_names_the_clinic_s_products_that_hold_its_cocktail(
    clinic: Clinic, lena: Patient, doctor: Client, alice: User, pedro: User, monday: date
) -> None:
    from datetime import datetime, time
    from decimal import Decimal

    from mesodesk.inventory.services import create_product, receive_lot

    ha = create_product(clinic=clinic, by=alice, name="HA 1.5%", ingredients=["hyaluronic_acid"])
    receive_lot(
        clinic=clinic,
        product=ha,
        by=alice,
        number="HA1",
        expiry=monday + timedelta(days=365),
        quantity=Decimal("12.50"),
    )
    plan = create_plan(
        clinic=clinic,
        patient=lena,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid", "amino_acids"],
        technique="meso_gun",
        schedule_template="biweekly_series",
        first_session=datetime.combine(monday, time(10), BERLIN),
        sessions=6,
    )
    page = doctor.get(plan_url(plan)).text
    assert "HA 1.5%" in page and "12.5 mL in 1 lot" in page
    assert "no product holds it" in page  # the amino acids: nothing in stock holds them
    assert 'href="/staff/lindenhof/stock/"' in page  # a practitioner may add one
    # The form names the products beside the ingredients they hold.
    assert "Hyaluronic acid (in HA 1.5%)" in doctor.get(new_url(lena)).text


def test_a_refused_plan_keeps_the_answers_and_says_why(
    lena: Patient, doctor: Client, monday: date
) -> None:
    refused = doctor.post(new_url(lena), form(monday, sessions="9"))
    assert refused.status_code == 422
    assert "monthly_starter has 3 to 3 sessions" in refused.text
    assert TreatmentPlan.objects.filter(patient=lena).count() == 0


def test_front_desk_sees_the_series_but_not_what_it_treats(
    plan: TreatmentPlan, desk: Client, lena: Patient
) -> None:
    page = desk.get(plan_url(plan)).text
    assert "Planned sessions" in page and page.count("not booked") == 7
    for clinical in ("Hyaluronic", "hyaluronic", "Injector gun", "Skin rejuvenation", "Face"):
        assert clinical not in page
    chart = desk.get(f"/staff/lindenhof/patients/{lena.pk}/").text
    assert "hyaluronic" not in chart.lower()
    assert new_url(lena) not in chart
    assert desk.get(new_url(lena)).status_code == 403
    assert desk.get(plan_url(plan, "edit/")).status_code == 403
    assert desk.post(plan_url(plan, "close/")).status_code == 403


def test_changing_a_plan_with_booked_sessions_says_what_it_does_first(
    clinic: Clinic, plan: TreatmentPlan, doctor: Client, fiona: User, pedro: User, monday: date
) -> None:
    # Any allergy asks for a practitioner's look: signed off, the series can be booked.
    screening = current_screening(clinic, plan.patient)
    assert screening is not None and screening.verdict == "review"
    sign_off_screening(clinic=clinic, screening=screening, by=pedro, reason="Not in the plan.")
    gun = add_device(clinic=clinic, name="Gun", device_type="meso_gun")
    room = add_room(clinic=clinic, name="Room 1")
    book_series(clinic=clinic, plan=plan, by=fiona, practitioner=pedro, room=room, device=gun)
    edit = doctor.get(plan_url(plan, "edit/"))
    assert edit.status_code == 200
    changed = form(
        monday,
        areas=["face"],
        ingredients=["hyaluronic_acid", "vitamin_c"],
        schedule_template="biweekly_series",
        sessions="8",
    )
    asked = doctor.post(plan_url(plan, "edit/"), changed)
    assert asked.status_code == 200
    assert "Before you save: what this change does" in asked.text
    assert "7 booked sessions (1, 2, 3, 4, 5, 6, 7) keep their date and appointment." in asked.text
    assert "Session 8 is added after the last." in asked.text
    assert "The patient is screened again with the changed plan." in asked.text
    plan.refresh_from_db()
    assert plan.ingredients == ["hyaluronic_acid"]  # nothing changed yet
    done = doctor.post(plan_url(plan, "edit/"), changed | {"confirm": "yes"}, follow=True)
    assert "The plan is changed" in done.text
    plan.refresh_from_db()
    assert (plan.ingredients, plan.session_count) == (["hyaluronic_acid", "vitamin_c"], 8)


def test_a_practitioner_closes_the_plan(plan: TreatmentPlan, doctor: Client) -> None:
    done = doctor.post(plan_url(plan, "close/"), follow=True)
    assert "The plan is closed." in done.text
    plan.refresh_from_db()
    assert plan.status == "closed"
    assert doctor.get(plan_url(plan, "edit/"), follow=True).redirect_chain


def test_another_clinic_s_staff_get_404_for_every_plan_page(
    plan: TreatmentPlan, lena: Patient, outsider: Client
) -> None:
    assert outsider.get(new_url(lena)).status_code == 404
    assert outsider.get(plan_url(plan)).status_code == 404
    assert outsider.get(plan_url(plan, "edit/")).status_code == 404
    assert outsider.post(plan_url(plan, "close/")).status_code == 404
