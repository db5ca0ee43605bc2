"""What the patient portal keeps of its own: sign-ups waiting for their e-mail address to be
verified, intake drafts, calendar-feed secrets and requests to delete an account."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.portal.choices import OPEN_COPY, CopyStatus, DeletionStatus


def new_feed_token() -> str:
    """A calendar-feed secret: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


class PendingSignup(models.Model):
    """Who signed up at which clinic's portal; becomes a Patient once the address is verified."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_signup"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    phone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Sign-up of {self.user} at {self.clinic}"


class IntakeDraft(models.Model):
    """A patient's unfinished questionnaire, kept as entered so they can finish it later."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+", db_index=False)
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="intake_draft")
    data = models.JSONField(default=dict, help_text="The form's fields as entered.")
    rows = models.JSONField(default=dict, help_text="How many rows each list shows.")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Intake draft of {self.patient}"


class CalendarFeed(models.Model):
    """A patient's private calendar-feed address; a new token revokes the old one."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+", db_index=False)
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.patient}"


class DeletionRequest(models.Model):
    """A patient asked the clinic to delete their account; the clinic handles it."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="deletion_requests", db_index=False
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="deletion_requests", db_index=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=DeletionStatus.choices, default=DeletionStatus.PENDING
    )
    # The clinic's decision: who, when, what was done (erased) or why not (refused).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    done = models.JSONField(
        default=list, blank=True, help_text="What the erasure did, one line a step."
    )
    reason = models.TextField(blank=True, help_text="Why the clinic refused (told the patient).")
    told_to = models.CharField(
        max_length=254, blank=True, help_text="The address the decision was e-mailed to."
    )

    class Meta:
        ordering = ("-requested_at", "-id")
        indexes = [
            models.Index(fields=("clinic", "status"), name="portal_deletion_by_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DeletionStatus.values),
                name="portal_deletion_status_valid",
            ),
            models.UniqueConstraint(
                fields=("clinic", "patient"),
                condition=models.Q(status="pending"),
                name="portal_deletion_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=("pending", "done"))
                | models.Q(decided_by__isnull=False, decided_at__isnull=False),
                name="portal_deletion_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused", reason=""),
                name="portal_deletion_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Deletion request of {self.patient}"


class DataCopy(models.Model):
    """A patient's copy of their data (GDPR Art. 15 and 20): a ZIP built by the worker and
    offered for download for a while. Claimed with a lease as reminders are: a worker that
    dies mid-build leaves a claim another worker takes over once the lease is out."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="data_copies")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=CopyStatus.choices, default=CopyStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    file = models.CharField(max_length=200, blank=True, help_text="Name of the ZIP in storage.")
    size_bytes = models.PositiveBigIntegerField(default=0)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-requested_at", "-id")
        indexes = [models.Index(fields=("status", "claimed_at"), name="portal_copy_by_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CopyStatus.values),
                name="portal_copy_status_valid",
            ),
            models.UniqueConstraint(
                fields=("patient",),
                condition=models.Q(status__in=[s.value for s in OPEN_COPY]),
                name="portal_copy_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"Copy of the data of {self.patient}"
