"""Every change to clinics, memberships, rooms, devices and hours goes through these functions."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import InvitationStatus, Role
from mesodesk.clinics.models import (
    Clinic,
    ClinicClosure,
    Device,
    Invitation,
    Membership,
    Room,
    WorkingHours,
    invitation_token_hash,
)
from mesodesk.core.phones import PhoneError, country_for_zone, to_e164


@transaction.atomic
def create_clinic(
    *, slug: str, name: str, time_zone: str, locale: str = "en", country: str = ""
) -> Clinic:
    """A new clinic; raises ValidationError for a bad slug, time zone, locale or country.
    Without a `country`, the time zone's country (Europe/Berlin: DE), if it has one."""
    clinic = Clinic(
        slug=slug,
        name=name,
        time_zone=time_zone,
        locale=locale,
        country=country or country_for_zone(time_zone),
    )
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
    name: str | None = None,
    time_zone: str | None = None,
    appointment_reminder_hours: int | None = None,
    phone: str | None = None,
    country: str | None = None,
    minimum_age: int | None = None,
    address: str | None = None,
) -> Clinic:
    """Changes the clinic's settings given (the others stay); ValidationError if invalid.

    The telephone is stored in E.164, read in the clinic's country unless it has a country
    code. The `clinic` given is updated too (only when the change is stored).
    """
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    if phone is not None and phone.strip():
        try:
            phone = to_e164(phone, country or locked.country)
        except PhoneError as error:
            raise ValidationError(
                {"phone": ValidationError(str(error), code="invalid_phone")}
            ) from None
    changes = {
        "opening_hours": opening_hours,
        "idle_timeout_minutes": idle_timeout_minutes,
        "name": None if name is None else name.strip(),
        "time_zone": time_zone,
        "appointment_reminder_hours": appointment_reminder_hours,
        "phone": None if phone is None else phone.strip(),
        "country": country,
        "minimum_age": minimum_age,
        # Lines kept as written (a postal address has several), each trimmed.
        "address": None
        if address is None
        else "\n".join(line.strip() for line in address.strip().splitlines() if line.strip()),
    }
    changed = [field for field, value in changes.items() if value is not None]
    for field in changed:
        setattr(locked, field, changes[field])
    locked.full_clean()
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    for field in changed:
        setattr(clinic, field, getattr(locked, field))
    if {"appointment_reminder_hours", "time_zone"} & set(changed):
        # When reminders go out depends on both: the queued ones follow. (Imported here:
        # the messaging app builds on this one.)
        from mesodesk.messaging.services import refresh_clinic_reminders

        refresh_clinic_reminders(clinic=locked)
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
def add_device(
    *, clinic: Clinic, name: str, device_type: str, model_name: str = "", room: Room | None = None
) -> Device:
    """A new device of a library device type, maybe kept in one of the clinic's rooms;
    ValidationError for an unknown type, a name in use or another clinic's room."""
    _check_room(clinic, room)
    device = Device(
        clinic=clinic,
        name=name.strip(),
        device_type=device_type,
        model_name=model_name.strip(),
        room=room,
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
    resource.save(update_fields=["active", "updated_at"])
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


@transaction.atomic
def remove_closure(*, clinic: Clinic, closure: ClinicClosure) -> None:
    """Opens the clinic again on a day it was to be closed."""
    ClinicClosure.objects.filter(clinic=clinic, pk=closure.pk).delete()


@transaction.atomic
def rename_room(*, clinic: Clinic, room: Room, name: str) -> Room:
    """Gives a room a new name; ValidationError if the clinic has a room of that name."""
    if room.clinic_id != clinic.pk:
        raise Room.DoesNotExist("room not found")
    room.name = name.strip()
    room.full_clean()
    room.save(update_fields=["name", "updated_at"])
    return room


def _check_room(clinic: Clinic, room: Room | None) -> None:
    if room is not None and room.clinic_id != clinic.pk:
        raise ValidationError({"room": "Not a room of this clinic."})


@transaction.atomic
def update_device(
    *, clinic: Clinic, device: Device, name: str, model_name: str, room: Room | None
) -> Device:
    """Renames a device, or changes its model name or room; its type stays (a device of
    another type is another device). ValidationError for a name in use."""
    if device.clinic_id != clinic.pk:
        raise Device.DoesNotExist("device not found")
    _check_room(clinic, room)
    device.name = name.strip()
    device.model_name = model_name.strip()
    device.room = room
    device.full_clean()
    device.save(update_fields=["name", "model_name", "room", "updated_at"])
    return device


# --- staff invitations ---------------------------------------------------------------------

INVITATION_LIFETIME = timedelta(days=7)


def _require_admin(clinic: Clinic, user: User) -> None:
    if not Membership.objects.filter(clinic=clinic, user=user, role=Role.ADMIN).exists():
        raise PermissionDenied("Only the clinic's admins invite staff.")


@transaction.atomic
def invite_member(
    *, clinic: Clinic, email: str, role: Role | str, by: User, link: Callable[[str], str]
) -> Invitation:
    """Invites `email` to join the clinic in `role`: stores the invitation (valid 7 days)
    and, once committed, e-mails the address its one-time link, `link(token)`.

    PermissionDenied unless `by` is an admin of the clinic; ValidationError for a bad
    address or role, someone already on the staff, or an invitation still pending.
    """
    _require_admin(clinic, by)
    email = email.strip()
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        clinic=clinic,
        email=email,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=by,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    if Membership.objects.filter(clinic=clinic, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is on the staff of {clinic.name} already."})
    pending = Invitation.objects.filter(
        clinic=clinic,
        email__iexact=email,
        accepted_at=None,
        revoked_at=None,
        expires_at__gt=now,
    )
    if pending.exists():
        raise ValidationError(
            {"email": f"{email} has an invitation already; revoke it to send a new one."}
        )
    invitation.save()
    url = link(token)
    inviter = by.get_full_name() or by.email
    body = (
        f"{inviter} invited you to join {clinic.name} on mesodesk as "
        f"{invitation.get_role_display()}.\n\n"
        f"To accept, open this link within 7 days and sign in, or create an account with "
        f"this e-mail address ({email}):\n\n{url}\n\n"
        "The link works once. If you did not expect this invitation, ignore this e-mail."
    )
    transaction.on_commit(
        lambda: send_mail(
            f"Join {clinic.name} on mesodesk", body, from_email=None, recipient_list=[email]
        )
    )
    return invitation


@transaction.atomic
def revoke_invitation(*, clinic: Clinic, invitation: Invitation, by: User) -> Invitation:
    """Makes a pending invitation's link useless; ValidationError if it is not pending."""
    _require_admin(clinic, by)
    locked = Invitation.objects.select_for_update().get(clinic=clinic, pk=invitation.pk)
    if locked.status(timezone.now()) != InvitationStatus.PENDING:
        raise ValidationError("Only a pending invitation can be revoked.")
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


@transaction.atomic
def accept_invitation(*, clinic: Clinic, token: str, user: User) -> Membership:
    """`user` takes up the invitation whose link carries `token`, and joins the clinic in
    its role. The link works once, within its 7 days, unless revoked, and only for the
    address it was sent to (the user signed in with it, so it is verified).

    Invitation.DoesNotExist for an unknown token; ValidationError for any other refusal.
    """
    invitation = Invitation.objects.select_for_update().get(
        clinic=clinic, token_hash=invitation_token_hash(token)
    )
    status = invitation.status(timezone.now())
    if status != InvitationStatus.PENDING:
        raise ValidationError(
            f"This invitation is {status.label.lower()}; ask the clinic for a new one.",
            code=status.value,
        )
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            f"This invitation is for {invitation.email}; sign in with that address.",
            code="other_address",
        )
    if Membership.objects.filter(clinic=clinic, user=user).exists():
        raise ValidationError(f"You are on the staff of {clinic.name} already.", code="member")
    membership = add_member(clinic=clinic, user=user, role=Role(invitation.role))
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership
