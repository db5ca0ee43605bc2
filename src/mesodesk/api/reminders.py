"""The outbox rows of an appointment or a patient: what goes out when, and what happened."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from mesodesk.api.common import local, member, responses
from mesodesk.audit.services import record_read
from mesodesk.clinics.models import Clinic
from mesodesk.messaging import selectors
from mesodesk.messaging.models import Reminder
from mesodesk.patients import selectors as patient_selectors
from mesodesk.scheduling import selectors as scheduling

router = Router(tags=["reminders"])


class ReminderOut(Schema):
    id: int
    appointment_id: int
    kind: str
    channel: str
    codes: list[str]
    moment: datetime
    send_at: datetime
    expires_at: datetime
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str


def reminder_out(row: Reminder, clinic: Clinic) -> ReminderOut:
    return ReminderOut(
        id=row.pk,
        appointment_id=row.appointment_id,
        kind=row.kind,
        channel=row.channel,
        codes=list(row.codes),
        moment=local(row.moment, clinic),  # type: ignore[arg-type]
        send_at=local(row.send_at, clinic),  # type: ignore[arg-type]
        expires_at=local(row.expires_at, clinic),  # type: ignore[arg-type]
        status=row.status,
        attempts=row.attempts,
        sent_at=local(row.sent_at, clinic) if row.sent_at else None,
        last_error=row.last_error,
    )


@router.get(
    "/clinics/{clinic}/appointments/{appointment_id}/reminders",
    response=responses(list[ReminderOut]),
    summary="An appointment's reminders",
)
def appointment_reminders(
    request: HttpRequest, clinic: str, appointment_id: int
) -> list[ReminderOut]:
    """Every reminder row of the appointment, soonest first: pending, sent, expired,
    cancelled (moved or cancelled appointments) or failed, with attempts and last error."""
    clinic_obj = member(request, clinic).clinic
    appointment = scheduling.get_appointment(clinic_obj, appointment_id)
    record_read(request, clinic=clinic_obj, obj=appointment, patient=appointment.patient)
    return [
        reminder_out(row, clinic_obj)
        for row in selectors.appointment_reminders(clinic_obj, appointment)
    ]


@router.get(
    "/clinics/{clinic}/patients/{patient_id}/reminders",
    response=responses(list[ReminderOut]),
    summary="A patient's reminders",
)
def patient_reminders(request: HttpRequest, clinic: str, patient_id: int) -> list[ReminderOut]:
    """Every reminder row of the patient's appointments, soonest first."""
    clinic_obj = member(request, clinic).clinic
    patient = patient_selectors.get_patient(clinic_obj, patient_id)
    record_read(request, clinic=clinic_obj, obj=patient)
    return [
        reminder_out(row, clinic_obj) for row in selectors.patient_reminders(clinic_obj, patient)
    ]
