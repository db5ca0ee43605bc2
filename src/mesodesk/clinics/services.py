"""Every change to clinics, memberships, rooms, devices and hours goes through these functions."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.db import transaction

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import (
    Clinic,
    ClinicClosure,
    Device,
    Membership,
    Room,
    WorkingHours,
)


@transaction.atomic
def create_clinic(*, slug: str, name: str, time_zone: str, locale: str = "en") -> Clinic:
    """A new clinic; raises ValidationError for a bad slug, time zone or locale."""
    clinic = Clinic(slug=slug, name=name, time_zone=time_zone, locale=locale)
    clinic.full_clean()
    clinic.save()
    return clinic


@transaction.atomic
def add_member(*, clinic: Clinic, user: User, role: Role) -> Membership:
    """Gives `user` a `role` in `clinic`; raises ValidationError if they already have one."""
    membership = Membership(clinic=clinic, user=user, role=role)
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def update_clinic_settings(
    *,
    clinic: Clinic,
    opening_hours: dict[str, Any] | None = None,
    idle_timeout_minutes: int | None = None,
) -> Clinic:
    """Changes the clinic's opening hours and/or idle timeout; ValidationError if invalid.

    The `clinic` given is updated too (only when the change is stored).
    """
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    if opening_hours is not None:
        locked.opening_hours = opening_hours
    if idle_timeout_minutes is not None:
        locked.idle_timeout_minutes = idle_timeout_minutes
    locked.full_clean()
    locked.save(update_fields=["opening_hours", "idle_timeout_minutes"])
    clinic.opening_hours = locked.opening_hours
    clinic.idle_timeout_minutes = locked.idle_timeout_minutes
    return clinic


@transaction.atomic
def add_closure(*, clinic: Clinic, date: date, reason: str = "") -> ClinicClosure:
    """Closes the clinic for a whole day; ValidationError if it is closed that day already."""
    closure = ClinicClosure(clinic=clinic, date=date, reason=reason.strip())
    closure.full_clean()
    closure.save()
    return closure


@transaction.atomic
def add_room(*, clinic: Clinic, name: str) -> Room:
    """A new treatment room; ValidationError if the clinic has a room of that name."""
    room = Room(clinic=clinic, name=name.strip())
    room.full_clean()
    room.save()
    return room


@transaction.atomic
def add_device(*, clinic: Clinic, name: str, device_type: str, model_name: str = "") -> Device:
    """A new device of a library device type; ValidationError for an unknown type or name."""
    device = Device(
        clinic=clinic, name=name.strip(), device_type=device_type, model_name=model_name.strip()
    )
    device.full_clean()
    device.save()
    return device


@transaction.atomic
def set_active(*, clinic: Clinic, resource: Room | Device, active: bool) -> Room | Device:
    """Takes a room or device out of use (or back into use); it stays in past bookings."""
    if resource.clinic_id != clinic.pk:
        raise resource.DoesNotExist(f"{resource._meta.verbose_name} not found")
    resource.active = active
    resource.save(update_fields=["active"])
    return resource


@transaction.atomic
def add_working_hours(
    *, clinic: Clinic, practitioner: User, weekday: int, start: time, end: time
) -> WorkingHours:
    """A span a practitioner works on a weekday (0 = Monday).

    ValidationError unless they are a practitioner of the clinic, start < end, and the span
    does not overlap their other hours that weekday.
    """
    # Lock the practitioner's membership so two concurrent additions cannot both pass the
    # overlap check.
    Membership.objects.select_for_update().filter(clinic=clinic, user=practitioner).first()
    hours = WorkingHours(
        clinic=clinic, practitioner=practitioner, weekday=weekday, start=start, end=end
    )
    hours.full_clean()
    hours.save()
    return hours


@transaction.atomic
def remove_working_hours(*, clinic: Clinic, hours: WorkingHours) -> None:
    """Removes one span of a practitioner's working hours."""
    WorkingHours.objects.filter(clinic=clinic, pk=hours.pk).delete()
