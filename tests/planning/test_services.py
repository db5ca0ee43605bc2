"""Treatment plans: validated content, sessions planned off closed days, re-screening."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_closure, update_clinic_settings
from mesodesk.patients.models import Patient, ScreeningResult
from mesodesk.patients.selectors import current_screening, may_book_session
from mesodesk.patients.services import record_intake
from mesodesk.planning.models import PlannedSession, TreatmentPlan
from mesodesk.planning.services import close_plan, create_plan, update_plan
from tests.patients.fixtures import answers

BERLIN = ZoneInfo("Europe/Berlin")
# A Sunday: Lindenhof is closed on Sundays by default.
SUNDAY = datetime(2027, 3, 7, 10, 30, tzinfo=BERLIN)
MONDAY = datetime(2027, 3, 1, 10, 30, tzinfo=BERLIN)


def _plan(clinic: Clinic, patient: Patient, by: User, **changes: object) -> TreatmentPlan:
    arguments: dict[str, object] = {
        "indication": "skin_rejuvenation",
        "areas": ["face", "neck"],
        "ingredients": ["hyaluronic_acid", "vitamin_c"],
        "technique": "manual_needle",
        "schedule_template": "monthly_starter",
        "first_session": MONDAY,
    }
    return create_plan(clinic=clinic, patient=patient, by=by, **(arguments | changes))  # type: ignore[arg-type]


def _dates(plan: TreatmentPlan) -> list[date]:
    return [s.target_date for s in plan.sessions.order_by("number")]


def test_it_plans_the_template_sessions_at_the_same_local_time(
    clinic: Clinic, maria: Patient, pedro: User
) -> None:
    plan = _plan(clinic, maria, pedro)
    assert (plan.session_count, plan.first_session_date, plan.status) == (
        3,
        date(2027, 3, 1),
        "active",
    )
    assert _dates(plan) == [date(2027, 3, 1), date(2027, 3, 29), date(2027, 4, 26)]
    # Stored in UTC; the wall-clock time stays 10:30 in Berlin across the change to summer time.
    assert [s.starts_at.astimezone(BERLIN).time() for s in plan.sessions.all()] == [
        time(10, 30)
    ] * 3
    assert plan.sessions.get(number=1).starts_at.utcoffset() is not None
    assert plan.history.get().history_user == pedro


def test_a_session_on_a_closed_weekday_moves_to_the_next_open_day(
    clinic: Clinic, maria: Patient, pedro: User
) -> None:
    plan = _plan(clinic, maria, pedro, first_session=SUNDAY)
    assert _dates(plan) == [date(2027, 3, 8), date(2027, 4, 5), date(2027, 5, 3)]
    assert plan.first_session_date == date(2027, 3, 8)


def test_sessions_move_off_closures_and_weekdays_without_hours(
    clinic: Clinic, maria: Patient, pedro: User
) -> None:
    week = {str(d): [["09:00", "18:00"]] for d in range(5)} | {"5": [], "6": []}
    update_clinic_settings(clinic=clinic, opening_hours=week)
    add_closure(clinic=clinic, date=date(2027, 3, 29), reason="Easter Monday")
    plan = _plan(clinic, maria, pedro, first_session=datetime(2027, 2, 27, 9, tzinfo=BERLIN))
    # Saturday 27 Feb -> Monday 1 Mar; +28 = Monday 29 Mar (closed) -> Tuesday 30 Mar; +28.
    assert _dates(plan) == [date(2027, 3, 1), date(2027, 3, 30), date(2027, 4, 27)]


def test_the_number_of_sessions_can_be_chosen_within_the_template(
    clinic: Clinic, maria: Patient, pedro: User
) -> None:
    plan = _plan(clinic, maria, pedro, schedule_template="biweekly_series", sessions=8)
    assert plan.session_count == 8
    assert PlannedSession.objects.filter(clinic=clinic, plan=plan).count() == 8
    with pytest.raises(ValidationError) as error:
        _plan(clinic, maria, pedro, schedule_template="biweekly_series", sessions=12)
    assert "sessions" in error.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"indication": "detox"}, "indication"),
        ({"areas": []}, "areas"),
        ({"areas": ["face", "elbow"]}, "areas[1]"),
        ({"ingredients": ["snake_venom"]}, "ingredients[0]"),
        ({"technique": "laser"}, "technique"),
        ({"schedule_template": "weekly_forever"}, "schedule_template"),
        ({"first_session": datetime(2027, 3, 1, 10)}, "first_session"),
    ],
)
def test_it_refuses_a_plan_with_bad_content(
    clinic: Clinic, maria: Patient, pedro: User, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        _plan(clinic, maria, pedro, **changes)
    assert field in error.value.message_dict
    assert not TreatmentPlan.objects.exists()


def test_a_patient_has_one_active_plan_at_a_time(
    clinic: Clinic, maria: Patient, pedro: User
) -> None:
    first = _plan(clinic, maria, pedro)
    with pytest.raises(ValidationError) as error:
        _plan(clinic, maria, pedro)
    assert "patient" in error.value.message_dict
    close_plan(clinic=clinic, plan=first, by=pedro)
    second = _plan(clinic, maria, pedro)
    assert second.status == "active"


def test_the_database_keeps_one_active_plan_per_patient(
    clinic: Clinic, maria: Patient, pedro: User
) -> None:
    first = _plan(clinic, maria, pedro)
    close_plan(clinic=clinic, plan=first, by=pedro)
    _plan(clinic, maria, pedro)
    with pytest.raises(IntegrityError):
        TreatmentPlan.objects.filter(pk=first.pk).update(status="active")


def test_a_closed_plan_cannot_be_changed_or_closed_again(
    clinic: Clinic, maria: Patient, pedro: User
) -> None:
    plan = _plan(clinic, maria, pedro)
    close_plan(clinic=clinic, plan=plan, by=pedro)
    with pytest.raises(ValidationError):
        close_plan(clinic=clinic, plan=plan, by=pedro)
    with pytest.raises(ValidationError):
        update_plan(clinic=clinic, plan=plan, by=pedro, areas=["neck"])


def test_a_plan_screens_the_patient_again_with_its_ingredients(
    clinic: Clinic, maria: Patient, fiona: User, pedro: User
) -> None:
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers(allergies=["lidocaine"]))
    # Without a plan, any ingredient the clinic may use counts: lidocaine is one.
    assert may_book_session(clinic, maria)[1].startswith("not suitable: allergy to an ingredient")
    plan = _plan(clinic, maria, pedro)
    without = current_screening(clinic, maria)
    assert without is not None
    assert (without.plan, without.verdict) == (plan, "review")  # numbing-cream allergy only
    update_plan(clinic=clinic, plan=plan, by=pedro, ingredients=["hyaluronic_acid", "lidocaine"])
    with_lidocaine = current_screening(clinic, maria)
    assert with_lidocaine is not None
    assert (with_lidocaine.plan, with_lidocaine.verdict) == (plan, "ineligible")
    assert with_lidocaine.findings[0]["code"] == "ingredient_allergy"
    assert ScreeningResult.objects.filter(patient=maria).count() == 3


def test_a_new_intake_is_screened_with_the_active_plan(
    clinic: Clinic, maria: Patient, fiona: User, pedro: User
) -> None:
    plan = _plan(clinic, maria, pedro, ingredients=["lidocaine"])
    assert not ScreeningResult.objects.exists()  # no intake yet: nothing to screen
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers(allergies=["Xylocaine"]))
    screening = current_screening(clinic, maria)
    assert screening is not None
    assert (screening.plan, screening.verdict) == (plan, "ineligible")


def test_a_plan_for_another_clinics_patient_is_refused(
    clinic: Clinic, harbour_patient: Patient, pedro: User
) -> None:
    with pytest.raises(Patient.DoesNotExist):
        _plan(clinic, harbour_patient, pedro)


def test_another_clinics_plan_cannot_be_changed(
    clinic: Clinic, other_clinic: Clinic, maria: Patient, pedro: User
) -> None:
    plan = _plan(clinic, maria, pedro)
    with pytest.raises(TreatmentPlan.DoesNotExist):
        update_plan(clinic=other_clinic, plan=plan, by=pedro, areas=["neck"])
    with pytest.raises(TreatmentPlan.DoesNotExist):
        close_plan(clinic=other_clinic, plan=plan, by=pedro)


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("unknown_area", "areas[0]", "invalid"),
        ("unknown_template", "schedule_template", "unknown_template"),
        ("naive_start", "first_session", "naive"),
        ("second_active_plan", "patient", "active_plan"),
        ("change_closed_plan", "plan", "closed"),
        ("close_closed_plan", "plan", "closed"),
    ],
)
def test_every_refusal_keeps_its_code(
    case: str, field: str, code: str, clinic: Clinic, maria: Patient, pedro: User
) -> None:
    def run() -> object:
        if case == "unknown_area":
            return _plan(clinic, maria, pedro, areas=["elbow"])
        if case == "unknown_template":
            return _plan(clinic, maria, pedro, schedule_template="weekly_forever")
        if case == "naive_start":
            return _plan(clinic, maria, pedro, first_session=datetime(2027, 3, 1, 10))
        plan = _plan(clinic, maria, pedro)
        if case == "second_active_plan":
            return _plan(clinic, maria, pedro)
        close_plan(clinic=clinic, plan=plan, by=pedro)
        if case == "change_closed_plan":
            return update_plan(clinic=clinic, plan=plan, by=pedro, areas=["neck"])
        return close_plan(clinic=clinic, plan=plan, by=pedro)

    with pytest.raises(ValidationError) as error:
        run()
    assert error.value.error_dict[field][0].code == code


def test_a_change_of_content_is_checked_like_a_new_plan(
    clinic: Clinic, maria: Patient, pedro: User
) -> None:
    plan = _plan(clinic, maria, pedro)
    with pytest.raises(ValidationError) as error:
        update_plan(clinic=clinic, plan=plan, by=pedro, ingredients=["snake_venom"])
    assert error.value.error_dict["ingredients[0]"][0].code == "invalid"
    plan.refresh_from_db()
    assert plan.ingredients == ["hyaluronic_acid", "vitamin_c"]
