"""Clinics and memberships: who works where, in which role."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from mesodesk.clinics.choices import Role
from mesodesk.clinics.validators import validate_locale, validate_time_zone


class Clinic(models.Model):
    """A practice: the tenant that owns its staff, patients and records."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    locale = models.CharField(max_length=10, default="en", validators=[validate_locale])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one clinic."""

    # No index of its own: the unique (clinic, user) index starts with clinic_id.
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="memberships", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("clinic", "user"), name="clinics_membership_one_per_user"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="clinics_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.clinic}"
