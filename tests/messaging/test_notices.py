"""Patients are told when the clinic books, moves or cancels an appointment: notices through
the outbox and the worker to a real SMTP server (aiosmtpd on loopback), with the calendar
file attached; and no burst of late reminders when the rows are refreshed (issue 13)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import update_clinic_settings
from mesodesk.messaging.choices import NOTICES, ReminderStatus
from mesodesk.messaging.models import Reminder
from mesodesk.messaging.services import refresh_reminders, update_preferences
from mesodesk.messaging.sms import LocmemSmsBackend
from mesodesk.messaging.worker import Worker
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import (
    book_appointment,
    cancel_appointment,
    reschedule_appointment,
)
from tests.messaging.conftest import BERLIN, SmtpServer, next_weekday

pytestmark = pytest.mark.django_db

CHOICES = {
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


@pytest.fixture
def clinic_with_address(clinic: Clinic) -> Clinic:
    return update_clinic_settings(
        clinic=clinic, address="Lindenstraße 4\n10969 Berlin", phone="030 1234567"
    )


def _consultation(
    clinic: Clinic, patient: Patient, by: User, pedro: User, room: Room, hh: int = 10
) -> Appointment:
    return book_appointment(
        clinic=clinic,
        patient=patient,
        by=by,
        kind="consultation",
        start=datetime.combine(next_weekday(2), time(hh), BERLIN),
        practitioner=pedro,
        room=room,
    )


def _send_notices() -> None:
    """Runs the worker once, now: the notices are due at once (outside quiet hours)."""
    due = Reminder.objects.filter(kind__in=NOTICES, status=ReminderStatus.PENDING)
    latest = max([timezone.now(), *due.values_list("next_attempt_at", flat=True)])
    Worker().run_once(now=latest)


def _parts(message: object) -> tuple[str, Calendar | None]:
    text, calendar = "", None
    for part in message.walk():  # type: ignore[attr-defined]
        if part.get_content_type() == "text/plain" and not part.get_filename():
            text = part.get_payload(decode=True).decode()
        elif part.get_content_type() == "text/calendar":
            calendar = Calendar.from_ical(part.get_payload(decode=True))
    return text, calendar


def test_booking_moving_and_cancelling_each_tell_the_patient_with_the_calendar_file(
    clinic_with_address: Clinic,
    fiona: User,
    pedro: User,
    room: Room,
    lena: Patient,
    mail_to_smtp: SmtpServer,
) -> None:
    clinic = clinic_with_address
    booked = _consultation(clinic, lena, fiona, pedro, room)
    _send_notices()
    moved = reschedule_appointment(
        clinic=clinic, appointment=booked, by=fiona, start=booked.start + timedelta(hours=2)
    )
    _send_notices()
    cancel_appointment(clinic=clinic, appointment=moved, by=fiona, reason="Practitioner ill")
    _send_notices()

    confirmation, change, cancellation = mail_to_smtp.inbox.messages
    subjects = [" ".join(str(m["Subject"]).split()) for m in (confirmation, change, cancellation)]
    assert subjects[0].startswith("Your appointment at Lindenhof Aesthetics on")
    assert "has moved" in subjects[1]
    assert subjects[2].endswith("is cancelled")
    texts, calendars = zip(*(_parts(m) for m in mail_to_smtp.inbox.messages), strict=True)
    assert "has booked your appointment on" in texts[0] and "at 10:00" in texts[0]
    assert "It is now on" in texts[1] and "at 12:00" in texts[1]
    assert "at 12:00 is cancelled" in texts[2]
    for text in texts:
        assert text.startswith("Hello Lena,")
        assert "+49 30 1234567" in text
        # Neutral: nothing of her answers, medicines or the reason given to the desk.
        for word in ("advil", "fish oil", "ill", "eligible", "diagnos"):
            assert word not in text.lower().replace("will", "")
    events = [next(iter(c.walk("VEVENT"))) for c in calendars if c is not None]
    assert len(events) == 3
    # One event, moved then cancelled in place: the same UID, a higher SEQUENCE each time.
    assert len({str(e["UID"]) for e in events}) == 1
    assert [int(e["SEQUENCE"]) for e in events] == sorted(int(e["SEQUENCE"]) for e in events)
    assert events[0].decoded("DTSTART") == booked.start
    assert events[1].decoded("DTSTART") == booked.start + timedelta(hours=2)
    assert str(events[2]["STATUS"]) == "CANCELLED"
    assert str(calendars[2]["METHOD"]) == "CANCEL"
    assert "Lindenstraße 4, 10969 Berlin" in str(events[0]["LOCATION"])
    assert "+49 30 1234567" in str(events[0]["DESCRIPTION"])


def test_an_appointment_cancelled_before_its_confirmation_went_out_sends_nothing(
    clinic: Clinic, fiona: User, pedro: User, room: Room, lena: Patient, mail_to_smtp: SmtpServer
) -> None:
    booked = _consultation(clinic, lena, fiona, pedro, room)
    cancel_appointment(clinic=clinic, appointment=booked, by=fiona, reason="Booked by mistake")
    _send_notices()
    assert mail_to_smtp.inbox.messages == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.CANCELLED}


def test_a_move_replaces_a_confirmation_still_waiting(
    clinic: Clinic, fiona: User, pedro: User, room: Room, lena: Patient, mail_to_smtp: SmtpServer
) -> None:
    booked = _consultation(clinic, lena, fiona, pedro, room)
    reschedule_appointment(
        clinic=clinic, appointment=booked, by=fiona, start=booked.start + timedelta(hours=1)
    )
    _send_notices()
    (only,) = mail_to_smtp.inbox.messages
    assert "has moved" in str(only["Subject"])


def test_notices_go_by_text_message_when_the_patient_chose_that(
    clinic: Clinic,
    fiona: User,
    pedro: User,
    room: Room,
    lena: Patient,
    settings: object,
    mail_to_smtp: SmtpServer,
) -> None:
    settings.SMS_BACKEND = "mesodesk.messaging.sms.LocmemSmsBackend"  # type: ignore[attr-defined]
    LocmemSmsBackend.outbox.clear()
    # Every reminder turned off: a notice is not a reminder one turns off.
    off = dict.fromkeys(("preparation", "appointment", "aftercare", "check_in", "recall"), False)
    update_preferences(
        clinic=clinic, patient=lena, by=None, **CHOICES | off | {"email": False, "sms": True}
    )
    booked = _consultation(clinic, lena, fiona, pedro, room)
    _send_notices()
    (sms,) = LocmemSmsBackend.outbox
    assert sms.body.startswith("Lindenhof Aesthetics: your appointment is booked for ")
    assert mail_to_smtp.inbox.messages == []
    assert Reminder.objects.filter(appointment=booked).count() == 1


def test_a_patient_in_another_zone_reads_the_clinics_time_and_its_name(
    clinic: Clinic, fiona: User, pedro: User, room: Room, lena: Patient, mail_to_smtp: SmtpServer
) -> None:
    update_preferences(
        clinic=clinic, patient=lena, by=None, **CHOICES | {"time_zone": "Europe/London"}
    )
    _consultation(clinic, lena, fiona, pedro, room, hh=11)
    _send_notices()
    text, _ = _parts(mail_to_smtp.inbox.messages[0])
    assert "at 11:00 (Berlin time)" in text


def test_a_patient_in_the_clinics_zone_reads_no_zone_name(
    clinic: Clinic, fiona: User, pedro: User, room: Room, lena: Patient, mail_to_smtp: SmtpServer
) -> None:
    update_preferences(
        clinic=clinic, patient=lena, by=None, **CHOICES | {"time_zone": "Europe/Paris"}
    )
    _consultation(clinic, lena, fiona, pedro, room, hh=11)
    _send_notices()
    text, _ = _parts(mail_to_smtp.inbox.messages[0])
    assert "at 11:00." in text and "time)" not in text


def test_a_refresh_close_to_the_appointment_queues_no_burst_of_late_reminders(
    clinic: Clinic, fiona: User, pedro: User, room: Room, lena: Patient, mail_to_smtp: SmtpServer
) -> None:
    booked = _consultation(clinic, lena, fiona, pedro, room)
    Reminder.objects.filter(kind__in=NOTICES).update(status=ReminderStatus.SENT)
    # As if an admin's unrelated change had made every reminder a new one (new keys), nine
    # minutes before the appointment: none of them is due any more when first created.
    Reminder.objects.exclude(kind__in=NOTICES).update(
        idempotency_key="before-the-change-" + Reminder.objects.first().idempotency_key[:20]  # type: ignore[union-attr]
    )
    nine_minutes_before = booked.start - timedelta(minutes=9)
    refresh_reminders(clinic=clinic, appointment=booked, now=nine_minutes_before)
    Worker().run_once(now=nine_minutes_before)
    assert mail_to_smtp.inbox.messages == []
    assert not Reminder.objects.filter(status=ReminderStatus.PENDING).exists()


def test_booking_late_sends_the_confirmation_and_no_late_appointment_reminder(
    clinic: Clinic, fiona: User, pedro: User, room: Room, lena: Patient, mail_to_smtp: SmtpServer
) -> None:
    start = datetime.combine(next_weekday(2), time(10), BERLIN)
    # Booked at 22:30 the evening before: the 24-hour reminder's time has passed.
    with_time = start - timedelta(hours=11, minutes=30)
    with time_machine.travel(with_time, tick=False):
        booked = book_appointment(
            clinic=clinic,
            patient=lena,
            by=fiona,
            kind="consultation",
            start=start,
            practitioner=pedro,
            room=room,
        )
    rows = list(Reminder.objects.filter(appointment=booked))
    assert [row.kind for row in rows] == ["booked"]
    # Told when the quiet hours end, 08:00, before the appointment.
    assert rows[0].send_at == datetime.combine(start.date(), time(8), BERLIN)
