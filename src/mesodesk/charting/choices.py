"""Fixed vocabularies of the charting app.

Injection techniques and their depth ranges, with sources, are in the protocol library;
these are the record's own states and the diagrams its injection map is drawn on.
"""

from django.db import models


class RecordStatus(models.TextChoices):
    """A session record is written as a draft and then signed, after which it is locked."""

    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class Diagram(models.TextChoices):
    """The drawings an injection point is placed on (x, y are fractions of the drawing)."""

    FACE_FRONT = "face_front", "Face, front"
    FACE_LEFT = "face_left", "Face, left profile"
    FACE_RIGHT = "face_right", "Face, right profile"
    SCALP = "scalp", "Scalp, from above"
    BODY_FRONT = "body_front", "Body, front"
    BODY_BACK = "body_back", "Body, back"


class ImmediateReaction(models.TextChoices):
    """What a practitioner may see during or right after the session."""

    BLEEDING = "bleeding", "Pinpoint bleeding"
    WHEAL = "wheal", "Wheals (papules) at the points"
    ERYTHEMA = "erythema", "Redness"
    BRUISE = "bruise", "Bruising"
    SWELLING = "swelling", "Swelling"
    VASOVAGAL = "vasovagal", "Feeling faint (vasovagal)"
    PAIN = "pain", "Pain beyond the expected"
    NONE = "none", "None"


class Prefill(models.TextChoices):
    """Where a new record took its areas from."""

    NOTHING = "", "Nothing"
    PLAN = "plan", "The treatment plan"
    LAST_RECORD = "last_record", "The patient's last record"
