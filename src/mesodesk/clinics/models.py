"""Clinics and memberships: who works where, in which role."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from mesodesk.clinics.choices import InvitationStatus, Role
from mesodesk.clinics.validators import (
    validate_country,
    validate_device_type,
    validate_locale,
    validate_opening_hours,
    validate_phone,
    validate_time_zone,
)
from mesodesk.history import HistoricalRecords

# Patients younger than this cannot sign up on a clinic's portal (a clinic may choose
# another age between these bounds).
DEFAULT_MINIMUM_AGE = 18
MINIMUM_AGE_RANGE = (16, 99)


def default_opening_hours() -> dict[str, list[list[str]]]:
    """Monday to Friday 09:00-18:00, Saturday 09:00-13:00, closed on Sunday."""
    weekday = [["09:00", "18:00"]]
    return {
        "0": weekday,
        "1": list(weekday),
        "2": list(weekday),
        "3": list(weekday),
        "4": list(weekday),
        "5": [["09:00", "13:00"]],
        "6": [],
    }


class Clinic(models.Model):
    """A practice: the tenant that owns its staff, patients and records."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    phone = models.CharField(
        max_length=40,
        blank=True,
        validators=[validate_phone],
        help_text="Where patients call, shown wherever they are told to call the clinic.",
    )
    address = models.TextField(
        max_length=300,
        blank=True,
        help_text="Street, postcode and town as patients should read them: in their "
        "calendar files and notices.",
    )
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[validate_country],
        help_text="ISO 3166 code (DE); phone numbers written without a country code are "
        "read as this country's. Taken from the time zone when the clinic is created.",
    )
    minimum_age = models.PositiveSmallIntegerField(
        default=DEFAULT_MINIMUM_AGE,
        validators=[
            MinValueValidator(MINIMUM_AGE_RANGE[0]),
            MaxValueValidator(MINIMUM_AGE_RANGE[1]),
        ],
        help_text="Patients younger than this cannot sign up on the portal (16 to 99).",
    )
    locale = models.CharField(max_length=10, default="en", validators=[validate_locale])
    opening_hours = models.JSONField(
        default=default_opening_hours,
        validators=[validate_opening_hours],
        help_text='Weekday ("0" = Monday) to a list of ["HH:MM", "HH:MM"] open/close pairs.',
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="Staff sessions end after this many idle minutes (5 to 240).",
    )
    appointment_reminder_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="How many hours before an appointment its reminder goes out (1 to 168).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the clinic's details last changed (FHIR Organization meta.lastUpdated).
    updated_at = models.DateTimeField(auto_now=True)

    # Who changed the settings (the idle timeout is a security setting), and when.
    history = HistoricalRecords()

    class Meta:
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(idle_timeout_minutes__gte=5, idle_timeout_minutes__lte=240),
                name="clinics_clinic_idle_timeout_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    appointment_reminder_hours__gte=1, appointment_reminder_hours__lte=168
                ),
                name="clinics_clinic_reminder_hours_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    minimum_age__gte=MINIMUM_AGE_RANGE[0], minimum_age__lte=MINIMUM_AGE_RANGE[1]
                ),
                name="clinics_clinic_minimum_age_range",
            ),
        ]

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
    # When the role last changed (FHIR Practitioner/PractitionerRole meta.lastUpdated).
    updated_at = models.DateTimeField(auto_now=True)

    # Who gave whom which role, changed or removed it, and when.
    history = HistoricalRecords()

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


class ClinicClosure(models.Model):
    """A whole day the clinic is closed (a holiday, a training day)."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="closures", db_index=False
    )
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("date",)
        constraints = [
            models.UniqueConstraint(fields=("clinic", "date"), name="clinics_closure_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic} closed on {self.date}"


class Room(models.Model):
    """A treatment room of a clinic."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="rooms", db_index=False
    )
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    # FHIR Location meta.lastUpdated.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=("clinic", "name"), name="clinics_room_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    """A device a clinic owns, of one of the library's device types."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="devices", db_index=False
    )
    name = models.CharField(max_length=100)
    device_type = models.CharField(max_length=64, validators=[validate_device_type])
    model_name = models.CharField(max_length=200, blank=True)
    room = models.ForeignKey(
        Room,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="devices",
        help_text="The room the device is usually kept in, if it has one.",
    )
    active = models.BooleanField(default=True)
    # FHIR Device meta.lastUpdated.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(fields=("clinic", "name"), name="clinics_device_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    """One span of a weekday in which a practitioner works at a clinic."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="working_hours", db_index=False
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(6)], help_text="0 = Monday ... 6 = Sunday."
    )
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        verbose_name_plural = "working hours"
        ordering = ("weekday", "start")
        indexes = [
            models.Index(
                fields=("clinic", "practitioner", "weekday"),
                name="clinics_wh_clinic_prac_day",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="clinics_wh_start_before_end"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="clinics_wh_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": "The end must be after the start."})
        if self.clinic_id is None or self.practitioner_id is None or self.weekday is None:
            return
        if not Membership.objects.filter(
            clinic_id=self.clinic_id, user_id=self.practitioner_id, role=Role.PRACTITIONER
        ).exists():
            raise ValidationError({"practitioner": "Not a practitioner of this clinic."})
        overlapping = WorkingHours.objects.filter(
            clinic_id=self.clinic_id,
            practitioner_id=self.practitioner_id,
            weekday=self.weekday,
            start__lt=self.end,
            end__gt=self.start,
        ).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError({"start": "Overlaps other working hours on this weekday."})


def invitation_token_hash(token: str) -> str:
    """What an invitation stores of its link's token (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An e-mail address invited to join a clinic in a role, by a one-time link.

    Only the SHA-256 of the link's token is stored, so the table cannot be used to join.
    """

    # No index of its own: the clinic's invitations are found by (clinic, email).
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="invitations", db_index=False
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("clinic", "email"), name="clinics_invitation_email")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="clinics_invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="clinics_invitation_accepted_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.clinic} as {self.get_role_display()}"

    def status(self, now: datetime) -> InvitationStatus:
        """Where the invitation stands at `now`."""
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if now >= self.expires_at:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING
