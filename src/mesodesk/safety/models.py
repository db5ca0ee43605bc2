"""What patients report about their skin after a session, for the clinic to look at."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.safety.choices import HowBad
from mesodesk.scheduling.models import Appointment


class SideEffectReport(models.Model):
    """A side effect a patient reported from the portal (not yet a clinician's assessment)."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="side_effect_reports", db_index=False
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="side_effect_reports", db_index=False
    )
    # The session it follows, when the patient had one.
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="side_effect_reports",
        db_index=False,
    )
    symptoms = models.JSONField(
        default=list, blank=True, help_text="Side-effect codes of the library."
    )
    other = models.CharField(max_length=500, blank=True, help_text="Anything else, as written.")
    area = models.CharField(max_length=200, help_text="Where, in the patient's words.")
    since = models.DateField()
    how_bad = models.CharField(max_length=10, choices=HowBad.choices)
    red_flags = models.JSONField(
        default=list, blank=True, help_text="Red-flag codes the patient ticked."
    )
    details = models.TextField(blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("clinic", "-created_at"), name="safety_report_recent"),
            models.Index(fields=("clinic", "patient"), name="safety_report_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(how_bad__in=HowBad.values), name="safety_report_how_bad_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Side effects reported by {self.patient} on {self.created_at:%Y-%m-%d}"

    @property
    def urgent(self) -> bool:
        """Whether the patient ticked a red flag or called it severe."""
        return bool(self.red_flags) or self.how_bad == HowBad.SEVERE
