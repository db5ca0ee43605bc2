"""Fixed vocabularies of the safety app."""

from django.db import models


class HowBad(models.TextChoices):
    """How much a side effect bothers the patient, in their own words."""

    MILD = "mild", "Mild: I notice it, but it does not bother me much"
    MODERATE = "moderate", "Moderate: it bothers me or gets in the way of my day"
    SEVERE = "severe", "Severe: it is very painful, spreading or getting worse"
