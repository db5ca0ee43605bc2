"""Fixed vocabularies of the scheduling app."""

from django.db import models


class AppointmentKind(models.TextChoices):
    """What an appointment is for (its length is in `scheduling.durations`)."""

    CONSULTATION = "consultation", "Consultation"
    SESSION = "session", "Session"
    FOLLOW_UP = "follow_up", "Follow-up"


class AppointmentStatus(models.TextChoices):
    """Where an appointment stands; only `booked` ones hold their practitioner, room, device.

    A booked appointment moves through the visit (arrived, in treatment: its `arrived_at`
    and `started_at`) while it stays `booked`, so it keeps holding its time and resources;
    `scheduling.visits` derives the visit's stage from those times.
    """

    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLED = "late_cancelled", "Cancelled late"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"


# The statuses that say the appointment was called off, each with its `cancelled_at`.
CANCELLED_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED)
# The statuses that close a visit that was due, each with its `ended_at`.
ENDED_STATUSES = (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


class VisitStage(models.TextChoices):
    """Where a visit stands, derived from the appointment's status and times
    (`scheduling.visits.stage`); never stored."""

    BOOKED = "booked", "Booked"
    ARRIVED = "arrived", "Checked in"
    IN_TREATMENT = "in_treatment", "In treatment"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLED = "late_cancelled", "Cancelled late"
