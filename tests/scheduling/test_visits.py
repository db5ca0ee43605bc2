"""The visit: check in, undo it, start, complete, no-show and late cancellation, each with
who and when, every refusal with its code, and what each does to the reminders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_device
from mesodesk.messaging.choices import AFTER_VISIT, ReminderKind, ReminderStatus
from mesodesk.messaging.models import Reminder
from mesodesk.patients.models import Patient
from mesodesk.patients.selectors import current_screening
from mesodesk.patients.services import record_intake, register_patient, sign_off_screening
from mesodesk.planning.services import create_plan
from mesodesk.scheduling import visits
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus, VisitStage
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_series
from tests.helpers import give_consents
from tests.scheduling.conftest import intake

At = Callable[..., datetime]


@pytest.fixture
def session(book: Callable[..., Appointment], eligible: Patient, at: At) -> Appointment:
    """Monday's 10:00 session of an eligible patient."""
    return book(eligible, at("10:00"))


@pytest.fixture
def at_ten(session: Appointment, at: At) -> Iterator[None]:
    """It is Monday 10:05 in Berlin: the session (booked before) has begun."""
    with time_machine.travel(at("10:05"), tick=False):
        yield


def code_of(call: Callable[[], object]) -> tuple[str, str]:
    """The (field, code) of the service's refusal."""
    with pytest.raises(ValidationError) as caught:
        call()
    ((field, errors),) = caught.value.error_dict.items()
    return field, errors[0].code or ""


def test_a_new_appointment_is_at_the_booked_stage(session: Appointment) -> None:
    assert visits.stage(session) is VisitStage.BOOKED


@pytest.mark.usefixtures("at_ten")
def test_a_session_goes_from_check_in_to_completion_recording_who_and_when(
    clinic: Clinic, session: Appointment, fiona: User, pedro: User, at: At
) -> None:
    arrived = visits.check_in(clinic=clinic, appointment=session, by=fiona)
    assert visits.stage(arrived) is VisitStage.ARRIVED
    assert (arrived.arrived_at, arrived.arrived_by) == (at("10:05"), fiona)
    assert arrived.status == AppointmentStatus.BOOKED

    started = visits.start_treatment(clinic=clinic, appointment=session, by=pedro)
    assert visits.stage(started) is VisitStage.IN_TREATMENT
    assert (started.started_at, started.started_by) == (at("10:05"), pedro)

    done = visits.complete(clinic=clinic, appointment=session, by=pedro)
    done.refresh_from_db()
    assert visits.stage(done) is VisitStage.COMPLETED
    assert (done.status, done.ended_at, done.ended_by) == ("completed", at("10:05"), pedro)
    who = [(h.history_user, h.status, h.arrived_at is not None) for h in done.history.all()]
    assert who[:3] == [(pedro, "completed", True), (pedro, "booked", True), (fiona, "booked", True)]


@pytest.mark.usefixtures("at_ten")
def test_a_check_in_made_by_mistake_can_be_undone_before_treatment(
    clinic: Clinic, session: Appointment, fiona: User, pedro: User
) -> None:
    visits.check_in(clinic=clinic, appointment=session, by=fiona)
    undone = visits.undo_check_in(clinic=clinic, appointment=session, by=fiona)
    assert (undone.arrived_at, undone.arrived_by) == (None, None)
    assert visits.stage(undone) is VisitStage.BOOKED
    assert session.history.filter(arrived_at__isnull=False).count() == 1

    visits.check_in(clinic=clinic, appointment=session, by=fiona)
    visits.start_treatment(clinic=clinic, appointment=session, by=pedro)
    assert code_of(lambda: visits.undo_check_in(clinic=clinic, appointment=session, by=fiona)) == (
        "appointment",
        "started",
    )


@pytest.mark.usefixtures("at_ten")
def test_each_step_refuses_the_wrong_role(
    clinic: Clinic, session: Appointment, alice: User, fiona: User, pedro: User
) -> None:
    denied = ("by", "permission_denied")
    assert code_of(lambda: visits.check_in(clinic=clinic, appointment=session, by=pedro)) == denied
    visits.check_in(clinic=clinic, appointment=session, by=alice)  # an admin runs the desk too
    assert code_of(
        lambda: visits.start_treatment(clinic=clinic, appointment=session, by=fiona)
    ) == (denied)
    assert code_of(
        lambda: visits.start_treatment(clinic=clinic, appointment=session, by=alice)
    ) == (denied)
    visits.start_treatment(clinic=clinic, appointment=session, by=pedro)
    assert code_of(lambda: visits.complete(clinic=clinic, appointment=session, by=fiona)) == denied
    assert code_of(lambda: visits.no_show(clinic=clinic, appointment=session, by=pedro)) == denied
    assert (
        code_of(
            lambda: visits.late_cancel(clinic=clinic, appointment=session, by=pedro, reason="x")
        )
        == denied
    )


def test_staff_of_another_clinic_cannot_touch_the_visit(
    clinic: Clinic, other_clinic: Clinic, session: Appointment
) -> None:
    from mesodesk.accounts.services import create_user
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.services import add_member

    stranger = create_user(email="desk@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=stranger, role=Role.FRONT_DESK)
    assert code_of(lambda: visits.check_in(clinic=clinic, appointment=session, by=stranger)) == (
        "by",
        "permission_denied",
    )
    with pytest.raises(Appointment.DoesNotExist):
        visits.check_in(clinic=other_clinic, appointment=session, by=stranger)


@pytest.mark.usefixtures("at_ten")
def test_steps_out_of_order_are_refused(
    clinic: Clinic, session: Appointment, fiona: User, pedro: User
) -> None:
    def start() -> object:
        return visits.start_treatment(clinic=clinic, appointment=session, by=pedro)

    assert code_of(start) == ("appointment", "not_arrived")
    assert code_of(lambda: visits.complete(clinic=clinic, appointment=session, by=pedro)) == (
        "appointment",
        "not_started",
    )
    assert code_of(lambda: visits.undo_check_in(clinic=clinic, appointment=session, by=fiona)) == (
        "appointment",
        "not_arrived",
    )
    visits.check_in(clinic=clinic, appointment=session, by=fiona)
    assert code_of(lambda: visits.check_in(clinic=clinic, appointment=session, by=fiona)) == (
        "appointment",
        "arrived",
    )
    assert code_of(lambda: visits.no_show(clinic=clinic, appointment=session, by=fiona)) == (
        "appointment",
        "arrived",
    )
    start()
    assert code_of(start) == ("appointment", "started")
    assert code_of(
        lambda: visits.late_cancel(clinic=clinic, appointment=session, by=fiona, reason="Left.")
    ) == ("appointment", "started")
    visits.complete(clinic=clinic, appointment=session, by=pedro)
    assert code_of(lambda: visits.complete(clinic=clinic, appointment=session, by=pedro)) == (
        "appointment",
        "not_booked",
    )


def test_a_no_show_before_the_appointment_begins_is_refused(
    clinic: Clinic, session: Appointment, fiona: User, at: At
) -> None:
    with time_machine.travel(at("09:59"), tick=False):
        assert code_of(lambda: visits.no_show(clinic=clinic, appointment=session, by=fiona)) == (
            "appointment",
            "too_early",
        )
    with time_machine.travel(at("10:20"), tick=False):
        closed = visits.no_show(clinic=clinic, appointment=session, by=fiona)
    assert (closed.status, closed.ended_at, closed.ended_by) == ("no_show", at("10:20"), fiona)
    assert visits.stage(closed) is VisitStage.NO_SHOW


def test_a_late_cancellation_needs_a_reason_and_frees_the_time(
    clinic: Clinic,
    book: Callable[..., Appointment],
    session: Appointment,
    another: Patient,
    fiona: User,
    at: At,
) -> None:
    assert code_of(
        lambda: visits.late_cancel(clinic=clinic, appointment=session, by=fiona, reason="  ")
    ) == ("reason", "required")
    with time_machine.travel(at("08:00"), tick=False):
        cancelled = visits.late_cancel(
            clinic=clinic, appointment=session, by=fiona, reason="Called at 8: has a fever."
        )
    assert (cancelled.status, cancelled.cancelled_at, cancelled.cancelled_by) == (
        "late_cancelled",
        at("08:00"),
        fiona,
    )
    assert cancelled.cancel_reason == "Called at 8: has a fever."
    assert visits.stage(cancelled) is VisitStage.LATE_CANCELLED
    # Pedro and Room 1 are free again at 10:00.
    assert book(another, at("10:00")).status == AppointmentStatus.BOOKED


def test_a_consultation_is_completed_without_a_start(
    clinic: Clinic,
    book: Callable[..., Appointment],
    pregnant: Patient,
    fiona: User,
    pedro: User,
    at: At,
) -> None:
    # Not a treatment: an ineligible patient may come to talk, and it needs no screening.
    consultation = book(pregnant, at("10:00"), kind=AppointmentKind.CONSULTATION)
    with time_machine.travel(at("10:02"), tick=False):
        visits.check_in(clinic=clinic, appointment=consultation, by=fiona)
        done = visits.complete(clinic=clinic, appointment=consultation, by=pedro)
    assert (done.status, done.started_at, done.ended_at) == ("completed", None, at("10:02"))


def test_a_future_consultation_nobody_checked_in_cannot_be_completed(
    clinic: Clinic, book: Callable[..., Appointment], eligible: Patient, pedro: User, at: At
) -> None:
    consultation = book(eligible, at("11:00"), kind=AppointmentKind.CONSULTATION)
    assert code_of(lambda: visits.complete(clinic=clinic, appointment=consultation, by=pedro)) == (
        "appointment",
        "not_arrived",
    )


def test_a_session_cannot_start_without_a_sign_off_of_a_newer_review_verdict(
    clinic: Clinic, session: Appointment, eligible: Patient, fiona: User, pedro: User, at: At
) -> None:
    # After booking the patient started warfarin: screened again at the start, the new
    # review verdict needs a practitioner's sign-off first.
    record_intake(
        clinic=clinic,
        patient=eligible,
        by=fiona,
        answers=intake(medications=[{"name": "warfarin", "prescribed": True}]),
    )
    with time_machine.travel(at("10:05"), tick=False):
        visits.check_in(clinic=clinic, appointment=session, by=fiona)
        assert code_of(
            lambda: visits.start_treatment(clinic=clinic, appointment=session, by=pedro)
        ) == ("patient", "not_signed_off")
        screening = current_screening(clinic, eligible)
        assert screening is not None and screening.verdict == "review"
        sign_off_screening(clinic=clinic, screening=screening, by=pedro, reason="INR stable.")
        started = visits.start_treatment(clinic=clinic, appointment=session, by=pedro)
    assert visits.stage(started) is VisitStage.IN_TREATMENT


def test_a_session_cannot_start_for_a_patient_now_ineligible(
    clinic: Clinic, session: Appointment, eligible: Patient, fiona: User, pedro: User, at: At
) -> None:
    record_intake(clinic=clinic, patient=eligible, by=fiona, answers=intake(pregnant=True))
    with time_machine.travel(at("10:05"), tick=False):
        visits.check_in(clinic=clinic, appointment=session, by=fiona)
        field, code = code_of(
            lambda: visits.start_treatment(clinic=clinic, appointment=session, by=pedro)
        )
    assert (field, code) == ("patient", "ineligible")
    session.refresh_from_db()
    assert session.started_at is None


@pytest.fixture
def emailed(clinic: Clinic, fiona: User) -> Patient:
    """An eligible patient who gets reminders by e-mail."""
    patient = register_patient(
        clinic=clinic, by=fiona, first_name="Eva", last_name="Mail", email="eva@example.test"
    )
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake())
    give_consents(patient)
    return patient


def waiting(appointment: Appointment) -> set[str]:
    rows = Reminder.objects.filter(
        appointment=appointment, status__in=(ReminderStatus.PENDING, ReminderStatus.SENDING)
    )
    return {row.kind for row in rows}


def test_a_no_show_cancels_the_aftercare_and_check_in_reminders(
    clinic: Clinic, book: Callable[..., Appointment], emailed: Patient, fiona: User, at: At
) -> None:
    appointment = book(emailed, at("10:00"))
    assert {ReminderKind.AFTERCARE, ReminderKind.CHECK_IN} <= waiting(appointment)
    with time_machine.travel(at("10:20"), tick=False):
        visits.no_show(clinic=clinic, appointment=appointment, by=fiona)
    assert waiting(appointment) == set()
    assert Reminder.objects.filter(
        appointment=appointment, kind=ReminderKind.CHECK_IN, status=ReminderStatus.CANCELLED
    ).exists()


def test_a_late_cancellation_cancels_every_reminder_still_to_go(
    clinic: Clinic, book: Callable[..., Appointment], emailed: Patient, fiona: User, at: At
) -> None:
    appointment = book(emailed, at("10:00"))
    with time_machine.travel(at("08:00"), tick=False):
        visits.late_cancel(clinic=clinic, appointment=appointment, by=fiona, reason="Ill.")
    assert waiting(appointment) == set()


def test_a_completed_session_keeps_its_reminders_after_the_visit(
    clinic: Clinic,
    book: Callable[..., Appointment],
    emailed: Patient,
    fiona: User,
    pedro: User,
    at: At,
) -> None:
    appointment = book(emailed, at("10:00"))
    after = waiting(appointment) & AFTER_VISIT
    assert {ReminderKind.AFTERCARE, ReminderKind.CHECK_IN} <= after
    with time_machine.travel(at("10:05"), tick=False):
        visits.check_in(clinic=clinic, appointment=appointment, by=fiona)
        visits.start_treatment(clinic=clinic, appointment=appointment, by=pedro)
        visits.complete(clinic=clinic, appointment=appointment, by=pedro)
    assert waiting(appointment) == after


def test_past_appointments_still_booked_are_listed_to_close(
    clinic: Clinic,
    book: Callable[..., Appointment],
    session: Appointment,
    another: Patient,
    fiona: User,
    at: At,
) -> None:
    later = book(another, at("11:00"))
    with time_machine.travel(at("11:30"), tick=False):
        assert list(visits.unclosed(clinic)) == [session]
        visits.no_show(clinic=clinic, appointment=session, by=fiona)
        assert list(visits.unclosed(clinic)) == []
    with time_machine.travel(at("12:00"), tick=False):
        assert list(visits.unclosed(clinic)) == [later]


def test_a_late_cancelled_series_session_can_be_booked_again(
    clinic: Clinic, eligible: Patient, fiona: User, pedro: User, room: Room, at: At
) -> None:
    plan = create_plan(
        clinic=clinic,
        patient=eligible,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=at("10:00"),
    )
    kit = add_device(clinic=clinic, name="Needles", device_type="manual_needle_kit")
    where = {"practitioner": pedro, "room": room, "device": kit}
    first, *_ = book_series(clinic=clinic, plan=plan, by=fiona, **where)
    visits.late_cancel(clinic=clinic, appointment=first, by=fiona, reason="Ill.")
    again = book_series(clinic=clinic, plan=plan, by=fiona, **where)
    assert [a.planned_session_id for a in again] == [first.planned_session_id]
