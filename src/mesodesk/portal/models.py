"""What the patient portal keeps of its own: sign-ups waiting for their e-mail address to be
verified, intake drafts, calendar-feed secrets and requests to delete an account."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.portal.choices import DeletionStatus


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
        ]

    def __str__(self) -> str:
        return f"Deletion request of {self.patient}"
