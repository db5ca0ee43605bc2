"""Changing a plan's series: more or fewer sessions, planning it again, and what happens
to sessions that are booked, to the screening and to the reminders."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_device, add_room
from mesodesk.messaging.choices import ReminderKind, ReminderStatus
from mesodesk.messaging.models import Reminder
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.services import create_plan, held_sessions, update_plan
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment, cancel_appointment
from tests.patients.fixtures import answers

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2027, 3, 1, 10, 30, tzinfo=BERLIN)


@pytest.fixture
def plan(clinic: Clinic, maria: Patient, fiona: User, pedro: User) -> TreatmentPlan:
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers())
    return create_plan(
        clinic=clinic,
        patient=maria,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid"],
        technique="manual_needle",
        schedule_template="biweekly_series",
        first_session=MONDAY,
        sessions=7,
    )


def book_session(clinic: Clinic, plan: TreatmentPlan, number: int, by: User) -> Appointment:
    session = plan.sessions.get(number=number)
    from mesodesk.clinics.models import Membership

    practitioner = Membership.objects.get(clinic=clinic, role="practitioner").user
    return book_appointment(
        clinic=clinic,
        patient=plan.patient,
        by=by,
        kind="session",
        start=session.starts_at,
        practitioner=practitioner,
        room=add_room(clinic=clinic, name=f"Room {number}"),
        device=add_device(clinic=clinic, name=f"Kit {number}", device_type="manual_needle_kit"),
        planned_session=session,
    )


def dates(plan: TreatmentPlan) -> list[date]:
    return [s.target_date for s in plan.sessions.order_by("number")]


def code_of(error: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str]:
    ((field, errors),) = error.value.error_dict.items()
    return field, errors[0].code or ""


def test_more_sessions_are_added_after_the_last_at_the_template_s_interval(
    clinic: Clinic, plan: TreatmentPlan, pedro: User
) -> None:
    before = dates(plan)
    changed = update_plan(clinic=clinic, plan=plan, by=pedro, sessions=8)
    assert changed.session_count == 8
    after = dates(changed)
    assert after[:7] == before
    assert (after[7] - after[6]).days >= 14


def test_fewer_sessions_drop_the_last_ones_unless_they_are_booked(
    clinic: Clinic, plan: TreatmentPlan, pedro: User, fiona: User
) -> None:
    book_session(clinic, plan, 7, fiona)
    with pytest.raises(ValidationError) as refused:
        update_plan(clinic=clinic, plan=plan, by=pedro, sessions=6)
    assert code_of(refused) == ("sessions", "session_booked")
    assert "Session 7 has an appointment" in refused.value.messages[0]
    plan.refresh_from_db()
    assert plan.session_count == 7


def test_a_session_whose_booking_was_cancelled_can_be_dropped(
    clinic: Clinic, plan: TreatmentPlan, pedro: User, fiona: User
) -> None:
    booked = book_session(clinic, plan, 7, fiona)
    cancel_appointment(clinic=clinic, appointment=booked, by=fiona, reason="Moved away.")
    changed = update_plan(clinic=clinic, plan=plan, by=pedro, sessions=6)
    assert changed.session_count == 6 and len(dates(changed)) == 6
    booked.refresh_from_db()
    assert booked.planned_session_id is None
    assert booked.history.first().history_user == pedro  # type: ignore[union-attr]


def test_the_series_is_planned_again_only_before_any_session_is_booked(
    clinic: Clinic, plan: TreatmentPlan, pedro: User, fiona: User
) -> None:
    later = datetime(2027, 3, 8, 11, 0, tzinfo=BERLIN)
    changed = update_plan(
        clinic=clinic, plan=plan, by=pedro, first_session=later, schedule_template="monthly_starter"
    )
    assert (changed.schedule_template, changed.session_count) == ("monthly_starter", 3)
    assert dates(changed)[0] == date(2027, 3, 8)
    book_session(clinic, changed, 1, fiona)
    with pytest.raises(ValidationError) as refused:
        update_plan(clinic=clinic, plan=changed, by=pedro, first_session=MONDAY)
    assert code_of(refused) == ("first_session", "sessions_booked")
    assert held_sessions(clinic, changed) == {1: "booked"}


def test_a_changed_plan_screens_again_and_keeps_booked_dates(
    clinic: Clinic, plan: TreatmentPlan, maria: Patient, pedro: User, fiona: User
) -> None:
    booked = book_session(clinic, plan, 1, fiona)
    record_intake(clinic=clinic, patient=maria, by=fiona, answers=answers(allergies=["lidocaine"]))
    changed = update_plan(
        clinic=clinic, plan=plan, by=pedro, ingredients=["hyaluronic_acid", "lidocaine"]
    )
    screening = maria.screenings.order_by("-id").first()
    assert screening is not None and screening.plan_id == changed.pk
    assert screening.verdict == "ineligible"
    assert "ingredient_allergy" in {f["code"] for f in screening.findings}
    booked.refresh_from_db()
    assert booked.start == MONDAY and booked.status == "booked"


def test_more_sessions_move_the_maintenance_recall_to_the_new_last_session(
    clinic: Clinic, plan: TreatmentPlan, maria: Patient, pedro: User, fiona: User
) -> None:
    last = book_session(clinic, plan, 7, fiona)

    def recalls() -> int:
        return Reminder.objects.filter(
            appointment=last, kind=ReminderKind.RECALL, status=ReminderStatus.PENDING
        ).count()

    assert recalls() == 1
    update_plan(clinic=clinic, plan=plan, by=pedro, sessions=8)
    assert recalls() == 0
