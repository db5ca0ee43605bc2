"""The worker in this process against a real SMTP server (aiosmtpd on loopback): what is
sent, what is not, and what the messages say."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import update_clinic_settings
from mesodesk.messaging.choices import ReminderStatus
from mesodesk.messaging.models import ContactPreferences, MessageTemplate, Reminder
from mesodesk.messaging.services import refresh_reminders, update_preferences
from mesodesk.messaging.sms import LocmemSmsBackend
from mesodesk.messaging.worker import BatchResult, Worker, WorkerSettings
from mesodesk.patients.models import Patient
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import cancel_appointment, reschedule_appointment
from tests.messaging.conftest import BERLIN, BookSession, SmtpServer, next_weekday

pytestmark = pytest.mark.django_db


def _run_until(worker: Worker, until: datetime) -> None:
    """Runs the worker at every moment a reminder is due, up to `until` (a simulated clock)."""
    while True:
        due = (
            Reminder.objects.filter(status=ReminderStatus.PENDING, next_attempt_at__lte=until)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if due is None:
            return
        worker.run_once(now=due)


def _body(message: object) -> str:
    """The plain text of a message (a notice's is beside its calendar file)."""
    for part in message.walk():  # type: ignore[attr-defined]
        if part.get_content_type() == "text/plain":
            return str(part.get_payload(decode=True).decode())
    raise AssertionError("no text")


def test_every_reminder_of_a_session_arrives_once(
    lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    rows = list(Reminder.objects.filter(appointment=appointment))
    _run_until(Worker(), appointment.end + timedelta(days=30))
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}
    ids = mail_to_smtp.inbox.ids()
    assert len(ids) == len(rows) == len(set(ids))
    for message in mail_to_smtp.inbox.messages:
        assert message["To"] == "lena@example.test"
        assert message["Subject"]
        assert "Lindenhof Aesthetics" in _body(message)
        assert "/reminders/p/" in _body(message)


def test_messages_carry_no_clinical_detail(
    lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    _run_until(Worker(), appointment.end + timedelta(days=30))
    bodies = " ".join(_body(m) + str(m["Subject"]) for m in mail_to_smtp.inbox.messages).lower()
    # Not her medicines, not a verdict, finding, diagnosis or cocktail.
    for word in ("advil", "fish oil", "eligible", "contraindicat", "diagnos", "verdict", "pregnan"):
        assert word not in bodies
    # The instructions themselves, by their labels, and the prescribed-medicine safety line.
    assert "no blood-thinning supplements" in bodies
    assert "keep taking it unless that doctor tells you otherwise" in bodies


def test_the_message_id_is_the_same_whenever_a_row_is_sent(
    lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    row = Reminder.objects.filter(appointment=appointment).order_by("send_at").first()
    assert row is not None
    worker = Worker()
    worker.run_once(now=row.send_at)
    first = mail_to_smtp.inbox.ids()[0]
    # As if the worker died before recording the send: swept back and sent again.
    Reminder.objects.filter(pk=row.pk).update(
        status=ReminderStatus.SENDING, claimed_at=row.send_at - timedelta(hours=1)
    )
    worker.run_once(now=row.send_at + timedelta(minutes=10))
    assert mail_to_smtp.inbox.ids()[-1] == first
    assert first.startswith("<reminder.") and first.endswith("@mesodesk.invalid>")


def test_a_cancelled_appointment_sends_its_cancellation_notice_only(
    clinic: Clinic,
    fiona: User,
    lena: Patient,
    book_session: BookSession,
    mail_to_smtp: SmtpServer,
) -> None:
    appointment = book_session(lena, next_weekday(3))
    assert Reminder.objects.filter(appointment=appointment).exists()
    cancel_appointment(clinic=clinic, appointment=appointment, by=fiona, reason="Moved away")
    _run_until(Worker(), appointment.end + timedelta(days=30))
    Worker().run_once(now=appointment.end + timedelta(days=30))
    (notice,) = mail_to_smtp.inbox.messages
    assert " ".join(str(notice["Subject"]).split()).endswith("is cancelled")
    assert set(Reminder.objects.exclude(kind="cancelled").values_list("status", flat=True)) == {
        ReminderStatus.CANCELLED
    }


def test_a_row_claimed_after_its_appointment_was_cancelled_is_not_sent(
    lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    # Cancelled behind the services' back: the worker still checks before it sends.
    type(appointment).objects.filter(pk=appointment.pk).update(
        status="cancelled", cancelled_at=timezone.now()
    )
    _run_until(Worker(), appointment.end + timedelta(days=30))
    assert mail_to_smtp.inbox.messages == []


def test_a_rescheduled_appointment_sends_the_new_reminders_only(
    clinic: Clinic,
    fiona: User,
    lena: Patient,
    book_session: BookSession,
    mail_to_smtp: SmtpServer,
) -> None:
    day = next_weekday(3)
    appointment = book_session(lena, day)
    old = set(Reminder.objects.filter(appointment=appointment).values_list("pk", flat=True))
    moved = reschedule_appointment(
        clinic=clinic,
        appointment=appointment,
        by=fiona,
        start=datetime.combine(day + timedelta(days=7), time(11), BERLIN),
    )
    _run_until(Worker(), moved.end + timedelta(days=30))
    sent = Reminder.objects.filter(status=ReminderStatus.SENT)
    assert sent.exists()
    assert not set(sent.values_list("pk", flat=True)) & old
    assert len(mail_to_smtp.inbox.ids()) == sent.count()
    (reminder,) = [
        m for m in mail_to_smtp.inbox.messages if "reminder of your appointment" in _body(m)
    ]
    assert str(day + timedelta(days=7)).split("-")[2].lstrip("0") in _body(reminder)


def test_smtp_down_then_up_retries_and_never_sends_late(
    lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    rows = list(Reminder.objects.filter(appointment=appointment).order_by("send_at"))
    first, second = rows[0], rows[1]
    mail_to_smtp.stop()
    worker = Worker(WorkerSettings(backoff=timedelta(minutes=5)))
    worker.run_once(now=first.send_at)
    first.refresh_from_db()
    assert first.status == ReminderStatus.PENDING
    assert first.attempts == 1
    assert first.last_error.startswith("ConnectionRefusedError")
    assert "@" not in first.last_error
    assert first.next_attempt_at == first.send_at + timedelta(minutes=5)
    # Still down at the retry: twice the wait.
    worker.run_once(now=first.next_attempt_at)
    first.refresh_from_db()
    assert first.attempts == 2
    assert first.next_attempt_at == first.send_at + timedelta(minutes=15)
    # Back up: the retry goes out, and the next reminder in its turn.
    mail_to_smtp.start()
    worker.run_once(now=first.next_attempt_at)
    first.refresh_from_db()
    assert first.status == ReminderStatus.SENT
    assert len(mail_to_smtp.inbox.messages) == 1
    # A reminder whose moment passed while the server was down is expired, not sent.
    worker.run_once(now=second.expires_at)
    second.refresh_from_db()
    assert second.status == ReminderStatus.EXPIRED
    assert len(mail_to_smtp.inbox.messages) == 1


def test_text_messages_go_through_the_sms_backend(
    clinic: Clinic,
    lena: Patient,
    book_session: BookSession,
    settings: object,
    mail_to_smtp: SmtpServer,
) -> None:
    settings.SMS_BACKEND = "mesodesk.messaging.sms.LocmemSmsBackend"  # type: ignore[attr-defined]
    LocmemSmsBackend.outbox.clear()
    update_preferences(
        clinic=clinic,
        patient=lena,
        by=None,
        email=False,
        sms=True,
        preparation=False,
        appointment=True,
        aftercare=False,
        check_in=False,
        recall=False,
        quiet_start=time(21),
        quiet_end=time(8),
    )
    appointment = book_session(lena, next_weekday(3))
    _run_until(Worker(), appointment.end + timedelta(days=30))
    (sms,) = LocmemSmsBackend.outbox
    assert sms.to == "+491700000000"  # E.164, as stored
    assert sms.body.startswith("Lindenhof Aesthetics: reminder of your appointment on ")
    assert mail_to_smtp.inbox.messages == []


def test_a_new_lead_time_moves_a_waiting_reminder_and_never_resends_a_sent_one(
    clinic: Clinic, lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    # Only the appointment reminder is of interest here: the others count as sent.
    Reminder.objects.exclude(kind="appointment").update(status=ReminderStatus.SENT)
    row = Reminder.objects.get(appointment=appointment, kind="appointment")
    assert row.send_at == appointment.start - timedelta(hours=24)
    update_clinic_settings(clinic=clinic, appointment_reminder_hours=48)
    moved = Reminder.objects.get(appointment=appointment, kind="appointment")
    assert (moved.pk, moved.send_at) == (row.pk, appointment.start - timedelta(hours=48))
    Worker().run_once(now=moved.send_at)
    assert len(mail_to_smtp.inbox.messages) == 1
    # Back to 24 hours after it went out: nothing new to send.
    update_clinic_settings(clinic=clinic, appointment_reminder_hours=24)
    rows = Reminder.objects.filter(appointment=appointment, kind="appointment")
    assert [r.status for r in rows] == [ReminderStatus.SENT]
    Worker().run_once(now=appointment.start - timedelta(hours=24))
    assert len(mail_to_smtp.inbox.messages) == 1


def test_a_reminder_cancelled_while_its_send_fails_stays_cancelled(
    lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    first = Reminder.objects.filter(appointment=appointment).order_by("send_at").first()
    assert first is not None
    mail_to_smtp.stop()
    worker = Worker()
    ids = worker.claim(first.send_at)
    assert first.pk in ids
    # The desk moves the appointment while the worker holds the claim; the send fails.
    reschedule_appointment(
        clinic=appointment.clinic,
        appointment=appointment,
        by=appointment.practitioner,
        start=appointment.start + timedelta(days=7),
    )
    worker._send(ids, first.send_at, BatchResult())
    first.refresh_from_db()
    assert first.status == ReminderStatus.CANCELLED
    mail_to_smtp.start()
    worker.run_once(now=first.send_at + timedelta(hours=1))
    # The change notice only, not the cancelled reminder.
    assert ["moved" in str(m["Subject"]) for m in mail_to_smtp.inbox.messages] == [True]
    first.refresh_from_db()
    assert first.status == ReminderStatus.CANCELLED


def test_a_kind_opted_out_of_is_not_sent_even_if_its_row_is_still_waiting(
    lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    row = Reminder.objects.get(appointment=appointment, kind="check_in")
    # Changed behind the services' back: the worker checks the choice itself.
    ContactPreferences.objects.filter(patient=lena).update(check_in=False)
    Reminder.objects.exclude(pk=row.pk).update(status=ReminderStatus.SENT)
    Worker().run_once(now=row.send_at)
    row.refresh_from_db()
    assert row.status == ReminderStatus.CANCELLED
    assert mail_to_smtp.inbox.messages == []


def test_a_batch_over_half_its_lease_puts_the_rest_back_untried(
    lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    now = timezone.now()
    due = Reminder.objects.filter(appointment=appointment).update(
        send_at=now, next_attempt_at=now, expires_at=now + timedelta(hours=1)
    )
    # A zero lease: every batch is over its time after its first message.
    worker = Worker(WorkerSettings(lease=timedelta(0)))
    worker.run_once(now=now)
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 1
    waiting = Reminder.objects.filter(status=ReminderStatus.PENDING)
    assert waiting.count() == due - 1
    assert set(waiting.values_list("attempts", flat=True)) == {0}
    assert set(waiting.values_list("claimed_by", flat=True)) == {""}
    # Pass by pass, the rest goes out, each once.
    for _ in range(due - 1):
        worker.run_once(now=now)
    assert len(mail_to_smtp.inbox.ids()) == due == len(mail_to_smtp.inbox.messages)


def test_a_clinics_new_wording_is_used_without_restarting_the_worker(
    clinic: Clinic, lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    rows = list(Reminder.objects.filter(appointment=appointment).order_by("send_at"))
    worker = Worker()
    worker.run_once(now=rows[0].send_at)
    MessageTemplate.objects.create(
        clinic=clinic, kind=rows[1].kind, channel="email", body="New words from {{ clinic }}."
    )
    worker.run_once(now=rows[1].send_at)
    assert _body(mail_to_smtp.inbox.messages[-1]).startswith("New words from Lindenhof")


def test_a_completed_session_keeps_what_follows_the_visit(
    clinic: Clinic, lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    # Marked done by the database directly: the visit's services are tested on their own.
    Appointment.objects.filter(pk=appointment.pk).update(
        status=AppointmentStatus.COMPLETED, ended_at=appointment.end
    )
    appointment.refresh_from_db()
    refresh_reminders(clinic=clinic, appointment=appointment, now=appointment.end)
    pending = set(
        Reminder.objects.filter(status=ReminderStatus.PENDING).values_list("kind", flat=True)
    )
    assert pending == {"aftercare", "check_in"}
    check_in = Reminder.objects.get(kind="check_in")
    Worker().run_once(now=check_in.send_at)
    check_in.refresh_from_db()
    assert check_in.status == ReminderStatus.SENT


def test_moved_away_and_back_while_being_sent_it_is_still_sent_once(
    lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    first = Reminder.objects.filter(appointment=appointment).order_by("send_at").first()
    assert first is not None
    original = appointment.start
    worker, other = Worker(name="one"), Worker(name="two")
    ids = worker.claim(first.send_at)
    for start in (original + timedelta(days=7), original):
        appointment.refresh_from_db()
        reschedule_appointment(
            clinic=appointment.clinic, appointment=appointment, by=appointment.practitioner,
            start=start,
        )  # fmt: skip
    first.refresh_from_db()
    assert (first.status, first.claimed_by) == (ReminderStatus.SENDING, "one")
    worker._send(ids, first.send_at, BatchResult())
    other.run_once(now=first.send_at + timedelta(minutes=1))
    first.refresh_from_db()
    assert first.status == ReminderStatus.SENT
    ids_received = mail_to_smtp.inbox.ids()
    assert len(ids_received) == len(set(ids_received))  # nothing twice


def test_a_refresh_does_not_cut_a_retrys_wait_short(
    clinic: Clinic, lena: Patient, book_session: BookSession, mail_to_smtp: SmtpServer
) -> None:
    appointment = book_session(lena, next_weekday(3))
    first = Reminder.objects.filter(appointment=appointment).order_by("send_at").first()
    assert first is not None
    mail_to_smtp.stop()
    Worker(WorkerSettings(backoff=timedelta(minutes=5))).run_once(now=first.send_at)
    first.refresh_from_db()
    waiting_until = first.next_attempt_at
    assert waiting_until > first.send_at
    refresh_reminders(
        clinic=clinic, appointment=appointment, now=first.send_at + timedelta(seconds=5)
    )
    first.refresh_from_db()
    assert (first.status, first.next_attempt_at) == (ReminderStatus.PENDING, waiting_until)
