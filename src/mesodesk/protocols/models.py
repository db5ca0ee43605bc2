"""Protocol library versions as loaded into the database, and clinics' overrides."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.history import HistoricalRecords
from mesodesk.protocols.choices import Severity


class ProtocolVersionImmutableError(Exception):
    """A stored protocol version was about to be changed; versions are never edited."""


class ProtocolVersion(models.Model):
    """One release of the protocol library, stored whole and never changed."""

    version = models.CharField(max_length=100, unique=True)
    release = models.CharField(max_length=50)
    content_hash = models.CharField(max_length=64, unique=True)
    files = models.JSONField(help_text="Each library file's relative path and TOML text.")
    data = models.JSONField(help_text="The library as loaded and validated, as JSON.")
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        get_latest_by = ("loaded_at", "id")

    def __str__(self) -> str:
        return self.version

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ProtocolVersionImmutableError(
                f"protocol version {self.version} is stored already and cannot change"
            )
        super().save(*args, **kwargs)


class ClinicOverride(models.Model):
    """A clinic's own value or severity for one rule of the library, with its reason."""

    # No index of its own: the unique (clinic, rule_code) index starts with clinic_id.
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="protocol_overrides", db_index=False
    )
    rule_code = models.CharField(max_length=100)
    value = models.JSONField(
        null=True, blank=True, help_text="The clinic's value for the rule, if it changes it."
    )
    severity = models.CharField(
        max_length=10,
        choices=Severity.choices,
        blank=True,
        help_text="The clinic's severity for the rule, if it changes it.",
    )
    reason = models.TextField(help_text="Why the clinic departs from the library's default.")
    protocol_version = models.ForeignKey(
        ProtocolVersion,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The library version the rule code was checked against.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("clinic", "rule_code"), name="protocols_override_one_per_rule"
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="protocols_override_has_reason"
            ),
            models.CheckConstraint(
                condition=models.Q(severity="") | models.Q(severity__in=Severity.values),
                name="protocols_override_severity_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=False) | ~models.Q(severity=""),
                name="protocols_override_changes_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} at {self.clinic}"
