"""Fixed vocabularies of the scheduling app."""

from django.db import models


class AppointmentKind(models.TextChoices):
    """What an appointment is for (its length is in `scheduling.durations`)."""

    CONSULTATION = "consultation", "Consultation"
    SESSION = "session", "Session"
    FOLLOW_UP = "follow_up", "Follow-up"


class AppointmentStatus(models.TextChoices):
    """Where an appointment stands; only `booked` ones hold their practitioner, room, device."""

    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
