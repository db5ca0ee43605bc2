"""Fixed vocabularies of the messaging app."""

from django.db import models


class ReminderKind(models.TextChoices):
    """What a reminder is about (DESIGN §8)."""

    PREPARATION = "preparation", "Preparation starts"
    APPOINTMENT = "appointment", "Appointment reminder"
    AFTERCARE = "aftercare", "Aftercare milestone"
    CHECK_IN = "check_in", "48-hour check-in"
    RECALL = "recall", "Maintenance recall"
    TREATMENT_CONTACT = "treatment_contact", "Please contact the clinic"
    BOOKED = "booked", "Booking confirmation"
    MOVED = "moved", "Change notice"
    CANCELLED = "cancelled", "Cancellation notice"


# Not reminders but the clinic asking the patient to get in touch about a past treatment
# (a lot recall): sent on the patient's chosen channels whatever reminder kinds they turned
# off, whatever became of the appointment, and never recomputed from the timeline.
CONTACT_REQUESTS = frozenset({ReminderKind.TREATMENT_CONTACT})


# Notices of what the clinic did to an appointment: queued once when it is booked, moved or
# cancelled (or marked for rebooking by a closure), on the patient's chosen channels
# whatever reminder kinds they turned off — they are what a person expects from any
# booking — and never recomputed from the timeline.
NOTICES = frozenset({ReminderKind.BOOKED, ReminderKind.MOVED, ReminderKind.CANCELLED})

# Messages that are queued once, not planned from the appointment and its timeline.
ONE_OFF = CONTACT_REQUESTS | NOTICES


# What follows a visit: still wanted once the appointment is marked completed.
AFTER_VISIT = frozenset({ReminderKind.AFTERCARE, ReminderKind.CHECK_IN, ReminderKind.RECALL})


class ReminderStatus(models.TextChoices):
    """Where a reminder row is in its life.

    pending → sending (claimed by a worker) → sent; back to pending for a retry or when a
    dead worker's claim is swept; expired when its moment passed unsent; cancelled when the
    appointment was cancelled or moved (or the patient opted out) before it was sent;
    failed when retries ran out."""

    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class MessageChannel(models.TextChoices):
    """How a message travels (the same values as a patient's preferred channel)."""

    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
