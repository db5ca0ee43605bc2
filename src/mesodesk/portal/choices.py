"""Fixed vocabularies of the patient portal."""

from django.db import models


class DeletionStatus(models.TextChoices):
    """Where a patient's request to delete their account stands."""

    PENDING = "pending", "Waiting for the clinic"
    DONE = "done", "Handled by the clinic"  # before the clinic recorded what it did
    ERASED = "erased", "Erased what the law allows"
    REFUSED = "refused", "Refused, with a reason"


class CopyStatus(models.TextChoices):
    """Where a patient's copy of their data stands.

    pending → building (claimed by a worker, with a lease) → ready (offered for 7 days) →
    expired (the file is deleted); failed when building failed too often."""

    PENDING = "pending", "Waiting to be prepared"
    BUILDING = "building", "Being prepared"
    READY = "ready", "Ready to download"
    EXPIRED = "expired", "Expired"
    FAILED = "failed", "Could not be prepared"


# A copy that is waiting, being built or offered: one at a time per patient.
OPEN_COPY = (CopyStatus.PENDING, CopyStatus.BUILDING, CopyStatus.READY)
