"""Fixed vocabularies of the protocols app."""

from django.db import models


class Severity(models.TextChoices):
    """How strongly a contraindication stands in the way of treatment (as in the library)."""

    ABSOLUTE = "absolute", "Absolute"
    RELATIVE = "relative", "Relative"
    CAUTION = "caution", "Caution"
