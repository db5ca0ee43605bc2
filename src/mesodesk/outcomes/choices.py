"""Fixed vocabularies of the outcomes app (the scales themselves are in the library)."""

from django.db import models


class Rater(models.TextChoices):
    """Who rated: the treating practitioner, the patient, or a rater blind to the series."""

    PRACTITIONER = "practitioner", "Practitioner"
    PATIENT = "patient", "Patient"
    BLINDED = "blinded", "Blinded rater"


class Method(models.TextChoices):
    """How the rater looked: at the patient in the room, or at photos of them."""

    LIVE = "live", "Live"
    PHOTOS = "photos", "From photos"


class TimePoint(models.TextChoices):
    """Where in the series the score sits."""

    BASELINE = "baseline", "Baseline"
    SESSION = "session", "After a session"
    FOLLOW_UP = "follow_up", "Follow-up"


class Side(models.TextChoices):
    """The side a per-side scale (WSRS) is rated on; blank for the others."""

    NONE = "", "—"
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
