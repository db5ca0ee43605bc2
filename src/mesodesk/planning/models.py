"""Treatment plans and the sessions the series planner gave them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.history import HistoricalRecords
from mesodesk.patients.models import Patient
from mesodesk.planning.choices import PlanStatus
from mesodesk.protocols.models import ProtocolVersion


class TreatmentPlan(models.Model):
    """What a clinician plans for a patient: indication, areas, cocktail, technique, series."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="treatment_plans", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    indication = models.CharField(max_length=100)
    areas = models.JSONField(default=list)
    ingredients = models.JSONField(default=list)
    technique = models.CharField(max_length=100)
    massage_approved = models.BooleanField(default=False)
    schedule_template = models.CharField(max_length=100)
    session_count = models.PositiveSmallIntegerField()
    first_session_date = models.DateField()
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    protocol_version = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Any change of the plan (FHIR CarePlan meta.lastUpdated).
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=("clinic", "patient", "status"), name="planning_plan_by_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=PlanStatus.values), name="planning_plan_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(session_count__gte=1), name="planning_plan_has_sessions"
            ),
            models.UniqueConstraint(
                fields=("clinic", "patient"),
                condition=models.Q(status=PlanStatus.ACTIVE),
                name="planning_plan_one_active_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indication} plan for {self.patient}"


class PlannedSession(models.Model):
    """The n-th session of a plan, on the date the series planner gave it."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="planned_sessions", db_index=False
    )
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    target_date = models.DateField(help_text="The date in the clinic's time zone.")
    starts_at = models.DateTimeField(help_text="The planner's start time (stored in UTC).")

    class Meta:
        ordering = ("number",)
        constraints = [
            models.UniqueConstraint(
                fields=("clinic", "plan", "number"), name="planning_session_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="planning_session_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.number} of {self.plan}"
