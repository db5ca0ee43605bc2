"""Outbox rows follow the appointment: booked, moved, cancelled, new answers, new choices."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import update_clinic_settings
from mesodesk.messaging.choices import NOTICES, ReminderKind, ReminderStatus
from mesodesk.messaging.models import Reminder
from mesodesk.messaging.services import update_preferences
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.protocols.services import remove_clinic_override, set_clinic_override
from mesodesk.scheduling.services import cancel_appointment, reschedule_appointment
from tests.messaging.conftest import BERLIN, BookSession, next_weekday
from tests.scheduling.conftest import intake

pytestmark = pytest.mark.django_db


def _pending(appointment_id: int) -> list[Reminder]:
    return list(
        Reminder.objects.filter(
            appointment_id=appointment_id, status=ReminderStatus.PENDING
        ).exclude(kind__in=NOTICES)  # the booking confirmation: test_notices.py
    )


def test_booking_a_session_queues_its_reminders(lena: Patient, book_session: BookSession) -> None:
    appointment = book_session(lena, next_weekday(3))
    rows = _pending(appointment.pk)
    kinds = {row.kind for row in rows}
    assert kinds == {
        ReminderKind.APPOINTMENT,
        ReminderKind.PREPARATION,
        ReminderKind.AFTERCARE,
        ReminderKind.CHECK_IN,
    }
    assert {row.channel for row in rows} == {"email"}
    for row in rows:
        assert row.send_at < row.expires_at
        assert row.next_attempt_at == row.send_at
        assert row.clinic_id == appointment.clinic_id
        assert row.patient_id == lena.pk


def test_cancelling_cancels_every_pending_reminder(
    clinic: Clinic, fiona: User, lena: Patient, book_session: BookSession
) -> None:
    appointment = book_session(lena, next_weekday(3))
    count = len(_pending(appointment.pk))
    cancel_appointment(clinic=clinic, appointment=appointment, by=fiona, reason="Patient ill")
    assert _pending(appointment.pk) == []
    assert (
        Reminder.objects.filter(appointment=appointment, status=ReminderStatus.CANCELLED).count()
        == count
    )


def test_rescheduling_replaces_the_reminders(
    clinic: Clinic, fiona: User, lena: Patient, book_session: BookSession
) -> None:
    day = next_weekday(3)
    appointment = book_session(lena, day)
    before = {row.idempotency_key for row in _pending(appointment.pk)}
    moved = reschedule_appointment(
        clinic=clinic,
        appointment=appointment,
        by=fiona,
        start=datetime.combine(day + timedelta(days=1), time(14), BERLIN),
    )
    after = {row.idempotency_key for row in _pending(moved.pk)}
    assert before and after
    assert not before & after
    assert Reminder.objects.filter(
        idempotency_key__in=before, status=ReminderStatus.CANCELLED
    ).count() == len(before)


def test_a_new_intake_adds_the_preparation_it_needs_now(
    clinic: Clinic, fiona: User, book_session: BookSession
) -> None:
    patient = register_patient(
        clinic=clinic, by=fiona, first_name="Ida", last_name="Roth", email="ida@example.test"
    )
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake())
    appointment = book_session(patient, next_weekday(3))
    codes = {code for row in _pending(appointment.pk) for code in row.codes}
    assert "consult_prescriber" not in codes
    record_intake(
        clinic=clinic,
        patient=patient,
        by=fiona,
        answers=intake(medications=[{"name": "warfarin", "prescribed": True}]),
    )
    codes = {code for row in _pending(appointment.pk) for code in row.codes}
    assert "consult_prescriber" in codes


def test_opting_out_cancels_and_opting_in_again_restores(
    clinic: Clinic, lena: Patient, book_session: BookSession
) -> None:
    appointment = book_session(lena, next_weekday(3))
    before = {row.idempotency_key for row in _pending(appointment.pk)}
    choices = {
        "email": True,
        "sms": False,
        "preparation": True,
        "appointment": True,
        "aftercare": True,
        "check_in": True,
        "recall": True,
        "quiet_start": time(21),
        "quiet_end": time(8),
    }
    update_preferences(clinic=clinic, patient=lena, by=None, **choices | {"preparation": False})
    assert {row.kind for row in _pending(appointment.pk)} == {
        ReminderKind.APPOINTMENT,
        ReminderKind.AFTERCARE,
        ReminderKind.CHECK_IN,
    }
    update_preferences(clinic=clinic, patient=lena, by=None, **choices)
    assert {row.idempotency_key for row in _pending(appointment.pk)} == before
    # Text messages too, now that there is a number: every reminder on both channels.
    update_preferences(clinic=clinic, patient=lena, by=None, **choices | {"sms": True})
    rows = _pending(appointment.pk)
    assert {row.channel for row in rows} == {"email", "sms"}
    assert len(rows) == 2 * len(before)


def test_text_messages_need_a_phone_number(clinic: Clinic, fiona: User) -> None:
    patient = register_patient(clinic=clinic, by=fiona, first_name="No", last_name="Phone")
    with pytest.raises(ValidationError) as refused:
        update_preferences(
            clinic=clinic,
            patient=patient,
            by=fiona,
            email=False,
            sms=True,
            preparation=True,
            appointment=True,
            aftercare=True,
            check_in=True,
            recall=True,
            quiet_start=time(21),
            quiet_end=time(8),
        )
    assert "sms" in refused.value.message_dict


def test_a_clinic_override_of_a_lead_time_moves_the_queued_preparation(
    clinic: Clinic, alice: User, lena: Patient, book_session: BookSession
) -> None:
    appointment = book_session(lena, next_weekday(3))
    nsaids = [r for r in _pending(appointment.pk) if "avoid_nsaids" in r.codes]
    assert len(nsaids) == 1
    set_clinic_override(
        clinic=clinic, rule_code="avoid_nsaids", value=10, reason="Ten days here.", by=alice
    )
    moved = [r for r in _pending(appointment.pk) if "avoid_nsaids" in r.codes]
    assert len(moved) == 1
    assert moved[0].moment == nsaids[0].moment - timedelta(days=3)
    remove_clinic_override(clinic=clinic, rule_code="avoid_nsaids", reason="Back.", by=alice)
    again = [r for r in _pending(appointment.pk) if "avoid_nsaids" in r.codes]
    assert [r.pk for r in again] == [nsaids[0].pk]


def test_a_new_reminder_lead_time_moves_the_appointment_reminder(
    clinic: Clinic, lena: Patient, book_session: BookSession
) -> None:
    appointment = book_session(lena, next_weekday(3))
    update_clinic_settings(clinic=clinic, appointment_reminder_hours=48)
    (reminder,) = [r for r in _pending(appointment.pk) if r.kind == ReminderKind.APPOINTMENT]
    assert reminder.send_at == appointment.start - timedelta(hours=48)
