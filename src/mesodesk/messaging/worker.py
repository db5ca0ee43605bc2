"""The reminder worker: claims due outbox rows, sends them, and records what happened.

Several workers may run at once. A claim is one short transaction: `SELECT … FOR UPDATE
SKIP LOCKED` on PostgreSQL (workers take different rows), an immediate transaction on
SQLite (workers take turns). A claimed row is `sending`, stamped with the worker's name and
the time; if the worker dies, another sweeps the claim back to `pending` once it is older
than the lease; a batch stops at half the lease and puts the rest back, so no live
worker's claim is swept. Each message is recorded as sent the moment the server accepts
it, so nothing is lost, and a message is sent twice only if its worker died between the
server's acceptance and that record: at most the one message in flight per worker.

A row whose moment has passed (`expires_at`) is marked expired, never sent late. A failed
send is retried with exponential backoff, out of the patient's quiet hours, until it
succeeds, expires or the server has refused it too often; an unreachable server is waited
for until the row expires. The log names rows by id and counts; never a patient, an
address or a body.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import DatabaseError, close_old_connections, connection, connections, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from mesodesk.core.library import load_library
from mesodesk.messaging.background import run_tasks
from mesodesk.messaging.choices import (
    AFTER_VISIT,
    CONTACT_REQUESTS,
    NOTICES,
    MessageChannel,
    ReminderKind,
    ReminderStatus,
)
from mesodesk.messaging.mail import MailSender, connection_lost
from mesodesk.messaging.models import ContactPreferences, Reminder
from mesodesk.messaging.quiet import deliverable
from mesodesk.messaging.render import Renderer
from mesodesk.messaging.selectors import patient_zone
from mesodesk.messaging.sms import SmsError, SmsReceipt, TextMessage, sms_backend
from mesodesk.messaging.twilio import status_callback_url
from mesodesk.scheduling.choices import AppointmentStatus

log = logging.getLogger("mesodesk.messaging.worker")


@dataclass(frozen=True)
class WorkerSettings:
    """How a worker behaves; the `mesodesk worker` options."""

    batch: int = 200
    poll: float = 1.0
    lease: timedelta = timedelta(minutes=5)
    backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)
    max_attempts: int = 8


@dataclass
class BatchResult:
    """What one pass did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    expired: int = 0
    cancelled: int = 0
    failed: int = 0
    swept: int = 0
    background: int = 0  # slices of long jobs done (messaging.background)
    errors: dict[int, str] = field(default_factory=dict)


def _describe(error: BaseException) -> str:
    """An error in a few words, without the recipient or the message (SMTP errors carry
    both in their text)."""
    code = getattr(error, "smtp_code", None)
    name = type(error).__name__
    if code is not None:
        return f"{name} {code}"
    if isinstance(error, OSError) and error.errno is not None:
        return f"{name} errno {error.errno}"
    if isinstance(error, SmsError):
        return f"{name}: {str(error)[:200]}"
    return name


class Worker:
    """One worker; `run` loops until `stop` is set, `run_once` does one pass."""

    def __init__(self, settings_: WorkerSettings | None = None, *, name: str = "") -> None:
        self.settings = settings_ or WorkerSettings()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.stop = threading.Event()
        self._renderer: Renderer | None = None

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(load_library())
        return self._renderer

    # --- the loop -------------------------------------------------------------------

    def run(self) -> None:
        """Works until `stop` is set; a database that goes away is waited for."""
        log.info("worker %s started", self.name)
        pause = 1.0
        while not self.stop.is_set():
            try:
                close_old_connections()
                result = self.run_once()
                pause = 1.0
            except DatabaseError as error:
                log.warning(
                    "database unavailable (%s); retrying in %.0f s", _describe(error), pause
                )
                self._drop_connections()
                self.stop.wait(pause)
                pause = min(pause * 2, 30.0)
                continue
            if result.claimed < self.settings.batch and not result.background:
                self.stop.wait(self.settings.poll)
        self._drop_connections()
        log.info("worker %s stopped", self.name)

    @staticmethod
    def _drop_connections() -> None:
        for conn in connections.all(initialized_only=True):
            try:
                conn.close()
            except DatabaseError:
                conn.connection = None

    def run_once(self, now: datetime | None = None) -> BatchResult:
        """Sweeps stale claims, expires what is past its moment, claims one batch of due rows
        and sends it."""
        now = now if now is not None else timezone.now()
        result = BatchResult()
        if self._renderer is not None:
            self._renderer.forget_clinic_templates()
        result.swept = self.sweep(now)
        result.expired += self.expire(now)
        ids = self.claim(now)
        result.claimed = len(ids)
        if ids:
            self._send(ids, now, result)
            log.info(
                "batch: %d claimed, %d sent, %d retried, %d expired, %d cancelled, %d failed",
                result.claimed,
                result.sent,
                result.retried,
                result.expired,
                result.cancelled,
                result.failed,
            )
        if result.swept:
            log.warning("swept back %d claims of a worker that stopped", result.swept)
        result.background = run_tasks(self.name, now, self.stop)
        return result

    # --- the outbox -----------------------------------------------------------------

    def sweep(self, now: datetime) -> int:
        """Claims older than the lease go back to pending (their worker died); a dead
        worker's claim on a row cancelled meanwhile is let go."""
        stale = now - self.settings.lease
        Reminder.objects.filter(status=ReminderStatus.CANCELLED, claimed_at__lt=stale).exclude(
            claimed_by=""
        ).update(claimed_by="", claimed_at=None)
        return Reminder.objects.filter(status=ReminderStatus.SENDING, claimed_at__lt=stale).update(
            status=ReminderStatus.PENDING,
            claimed_by="",
            claimed_at=None,
            next_attempt_at=now,
            updated_at=now,
        )

    def expire(self, now: datetime) -> int:
        """Pending rows past their moment are expired, not sent late."""
        return Reminder.objects.filter(
            status=ReminderStatus.PENDING, next_attempt_at__lte=now, expires_at__lte=now
        ).update(status=ReminderStatus.EXPIRED, updated_at=now)

    def claim(self, now: datetime) -> list[int]:
        """Takes up to a batch of due rows for this worker, in the order they are due."""
        with transaction.atomic():
            ids = list(
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(status=ReminderStatus.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id")
                .values_list("id", flat=True)[: self.settings.batch]
            )
            if ids:
                Reminder.objects.filter(pk__in=ids).update(
                    status=ReminderStatus.SENDING,
                    claimed_by=self.name,
                    claimed_at=now,
                    attempts=F("attempts") + 1,
                    updated_at=now,
                )
        return ids

    def _renew(self, ids: list[int], now: datetime) -> None:
        """Stamps this worker's claims afresh, so a long batch's rows are not swept."""
        Reminder.objects.filter(
            pk__in=ids,
            claimed_by=self.name,
            status__in=(ReminderStatus.SENDING, ReminderStatus.CANCELLED),
        ).update(claimed_at=now)

    def _mine(self, ids: list[int]) -> QuerySet[Reminder]:
        return Reminder.objects.filter(
            pk__in=ids, status=ReminderStatus.SENDING, claimed_by=self.name
        )

    # --- sending ----------------------------------------------------------------------

    def _send(self, ids: list[int], now: datetime, result: BatchResult) -> None:
        rows = list(
            Reminder.objects.filter(pk__in=ids, claimed_by=self.name)
            .select_related("clinic", "patient", "appointment")
            .order_by("next_attempt_at", "id")
        )
        prefs = {
            p.patient_id: p
            for p in ContactPreferences.objects.filter(patient_id__in={r.patient_id for r in rows})
        }
        outcome = _Outcome()
        mail = MailSender()
        sms = None
        broken: str | None = None  # the mail server is unreachable: don't try the rest
        # A claim is swept back only once it is older than the lease: while the batch runs
        # its claims are renewed every quarter lease (one UPDATE), and the batch stops at
        # half the lease, so no other worker takes a row this one may still send. The clock
        # runs on from `now` (which tests set) by the time the batch has taken.
        started = last_beat = time.monotonic()
        lease = self.settings.lease.total_seconds()
        tried = False  # whether any row of the batch was tried yet

        def clock() -> datetime:
            return now + timedelta(seconds=time.monotonic() - started)

        try:
            for row in rows:
                if time.monotonic() - last_beat > lease / 4:
                    self._renew(ids, clock())
                    last_beat = time.monotonic()
                choice = prefs.get(row.patient_id)
                if (
                    not _still_wanted(row)
                    or choice is None
                    or row.channel not in choice.channels()
                    or not choice.wants(row.kind)
                ):
                    outcome.cancelled.append(row.pk)
                    continue
                if row.expires_at <= clock():
                    outcome.expired.append(row.pk)
                    continue
                if row.channel == MessageChannel.EMAIL and broken is not None:
                    outcome.untried[row.pk] = broken
                    continue
                if tried and time.monotonic() - started > lease / 2:
                    outcome.untried[row.pk] = ""  # the batch ran out of time
                    continue
                tried = True
                receipt: SmsReceipt | None = None
                try:
                    rendered = self.renderer.render(row, choice)
                    if row.channel == MessageChannel.EMAIL:
                        mail.send(
                            to=row.patient.email,
                            subject=rendered.subject,
                            body=rendered.body,
                            message_id=rendered.message_id,
                            attachment=rendered.attachment,
                        )
                    else:
                        if sms is None:
                            sms = sms_backend()
                        receipt = sms.send(
                            TextMessage(
                                row.patient.phone,
                                rendered.body,
                                rendered.message_id,
                                status_callback=status_callback_url(row.clinic.slug),
                            )
                        )
                except Exception as error:
                    outcome.failures[row.pk] = _describe(error)
                    if isinstance(error, SmsError) and error.transient:
                        outcome.transient.add(row.pk)
                    if row.channel == MessageChannel.EMAIL and connection_lost(error):
                        broken = outcome.failures[row.pk]
                        outcome.transient.add(row.pk)
                        mail.reset()
                else:
                    # Recorded the moment the server took it, before the next is sent: a
                    # worker killed now sends again at most the message in flight.
                    self._record_sent(row.pk, now, clock(), receipt, outcome, result)
        finally:
            mail.close()
            if sms is not None:
                sms.close()
            self._record(now, clock(), rows, prefs, outcome, result)

    def _record_sent(
        self,
        pk: int,
        now: datetime,
        sent_at: datetime,
        receipt: SmsReceipt | None,
        outcome: _Outcome,
        result: BatchResult,
    ) -> None:
        """Marks one row sent, with the SMS provider's id and status of it: one UPDATE,
        committed at once. Sent is sent, even if the appointment was moved meanwhile and
        the row cancelled: the record says what the patient received. If the database
        cannot take it now, the end of the batch tries again (without the receipt).

        Plain SQL on a cursor: the ORM's `update()` costs six times as much per row
        (compiling the query each time), which would cost the worker a third of its
        throughput now that every message has its own UPDATE."""
        ops = connection.ops
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    _MARK_SENT,
                    [
                        ReminderStatus.SENT.value,
                        receipt.provider_id if receipt else "",
                        receipt.status if receipt else "",
                        ops.adapt_datetimefield_value(sent_at),
                        ops.adapt_datetimefield_value(now),
                        pk,
                        self.name,
                        ReminderStatus.SENDING.value,
                        ReminderStatus.CANCELLED.value,
                    ],
                )
                result.sent += cursor.rowcount
        except DatabaseError:
            outcome.sent.append(pk)

    def _record(
        self,
        now: datetime,
        sent_at: datetime,
        rows: list[Reminder],
        prefs: dict[int, ContactPreferences],
        outcome: _Outcome,
        result: BatchResult,
    ) -> None:
        if outcome.sent:
            # Sent rows the database could not record one by one (_record_sent).
            result.sent += Reminder.objects.filter(
                pk__in=outcome.sent,
                claimed_by=self.name,
                status__in=(ReminderStatus.SENDING, ReminderStatus.CANCELLED),
            ).update(status=ReminderStatus.SENT, sent_at=sent_at, last_error="", updated_at=now)
        if outcome.cancelled:
            result.cancelled += self._mine(outcome.cancelled).update(
                status=ReminderStatus.CANCELLED, updated_at=now
            )
        if outcome.expired:
            result.expired += self._mine(outcome.expired).update(
                status=ReminderStatus.EXPIRED, updated_at=now
            )
        by_id = {row.pk: row for row in rows}
        for pk, reason in outcome.untried.items():
            # Never tried, so the claim was no attempt. Left over at the end of a batch:
            # back in the queue at once. Not tried because the mail server was gone: it
            # waits as the row that found it gone does.
            row = by_id[pk]
            retry_at = now
            if reason:
                retry_at = self._retry_at(now, row.attempts - 1, row, prefs)
            status = ReminderStatus.PENDING
            if retry_at >= row.expires_at:
                status = ReminderStatus.EXPIRED
                result.expired += 1
            else:
                result.retried += 1
            self._mine([pk]).update(
                status=status,
                attempts=F("attempts") - 1,
                last_error=reason[:300],
                next_attempt_at=retry_at,
                claimed_by="",
                claimed_at=None,
                updated_at=now,
            )
        for pk, error in outcome.failures.items():
            row = by_id[pk]
            attempts = row.attempts
            retry_at = self._retry_at(now, attempts, row, prefs)
            if retry_at >= row.expires_at:
                status = ReminderStatus.EXPIRED
                result.expired += 1
            elif attempts >= self.settings.max_attempts and pk not in outcome.transient:
                # A message the server refuses again and again fails; an unreachable
                # server is waited for until the message's moment has passed.
                status = ReminderStatus.FAILED
                result.failed += 1
            else:
                status = ReminderStatus.PENDING
                result.retried += 1
            self._mine([pk]).update(
                status=status,
                last_error=error[:300],
                next_attempt_at=retry_at,
                claimed_by="",
                claimed_at=None,
                updated_at=now,
            )
            result.errors[pk] = error
        # Rows cancelled while this worker held them: the claim is let go, so the rows may
        # wait again if they are wanted again (services.refresh_reminders).
        Reminder.objects.filter(
            pk__in=[row.pk for row in rows],
            claimed_by=self.name,
            status=ReminderStatus.CANCELLED,
        ).update(claimed_by="", claimed_at=None)
        problems = {**outcome.untried, **outcome.failures}
        if problems:
            log.warning(
                "%d sends failed or were put back (%s)",
                len(problems),
                ", ".join(sorted(set(problems.values()))),
            )

    def _retry_at(
        self,
        now: datetime,
        attempts: int,
        row: Reminder,
        prefs: dict[int, ContactPreferences],
    ) -> datetime:
        """When to try again after `attempts` tries: exponential backoff, moved out of the
        patient's quiet hours as the first send was."""
        wait = min(self.settings.backoff * (2 ** max(attempts - 1, 0)), self.settings.max_backoff)
        choice = prefs.get(row.patient_id)
        if choice is None:
            return now + wait
        zone = patient_zone(row.clinic, choice)
        return deliverable(now + wait, zone, choice.quiet_start, choice.quiet_end)


_MARK_SENT = (
    f"UPDATE {Reminder._meta.db_table} SET status = %s, provider_message_id = %s, "  # noqa: S608 - the model's own table name
    "delivery_status = %s, sent_at = %s, last_error = '', updated_at = %s "
    "WHERE id = %s AND claimed_by = %s AND status IN (%s, %s)"
)


def _still_wanted(row: Reminder) -> bool:
    """Whether the row's appointment still calls for it: booked, or completed and the row
    is about what follows the visit."""
    if row.kind in CONTACT_REQUESTS or row.kind == ReminderKind.CANCELLED:
        return True
    status = row.appointment.status
    if row.kind in NOTICES:  # a confirmation or change notice: only while it stands
        return status == AppointmentStatus.BOOKED
    return status == AppointmentStatus.BOOKED or (
        status == AppointmentStatus.COMPLETED and row.kind in AFTER_VISIT
    )


@dataclass
class _Outcome:
    """What became of each row of a batch."""

    # Sent, but not yet recorded: the database refused the row's own UPDATE.
    sent: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    # Not tried (the mail server was gone, or the batch ran out of time), with why.
    untried: dict[int, str] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)
    # Failures of the connection (or an SMS provider's "try later") rather than of the
    # message: retried until expiry.
    transient: set[int] = field(default_factory=set)


class ThreadedWorker:
    """A worker in a daemon thread of this process (how `mesodesk demo` runs one)."""

    def __init__(self, settings_: WorkerSettings | None = None) -> None:
        self.worker = Worker(settings_)
        self.thread = threading.Thread(target=self.worker.run, name="mesodesk-worker", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.worker.stop.set()
        self.thread.join(timeout=30)
