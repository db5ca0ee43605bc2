"""Appointments: who sees which patient, where, with which device, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.history import HistoricalRecords
from mesodesk.patients.models import Patient
from mesodesk.planning.models import PlannedSession
from mesodesk.scheduling.choices import (
    CANCELLED_STATUSES,
    ENDED_STATUSES,
    AppointmentKind,
    AppointmentStatus,
)


class Appointment(models.Model):
    """A consultation, session or follow-up of one patient with a practitioner in a room.

    The database itself refuses two `booked` appointments that overlap for the same
    practitioner, room or device of a clinic (migration 0002) or for the same patient
    (migration 0003): exclusion constraints on PostgreSQL, triggers on SQLite; cancelling
    one frees its time. A planned session has at most one `booked` appointment (below).
    A later migration that makes SQLite rebuild this table (most AlterField operations
    do) drops the triggers: it must create them again (0002's and 0003's `forwards`);
    tests/scheduling/test_double_booking.py fails if it does not.
    """

    # The foreign keys below have no index of their own: every query goes through one of
    # the composite indexes, which start with the clinic.
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments_given",
        db_index=False,
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        db_index=False,
    )
    start = models.DateTimeField(help_text="In UTC.")
    end = models.DateTimeField(help_text="In UTC; the appointment holds [start, end).")
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    planned_session = models.ForeignKey(
        PlannedSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Any change: booked, moved, checked in, ended, cancelled (FHIR meta.lastUpdated).
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    cancel_reason = models.TextField(blank=True)
    rebook = models.BooleanField(
        default=False,
        help_text="Cancelled by the clinic closing the day: listed on Today for the desk to "
        "book the patient again, until they are booked again or the desk marks it settled.",
    )
    # The visit, while the appointment stays `booked`: checked in, then in treatment.
    arrived_at = models.DateTimeField(null=True, blank=True)
    arrived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # When and by whom it was closed as completed or no-show.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ("start", "id")
        indexes = [
            models.Index(fields=("clinic", "start"), name="sched_appt_clinic_start"),
            models.Index(
                fields=("clinic", "practitioner", "start"), name="sched_appt_practitioner"
            ),
            models.Index(fields=("clinic", "room", "start"), name="sched_appt_room"),
            models.Index(fields=("clinic", "device", "start"), name="sched_appt_device"),
            models.Index(fields=("clinic", "patient", "start"), name="sched_appt_patient"),
            models.Index(
                fields=("clinic", "planned_session"),
                condition=models.Q(planned_session__isnull=False),
                name="sched_appt_planned_session",
            ),
            # Past visits nobody closed (`visits.unclosed`, on Today): few rows, however
            # many appointments the clinic has had.
            models.Index(
                fields=("clinic", "start"),
                condition=models.Q(status=AppointmentStatus.BOOKED),
                name="sched_appt_booked_start",
            ),
            # Today's visits to rebook: those a closure cancelled, found without reading
            # every appointment of the clinic (scheduling.selectors.unclosed_or_to_rebook).
            models.Index(
                fields=("clinic", "start"),
                condition=models.Q(status=AppointmentStatus.CANCELLED, rebook=True),
                name="sched_appt_to_rebook",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")),
                name="scheduling_appointment_start_before_end",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=AppointmentKind.values),
                name="scheduling_appointment_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AppointmentStatus.values),
                name="scheduling_appointment_status_valid",
            ),
            # A cancelled appointment says when it was cancelled; no other one does.
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=CANCELLED_STATUSES, cancelled_at__isnull=False)
                    | (
                        ~models.Q(status__in=CANCELLED_STATUSES)
                        & models.Q(cancelled_at__isnull=True)
                    )
                ),
                name="scheduling_appointment_cancelled_at_iff_cancelled",
            ),
            # A completed or no-show appointment says when it was closed; no other one does.
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=ENDED_STATUSES, ended_at__isnull=False)
                    | (~models.Q(status__in=ENDED_STATUSES) & models.Q(ended_at__isnull=True))
                ),
                name="scheduling_appointment_ended_at_iff_ended",
            ),
            # Treatment starts after arrival, and only a visit that happened was started.
            models.CheckConstraint(
                condition=models.Q(started_at__isnull=True)
                | models.Q(
                    arrived_at__isnull=False,
                    status__in=(AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED),
                ),
                name="scheduling_appointment_started_after_arrival",
            ),
            # A planned session is booked once; a cancelled booking frees it again.
            models.UniqueConstraint(
                fields=("clinic", "planned_session"),
                condition=models.Q(status=AppointmentStatus.BOOKED),
                name="scheduling_appointment_planned_session_booked_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.patient} at {self.start:%Y-%m-%d %H:%M} UTC"
