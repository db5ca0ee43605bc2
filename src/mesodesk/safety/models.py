"""What patients report about their skin after a session, and the adverse events staff
record (from such a report or on their own), with their follow-ups.

An adverse event, its suspects and its follow-ups are never changed once written: a change
is a new follow-up entry (database triggers refuse UPDATE and DELETE, migration 0003). A
report is closed once, with the call made and a note (or by triaging it into an event);
a closed report takes no further change either.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.charting.models import Administration, SessionRecord
from mesodesk.clinics.models import Clinic, Device
from mesodesk.inventory.models import Lot, Product
from mesodesk.patients.models import Patient
from mesodesk.safety.choices import HowBad, Outcome, ReportCall
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
    # Closed once by staff: the call made and why. An urgent report stops being shown as
    # urgent once closed.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    call = models.CharField(max_length=20, choices=ReportCall.choices, blank=True)
    closing_note = models.TextField(blank=True)

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
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True, call="")
                | models.Q(
                    closed_at__isnull=False, closed_by__isnull=False, call__in=ReportCall.values
                ),
                name="safety_report_closed_with_call",
            ),
        ]

    def __str__(self) -> str:
        return f"Side effects reported by {self.patient} on {self.created_at:%Y-%m-%d}"

    @property
    def urgent(self) -> bool:
        """Whether the patient ticked a red flag or called it severe."""
        return bool(self.red_flags) or self.how_bad == HowBad.SEVERE

    @property
    def open(self) -> bool:
        return self.closed_at is None


class AdverseEvent(models.Model):
    """An adverse event as staff assessed it (HL7 EHR-S FM CP.1.9; FHIR R4 AdverseEvent):
    what, since when, how bad (CTCAE v5 grade), whether serious, the session and what is
    suspected, what was done and how it ended up. Never changed: see `FollowUp`."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="adverse_events", db_index=False
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="adverse_events", db_index=False
    )
    report = models.OneToOneField(
        SideEffectReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adverse_event",
        help_text="The patient's report this event was triaged from, if any.",
    )
    category = models.CharField(max_length=20, help_text="Category of the library's vocabulary.")
    event = models.CharField(max_length=64, help_text="Adverse-event code of the library.")
    description = models.TextField(blank=True)
    onset = models.DateField()
    grade = models.PositiveSmallIntegerField(help_text="1 to 5, after CTCAE v5.")
    serious = models.BooleanField(default=False)
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adverse_events",
        db_index=False,
    )
    session_record = models.ForeignKey(
        SessionRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adverse_events",
        db_index=False,
    )
    technique = models.CharField(max_length=64, blank=True)
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actions_taken = models.TextField(blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, default=Outcome.ONGOING)
    follow_up_on = models.DateField(null=True, blank=True)
    protocol_version = models.CharField(max_length=64, help_text="The library the codes are of.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-recorded_at", "-id")
        indexes = [
            models.Index(fields=("clinic", "patient"), name="safety_event_patient"),
            models.Index(fields=("clinic", "-recorded_at"), name="safety_event_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=5), name="safety_event_grade_1_to_5"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=Outcome.values), name="safety_event_outcome_valid"
            ),
            # Grade 4 is life-threatening and grade 5 death: both are serious.
            models.CheckConstraint(
                condition=models.Q(grade__lte=3) | models.Q(serious=True),
                name="safety_event_grade_4_5_serious",
            ),
        ]

    def __str__(self) -> str:
        return f"Adverse event {self.event} (grade {self.grade}) of {self.patient}"


class Suspect(models.Model):
    """An administration (with its lot and product) or a lot alone suspected of an event."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", db_index=False)
    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="suspects")
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suspected_in",
        db_index=False,
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="suspected_in"
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="suspected_in", db_index=False
    )

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=("event", "administration"),
                condition=models.Q(administration__isnull=False),
                name="safety_suspect_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} suspected in {self.event_id}"


class FollowUp(models.Model):
    """A later entry on an event: what was seen, and what changed (a new grade, outcome,
    seriousness, actions, next follow-up date). The event's current state is the event
    with its follow-ups applied in order."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", db_index=False)
    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="follow_ups")
    note = models.TextField()
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    serious = models.BooleanField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    actions_taken = models.TextField(blank=True)
    # The next follow-up; None ends the reminders.
    follow_up_on = models.DateField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("at", "id")
        constraints = [
            models.CheckConstraint(condition=~models.Q(note=""), name="safety_followup_note"),
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(grade__gte=1, grade__lte=5),
                name="safety_followup_grade_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up of {self.event_id} at {self.at:%Y-%m-%d %H:%M}"
