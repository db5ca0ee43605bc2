"""Fixed vocabularies of the patient portal."""

from django.db import models


class DeletionStatus(models.TextChoices):
    """Where a patient's request to delete their account stands."""

    PENDING = "pending", "Waiting for the clinic"
    DONE = "done", "Handled by the clinic"
