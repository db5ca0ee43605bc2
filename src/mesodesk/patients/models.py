"""Patients, their intake versions, screening results and consents."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.history import HistoricalRecords
from mesodesk.patients.choices import Channel, IntakeSource, Sex, Verdict
from mesodesk.protocols.models import ProtocolVersion


class IntakeVersionImmutableError(Exception):
    """A stored intake version was about to be changed; a change is a new version."""


def listed_name(pk: object, first: str | None, last: str | None, erased_at: object) -> str:
    """A patient's name as lists and exports show it, from the row's columns (exports read
    values, not models): a pseudonym once an erasure request was granted."""
    if erased_at is not None:
        return f"Patient #{pk} (erased)"
    return f"{first or ''} {last or ''}".strip()


class Patient(models.Model):
    """A person treated (or to be treated) at one clinic."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="patients", db_index=False
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=40, blank=True, help_text="E.164 (+491701234567), or empty."
    )
    preferred_channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    portal_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient_records",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the record last changed (FHIR meta.lastUpdated and `_lastUpdated`, the export's
    # `_since`); saved by every save(), not by queryset update().
    updated_at = models.DateTimeField(auto_now=True)
    # A duplicate record merged into another (services.merge_patients): kept, never
    # deleted, and pointing to the record that now holds everything.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        db_index=False,
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    # The patient's erasure request was granted (portal.services.erase_patient_data): their
    # account and contact details are gone, the medical record is kept for its retention
    # period, and lists and exports show `list_name` instead of the name.
    erased_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("last_name", "first_name", "id")
        indexes = [
            models.Index(
                fields=("clinic", "last_name", "first_name"), name="patients_patient_by_name"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sex__in=Sex.values), name="patients_patient_sex_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(preferred_channel__in=Channel.values),
                name="patients_patient_channel_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True, merged_at__isnull=True)
                | models.Q(merged_into__isnull=False, merged_at__isnull=False),
                name="patients_patient_merge_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("pk")),
                name="patients_patient_not_merged_into_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def merged(self) -> bool:
        return self.merged_into_id is not None

    @property
    def list_name(self) -> str:
        """How lists, schedules and exports name the patient: "First Last", or a pseudonym
        once their erasure request was granted (the chart keeps the name: the medical
        record is kept, GDPR Art. 17(3)(c))."""
        return listed_name(self.pk, self.first_name, self.last_name, self.erased_at)


class IntakeVersion(models.Model):
    """One version of a patient's medical-history answers (DESIGN 7.1); never changed."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="intake_versions", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    number = models.PositiveIntegerField()
    answers = models.JSONField(help_text="The intake document as in DESIGN 7.1.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Who gave the answers: the patient on the portal, or a member of staff entering them
    # for the patient (`created_by`) from a paper form, a call or a visit.
    on_behalf = models.BooleanField(
        default=False, help_text="Entered by staff for the patient, not by the patient."
    )
    source = models.CharField(
        max_length=20, choices=IntakeSource.choices, default=IntakeSource.PORTAL
    )

    class Meta:
        ordering = ("number",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=IntakeSource.values),
                name="patients_intake_source_valid",
            ),
            models.UniqueConstraint(
                fields=("clinic", "patient", "number"), name="patients_intake_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="patients_intake_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Intake {self.number} of {self.patient}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise IntakeVersionImmutableError(
                f"intake version {self.number} is stored already; record a new version instead"
            )
        super().save(*args, **kwargs)


class ScreeningResult(models.Model):
    """The screening engine's verdict on one intake version (and plan), as stored."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="screenings", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    intake = models.ForeignKey(IntakeVersion, on_delete=models.PROTECT, related_name="screenings")
    plan = models.ForeignKey(
        "planning.TreatmentPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screenings",
    )
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    findings = models.JSONField(default=list, help_text="The findings, as the engine gives them.")
    protocol_version = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField(default=timezone.now)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("computed_at", "id")
        indexes = [
            models.Index(
                fields=("clinic", "patient", "computed_at"), name="patients_screening_latest"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verdict__in=Verdict.values),
                name="patients_screening_verdict_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        signed_off_by__isnull=True, signed_off_at__isnull=True, sign_off_reason=""
                    )
                    | (
                        models.Q(
                            verdict=Verdict.REVIEW,
                            signed_off_by__isnull=False,
                            signed_off_at__isnull=False,
                        )
                        & ~models.Q(sign_off_reason="")
                    )
                ),
                name="patients_screening_sign_off_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} for {self.patient} at {self.computed_at:%Y-%m-%d}"

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None


class PatientMerge(models.Model):
    """One duplicate record merged into another: who, when, why, and every row moved."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="patient_merges", db_index=False
    )
    kept = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="merges_in")
    merged = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="merge_out")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    moved = models.JSONField(
        default=dict,
        help_text='What moved to the kept record: {"app.Model": [ids]}, intake renumbering '
        'under "renumbered" ({id: [old, new, patient]}), details filled in under "details".',
    )

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=("clinic", "at"), name="patients_merge_by_time")]

    def __str__(self) -> str:
        return f"{self.merged} merged into {self.kept}"
