"""Staff calendar feeds: a private, revocable address per practitioner, room or device."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.history import HistoricalRecords


class StaffCalendarFeed(models.Model):
    """The secret address of one practitioner's, room's or device's appointments.

    Only the SHA-256 of the secret is kept (as for API tokens): the address is shown once,
    when it is made. Renewing revokes the feed and makes a new one; a revoked feed's
    address answers 404. At most one live feed per practitioner, room or device.
    """

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="staff_feeds", db_index=False
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    # The secret's first characters, to tell feeds apart in lists; never enough to use it.
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    history = HistoricalRecords(excluded_fields=["digest"])

    class Meta:
        indexes = [models.Index(fields=("clinic", "revoked_at"), name="exports_feed_live")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(practitioner__isnull=False, room__isnull=True, device__isnull=True)
                    | models.Q(practitioner__isnull=True, room__isnull=False, device__isnull=True)
                    | models.Q(practitioner__isnull=True, room__isnull=True, device__isnull=False)
                ),
                name="exports_feed_one_subject",
            ),
            models.UniqueConstraint(
                fields=("clinic", "practitioner"),
                condition=models.Q(revoked_at__isnull=True, practitioner__isnull=False),
                name="exports_feed_one_live_per_practitioner",
            ),
            models.UniqueConstraint(
                fields=("clinic", "room"),
                condition=models.Q(revoked_at__isnull=True, room__isnull=False),
                name="exports_feed_one_live_per_room",
            ),
            models.UniqueConstraint(
                fields=("clinic", "device"),
                condition=models.Q(revoked_at__isnull=True, device__isnull=False),
                name="exports_feed_one_live_per_device",
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.subject_label}"

    @property
    def subject_label(self) -> str:
        """Whose appointments the feed carries, as a person reads it."""
        if self.practitioner_id is not None:
            user = self.practitioner
            return (user.get_full_name() or user.email) if user else ""
        if self.room_id is not None:
            return self.room.name if self.room else ""
        return self.device.name if self.device else ""
