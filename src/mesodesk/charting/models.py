"""The record of a treatment session: what was given, where, how deep and from which lot.

A record is a draft until its practitioner signs it; then it and everything under it are
locked, by the services and by the database itself (triggers refuse
UPDATE and DELETE of a signed record and of its administrations and points). Corrections
are signed addenda; an administration recorded by mistake is marked entered in error with
a reason (the only change a locked administration takes), never deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from mesodesk.charting.choices import Diagram, Prefill, RecordStatus
from mesodesk.clinics.models import Clinic, Device
from mesodesk.history import HistoricalRecords
from mesodesk.inventory.models import QUANTITY, Lot, OpenedVial, Product, StockMove
from mesodesk.patients.models import Patient
from mesodesk.planning.models import TreatmentPlan
from mesodesk.protocols.models import ProtocolVersion
from mesodesk.scheduling.models import Appointment


class SessionRecord(models.Model):
    """The chart of one treatment session (one per session appointment)."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="session_records", db_index=False
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="session_records", db_index=False
    )
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="session_record"
    )
    plan = models.ForeignKey(
        TreatmentPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="session_records",
        db_index=False,
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    protocol_version = models.ForeignKey(
        ProtocolVersion, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    status = models.CharField(
        max_length=10, choices=RecordStatus.choices, default=RecordStatus.DRAFT
    )
    areas = models.JSONField(
        default=list, blank=True, help_text="Area codes of the library to be treated."
    )
    prefilled_from = models.CharField(
        max_length=12, choices=Prefill.choices, default=Prefill.NOTHING, blank=True
    )
    # Numbing cream before the session: the library's time is 20 minutes (seed 002).
    numbing_product = models.CharField(max_length=200, blank=True)
    numbing_on_at = models.DateTimeField(null=True, blank=True)
    numbing_off_at = models.DateTimeField(null=True, blank=True)
    numbing_short_reason = models.TextField(
        blank=True, help_text="Why the cream stayed on less than the library's time."
    )
    numbing_warnings = models.JSONField(
        default=list, blank=True, help_text="Library checks the numbing fell outside of."
    )
    pain_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)], help_text="0 to 10."
    )
    immediate_reactions = models.JSONField(
        default=list, blank=True, help_text="ImmediateReaction codes."
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=("clinic", "patient", "created_at"), name="charting_record_patient"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=RecordStatus.values),
                name="charting_record_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status=RecordStatus.SIGNED, signed_at__isnull=False, signed_by__isnull=False
                )
                | models.Q(status=RecordStatus.DRAFT, signed_at__isnull=True),
                name="charting_record_signed_iff_signed_at",
            ),
            models.CheckConstraint(
                condition=models.Q(pain_score__isnull=True) | models.Q(pain_score__lte=10),
                name="charting_record_pain_score_range",
            ),
            models.CheckConstraint(
                condition=models.Q(numbing_off_at__isnull=True)
                | models.Q(
                    numbing_on_at__isnull=False, numbing_off_at__gte=models.F("numbing_on_at")
                ),
                name="charting_record_numbing_off_after_on",
            ),
        ]

    def __str__(self) -> str:
        return f"Session record of {self.patient} ({self.get_status_display()})"


class Administration(models.Model):
    """One product given in one area of a session: lot, volume, technique, depth, needle."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="administrations", db_index=False
    )
    record = models.ForeignKey(
        SessionRecord, on_delete=models.PROTECT, related_name="administrations"
    )
    area = models.CharField(max_length=64, help_text="Area code of the protocol library.")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="administrations", db_index=False
    )
    lot = models.ForeignKey(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administrations",
        db_index=False,
    )
    opened_vial = models.ForeignKey(
        OpenedVial,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administrations",
        db_index=False,
    )
    stock_move = models.OneToOneField(
        StockMove,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administration",
    )
    volume_ml = models.DecimalField(**QUANTITY)
    technique = models.CharField(
        max_length=64, help_text="Injection technique code of the protocol library."
    )
    depth_mm = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, help_text="None when needle-free."
    )
    needle_gauge = models.PositiveSmallIntegerField(null=True, blank=True)
    needle_length_mm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administrations",
        db_index=False,
    )
    device_settings = models.CharField(max_length=500, blank=True)
    points = models.PositiveIntegerField(null=True, blank=True, help_text="Number of points.")
    warnings = models.JSONField(
        default=list, blank=True, help_text="Library range checks this entry fell outside of."
    )
    out_of_range_reason = models.TextField(
        blank=True, help_text="Why, when a warning was raised (required then)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
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
        ordering = ("created_at", "id")
        indexes = [
            # "Who received lot X": the recall's query, flat with the table's size.
            models.Index(fields=("clinic", "lot"), name="charting_admin_by_lot"),
            models.Index(fields=("clinic", "product"), name="charting_admin_by_product"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volume_ml__gt=0), name="charting_admin_volume_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(depth_mm__isnull=True) | models.Q(depth_mm__gte=0),
                name="charting_admin_depth_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(entered_in_error_at__isnull=True)
                | ~models.Q(entered_in_error_reason=""),
                name="charting_admin_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volume_ml} mL of {self.product} in {self.area}"


class InjectionPoint(models.Model):
    """One point on the injection map: a zone of a diagram and where in it, as fractions."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="injection_points", db_index=False
    )
    administration = models.ForeignKey(
        Administration, on_delete=models.PROTECT, related_name="injection_points"
    )
    diagram = models.CharField(max_length=20, choices=Diagram.choices)
    zone = models.CharField(max_length=64, help_text="Zone code of the diagram.")
    x = models.FloatField(validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    y = models.FloatField(validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    depth_mm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    volume_ml = models.DecimalField(**QUANTITY, null=True, blank=True)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(x__gte=0, x__lte=1, y__gte=0, y__lte=1),
                name="charting_point_inside_diagram",
            ),
            models.CheckConstraint(
                condition=models.Q(diagram__in=Diagram.values),
                name="charting_point_diagram_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zone} ({self.x:.2f}, {self.y:.2f})"


class Addendum(models.Model):
    """A signed correction or addition to a signed record; never edited itself."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="addenda", db_index=False
    )
    record = models.ForeignKey(SessionRecord, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    entered_in_error = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The administration this addendum marks entered in error, if any.",
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("signed_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(text=""), name="charting_addendum_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"Addendum to {self.record} at {self.signed_at:%Y-%m-%d %H:%M}"
