"""Fixed vocabularies of the audit app."""

from django.db import models


class AccessAction(models.TextChoices):
    """What someone did with a patient's record."""

    READ = "read", "Read"
    EXPORT = "export", "Export"
    DOWNLOAD = "download", "Download"
