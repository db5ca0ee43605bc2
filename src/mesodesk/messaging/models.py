"""The reminder outbox, a patient's contact preferences and the clinic's message templates."""

from __future__ import annotations

import secrets
from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.template import TemplateSyntaxError
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.clinics.validators import validate_time_zone
from mesodesk.history import HistoricalRecords
from mesodesk.messaging.choices import (
    ONE_OFF,
    MessageChannel,
    ReminderKind,
    ReminderStatus,
)
from mesodesk.messaging.safety import missing_variable
from mesodesk.patients.models import Patient
from mesodesk.scheduling.models import Appointment


def new_token() -> str:
    """A secret for a link in a message: 32 URL-safe characters."""
    return secrets.token_urlsafe(24)


class Reminder(models.Model):
    """One message to send at one moment: a row of the outbox, the source of truth.

    Rows are recomputed from the patient's timeline whenever an appointment is booked,
    moved or cancelled (services.refresh_reminders); a worker claims due rows and sends them
    (worker.py). Nothing about the patient's health is stored here: `codes` names the
    protocol rules a message is about, rendered into plain words when it is sent."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="reminders", db_index=False
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="reminders", db_index=False
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="reminders", db_index=False
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    codes = models.JSONField(
        default=list, blank=True, help_text="The protocol rules this message is about."
    )
    moment = models.DateTimeField(
        help_text="The instant the message speaks of (UTC): a preparation or aftercare "
        "step's start or end, the appointment's start."
    )
    send_at = models.DateTimeField(help_text="When to send (UTC), outside quiet hours.")
    expires_at = models.DateTimeField(help_text="Not sent at or after this instant (UTC).")
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        help_text="Not claimed before this instant (UTC): send_at, or later after a failure."
    )
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    provider_message_id = models.CharField(
        max_length=64, blank=True, help_text="The SMS provider's id of the message sent."
    )
    delivery_status = models.CharField(
        max_length=20,
        blank=True,
        help_text="What the SMS provider last said of the message (queued, delivered, …).",
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("send_at", "id")
        indexes = [
            # The worker's queue: due pending rows in the order they are due.
            models.Index(
                fields=("next_attempt_at",),
                condition=models.Q(status=ReminderStatus.PENDING),
                name="messaging_reminder_due",
            ),
            # Dead workers' claims, swept back.
            models.Index(
                fields=("claimed_at",),
                condition=models.Q(status=ReminderStatus.SENDING),
                name="messaging_reminder_claimed",
            ),
            models.Index(
                fields=("clinic", "appointment", "send_at"), name="messaging_reminder_appt"
            ),
            models.Index(
                fields=("clinic", "patient", "send_at"), name="messaging_reminder_patient"
            ),
            models.Index(fields=("clinic", "status", "send_at"), name="messaging_reminder_outbox"),
            # The provider's delivery reports name the message by its id.
            models.Index(
                fields=("clinic", "provider_message_id"),
                condition=~models.Q(provider_message_id=""),
                name="messaging_reminder_provider",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ReminderKind.values), name="messaging_reminder_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=MessageChannel.values),
                name="messaging_reminder_channel",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReminderStatus.values),
                name="messaging_reminder_status",
            ),
            models.CheckConstraint(
                condition=models.Q(send_at__lt=models.F("expires_at")),
                name="messaging_reminder_sent_before_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.channel} at {self.send_at:%Y-%m-%d %H:%M} UTC"


class ContactPreferences(models.Model):
    """How, whether and when a patient wants reminders. A patient without a row gets the
    defaults: their preferred channel, every kind of reminder, quiet from 21:00 to 08:00 in
    the clinic's time zone."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="contact_preferences", db_index=False
    )
    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="contact_preferences"
    )
    email = models.BooleanField(default=True, help_text="Send reminders by e-mail.")
    sms = models.BooleanField(default=False, help_text="Send reminders by text message.")
    preparation = models.BooleanField(default=True, help_text="When a preparation step starts.")
    appointment = models.BooleanField(default=True, help_text="Before each appointment.")
    aftercare = models.BooleanField(default=True, help_text="When an aftercare step ends.")
    check_in = models.BooleanField(default=True, help_text="Two days after a session.")
    recall = models.BooleanField(default=True, help_text="When maintenance is due.")
    quiet_start = models.TimeField(default=time(21, 0))
    quiet_end = models.TimeField(default=time(8, 0))
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="The patient's time zone; blank for the clinic's.",
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "contact preferences"
        indexes = [models.Index(fields=("clinic", "patient"), name="messaging_prefs_patient")]

    def __str__(self) -> str:
        return f"Contact preferences of {self.patient}"

    def wants(self, kind: str) -> bool:
        """Whether the patient wants reminders of this kind at all (a request to contact
        the clinic about a treatment, or a notice that an appointment was booked, moved or
        cancelled, is no reminder one can turn off)."""
        if kind in ONE_OFF:
            return True
        return bool(getattr(self, ReminderKind(kind).value))

    def channels(self) -> list[str]:
        """The channels to use, in a fixed order."""
        return [c for c in MessageChannel.values if getattr(self, c)]


class MessageTemplate(models.Model):
    """A clinic's own wording for one kind of message on one channel (Django template
    language; the defaults are in messaging/templates/messaging/messages/)."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="message_templates", db_index=False
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    subject = models.CharField(max_length=200, blank=True, help_text="E-mail only.")
    body = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("clinic", "kind", "channel"), name="messaging_template_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.channel}) for {self.clinic}"

    def clean(self) -> None:
        """A template that does not compile would fail every message of its kind, and one
        that drops the safety wording its kind must carry (messaging.safety): refused."""
        # render.py imports this module: imported here, when a template is checked.
        from mesodesk.messaging.render import compile_text

        for name in ("subject", "body"):
            try:
                compile_text(getattr(self, name))
            except TemplateSyntaxError as error:
                raise ValidationError({name: f"The template does not compile: {error}"}) from None
        missing = missing_variable(self.kind, self.body)
        if missing is not None:
            raise ValidationError(
                {
                    "body": f"Keep {{{{ {missing} }}}} in the message: it tells the patient to "
                    "keep taking a prescribed medicine unless their doctor says otherwise."
                }
            )
