"""Fixed vocabularies of the consents app."""

from django.db import models


class Purpose(models.TextChoices):
    """What a consent is for (the library's consent texts use these codes)."""

    TREATMENT = "treatment", "Treatment"
    LIPOLYSIS = "lipolysis", "Injection lipolysis"
    PHOTOGRAPHY = "photography", "Photography"
    MARKETING = "marketing", "Marketing"


class Tier(models.TextChoices):
    """How far a photography consent reaches; each tier covers the ones before it."""

    CLINICAL = "clinical", "Clinical record only"
    TEACHING = "teaching", "Teaching"
    PUBLICATION = "publication", "Publication"


TIER_ORDER = (Tier.CLINICAL, Tier.TEACHING, Tier.PUBLICATION)


class Method(models.TextChoices):
    """How the signer signed."""

    DRAWN = "drawn", "Drawn signature"
    TYPED = "typed", "Typed name"


class Channel(models.TextChoices):
    """Where the consent was signed."""

    PORTAL = "portal", "The patient portal"
    TABLET = "tablet", "A tablet in the clinic"
    API = "api", "An integration (API)"
    IMPORTED = "imported", "Moved from the earlier consent list"
