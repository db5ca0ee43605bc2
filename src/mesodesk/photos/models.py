"""Clinical photos: who, which area and view, before or after which session.

The files themselves live in the "photos" storage (settings.STORAGES; a folder under
var/media or an S3-compatible bucket), under names that say nothing about the patient, and
are only ever served through the workspace's and the API's authorised views: the storage
has no public URL. A photo is kept as it was taken; there is no edit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.history import HistoricalRecords
from mesodesk.patients.models import Patient
from mesodesk.photos.choices import Kind, View
from mesodesk.scheduling.models import Appointment


class Photo(models.Model):
    """One re-encoded clinical photo of a patient (and its thumbnail)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", db_index=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="photos", db_index=False
    )
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="photos",
        help_text="The session the photo belongs to, if any.",
    )
    area = models.CharField(max_length=40, help_text="Area code of the library.")
    view = models.CharField(max_length=20, choices=View.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    taken_at = models.DateTimeField(default=timezone.now)
    image = models.CharField(max_length=200, help_text="Name of the JPEG in the photo storage.")
    thumbnail = models.CharField(max_length=200, help_text="Name of its thumbnail.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="Of the stored JPEG.")
    source_format = models.CharField(max_length=10, help_text="jpeg, png or heic, as uploaded.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        indexes = [
            models.Index(
                fields=["clinic", "patient", "area", "view", "taken_at"], name="photo_series"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(view__in=View.values), name="photo_view_known"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=Kind.values), name="photo_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Photo {self.pk} ({self.area}, {self.view}, {self.kind})"
