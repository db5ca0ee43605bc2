"""Fixed vocabularies of the safety app."""

from django.db import models


class HowBad(models.TextChoices):
    """How much a side effect bothers the patient, in their own words."""

    MILD = "mild", "Mild: I notice it, but it does not bother me much"
    MODERATE = "moderate", "Moderate: it bothers me or gets in the way of my day"
    SEVERE = "severe", "Severe: it is very painful, spreading or getting worse"


class Outcome(models.TextChoices):
    """Where an adverse event stands (FHIR R4 adverse-event-outcome)."""

    ONGOING = "ongoing", "Ongoing"
    RECOVERING = "recovering", "Recovering"
    RESOLVED = "resolved", "Resolved"
    RESOLVED_WITH_SEQUELAE = "resolved_with_sequelae", "Resolved with lasting effects"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


class ReportCall(models.TextChoices):
    """The call staff made on a patient's side-effect report."""

    EVENT = "event", "Recorded as an adverse event"
    EXPECTED = "expected", "Expected reaction, patient reassured"
    NOT_RELATED = "not_related", "Not related to the treatment"
    DUPLICATE = "duplicate", "Already reported or recorded"
