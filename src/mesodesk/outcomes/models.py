"""Outcome scores: how a patient's skin rated on a library scale, session by session.

A score is written once and never edited: a wrong one is marked entered in error with a
reason (the only change it takes, kept in its history with who made it), and the right
one is a new score. The services are the only writers.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.history import HistoricalRecords
from mesodesk.outcomes.choices import Method, Rater, Side, TimePoint
from mesodesk.patients.models import Patient
from mesodesk.planning.models import TreatmentPlan
from mesodesk.scheduling.models import Appointment


class Score(models.Model):
    """One rating on an outcome scale, recorded on a session of the patient's series."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", db_index=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="scores", db_index=False
    )
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        related_name="scores",
        help_text="The session the score was recorded on (its record is the session record).",
    )
    plan = models.ForeignKey(
        TreatmentPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text="The series the score belongs to, for the progress chart.",
    )
    area = models.CharField(max_length=60, blank=True, help_text="Library area code.")
    scale = models.CharField(max_length=40, help_text="Library scale code.")
    scale_version = models.CharField(max_length=80, blank=True)
    value = models.CharField(max_length=20, help_text="The level, or the total of a summed scale.")
    items = models.JSONField(default=dict, blank=True, help_text="Item scores of a summed scale.")
    band = models.CharField(max_length=40, blank=True, help_text="The band of a summed total.")
    side = models.CharField(max_length=5, choices=Side.choices, blank=True, default=Side.NONE)
    rater = models.CharField(max_length=15, choices=Rater.choices)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.LIVE)
    # The photos read when `method` is "photos" (the patient's own; written with the score
    # in its transaction, never changed after).
    photos_read = models.ManyToManyField(
        "photos.Photo", blank=True, related_name="scores_read_from"
    )
    time_point = models.CharField(max_length=10, choices=TimePoint.choices)
    session_number = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    weeks_after = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(104)]
    )
    baseline = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text="For a scale rated against a baseline (GAIS): the session before which "
        "the baseline was taken (the series' first).",
    )
    note = models.TextField(blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    rated_at = models.DateTimeField(default=timezone.now)
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    entered_in_error_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("rated_at", "id")
        indexes = [
            models.Index(fields=("clinic", "patient", "rated_at"), name="outcomes_score_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rater__in=Rater.values), name="outcomes_score_rater_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=Method.values), name="outcomes_score_method_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(time_point__in=TimePoint.values),
                name="outcomes_score_time_point_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(side__in=Side.values), name="outcomes_score_side_valid"
            ),
            # The patient rates each scale once per session; a later rating is a score of
            # a later session. (Entered in error frees the place for a new one.)
            models.UniqueConstraint(
                fields=("appointment", "scale", "side"),
                condition=models.Q(rater=Rater.PATIENT, entered_in_error_at__isnull=True),
                name="outcomes_patient_rates_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scale} {self.value} ({self.rater})"
