"""The access log: who read which patient's record, when and from where."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.audit.choices import AccessAction
from mesodesk.clinics.models import Clinic


class AccessEventImmutableError(Exception):
    """An access event was about to be changed or deleted; the log is append-only."""


class AccessEvent(models.Model):
    """One read, export or download of patient data; never changed or deleted."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="access_events", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=2000, blank=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=("clinic", "at"), name="audit_access_by_time"),
            models.Index(fields=("clinic", "patient", "at"), name="audit_access_by_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=AccessAction.values),
                name="audit_access_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.object_type} {self.object_id} at {self.at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AccessEventImmutableError("access events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AccessEventImmutableError("access events are never deleted")
