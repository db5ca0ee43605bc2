"""Fixed vocabularies of the patients app."""

from django.db import models


class Sex(models.TextChoices):
    """The patient's sex as recorded (as in the intake document)."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Channel(models.TextChoices):
    """How the patient prefers to be reminded."""

    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class Verdict(models.TextChoices):
    """The screening engine's verdict (DESIGN 7.3)."""

    ELIGIBLE = "eligible", "Eligible"
    REVIEW = "review", "Needs review"
    INELIGIBLE = "ineligible", "Ineligible"


class IntakeSource(models.TextChoices):
    """Where the answers of an intake version came from."""

    PORTAL = "portal", "The patient, on the portal"
    PAPER_FORM = "paper_form", "A paper form the patient filled in"
    TELEPHONE = "telephone", "Told by the patient on the telephone"
    IN_PERSON = "in_person", "Told by the patient in person"
    OTHER = "other", "Another system (an integration or an import)"


# What staff may choose when they enter answers on a patient's behalf.
STAFF_SOURCES = (IntakeSource.PAPER_FORM, IntakeSource.TELEPHONE, IntakeSource.IN_PERSON)
