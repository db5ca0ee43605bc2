"""Fixed vocabularies of the planning app."""

from django.db import models


class PlanStatus(models.TextChoices):
    """Whether a treatment plan is being followed."""

    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
