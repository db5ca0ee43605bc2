"""Consent texts (versioned per clinic), signed consents and their withdrawals.

A signed consent keeps a copy of the text it was signed on and the PDF rendered at
signing, with the PDF's SHA-256; the database refuses to change either (migration 0003).
A withdrawal is a row of its own, never an edit of the consent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.consents.choices import Channel, Method, Purpose, Tier
from mesodesk.history import HistoricalRecords
from mesodesk.patients.models import Patient


class ConsentTemplate(models.Model):
    """One version of a clinic's consent text for one purpose (and technique or tier).

    Versions are never edited once written: the admin saves an edit as the next version,
    and signed consents point at the version they were signed on."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="consent_templates", db_index=False
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    technique = models.CharField(max_length=50, blank=True, help_text="Treatment only.")
    tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField(help_text="Plain text; a blank line starts a new paragraph.")
    library_code = models.CharField(max_length=100, blank=True)
    sources = models.TextField(blank=True, help_text="The sources of the wording, one a line.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Empty for the version copied from the library.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ("purpose", "technique", "tier", "-version")
        constraints = [
            models.UniqueConstraint(
                fields=("clinic", "purpose", "technique", "tier", "version"),
                name="consents_template_version_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=Purpose.values),
                name="consents_template_purpose_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.text.replace("\r\n", "\n").split("\n\n") if p.strip()]


class SignedConsent(models.Model):
    """A consent signed by the patient (or their representative), with its PDF."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="signed_consents", db_index=False
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="signed_consents")
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="+")
    # Copied from the template version at signing: what was signed is kept with the signature.
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    technique = models.CharField(max_length=50, blank=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, blank=True)
    template_version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()
    signer_name = models.CharField(max_length=200)
    representative_relationship = models.CharField(
        max_length=100, blank=True, help_text="Empty when the patient signed themselves."
    )
    method = models.CharField(max_length=10, choices=Method.choices)
    # The drawn strokes as an SVG the server wrote from the points (never the client's SVG).
    signature_svg = models.TextField(blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The staff member whose session collected it; empty when signed in the portal.",
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    signed_at = models.DateTimeField()
    # The PDF lives in the database beside its hash: the same triggers lock both, a backup
    # of the database holds both, and a consent PDF is a few tens of kilobytes.
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ("signed_at", "id")
        indexes = [
            models.Index(
                fields=("clinic", "patient", "purpose"), name="consents_signed_by_purpose"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(purpose__in=Purpose.values),
                name="consents_signed_purpose_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=Method.values), name="consents_signed_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} signed by {self.signer_name}"


class ConsentWithdrawal(models.Model):
    """The patient withdrew a consent: recorded, never an edit of the consent."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="consent_withdrawals", db_index=False
    )
    consent = models.OneToOneField(
        SignedConsent, on_delete=models.PROTECT, related_name="withdrawal"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Who recorded it; empty when the patient withdrew in the portal.",
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"Withdrawal of {self.consent}"
