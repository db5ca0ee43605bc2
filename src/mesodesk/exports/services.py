"""Every change to staff calendar feeds: making (or renewing) one, and revoking one."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Device, Membership, Room
from mesodesk.exports.models import StaffCalendarFeed


def feed_digest(secret: str) -> str:
    """What is stored of a feed's secret (its SHA-256): the secret itself never is."""
    return hashlib.sha256(secret.encode()).hexdigest()


def may_manage_feed(membership: Membership, *, practitioner: User | None = None) -> bool:
    """Admins manage every feed of their clinic; a practitioner only their own."""
    if membership.role == Role.ADMIN:
        return True
    return (
        membership.role == Role.PRACTITIONER
        and practitioner is not None
        and practitioner.pk == membership.user_id
    )


def _require(clinic: Clinic, by: User, practitioner: User | None) -> None:
    membership = Membership.objects.filter(clinic=clinic, user=by).first()
    if membership is None or not may_manage_feed(membership, practitioner=practitioner):
        raise PermissionDenied("Only an admin, or a practitioner for their own, manages feeds.")


def _live(
    clinic: Clinic, practitioner: User | None, room: Room | None, device: Device | None
) -> StaffCalendarFeed | None:
    return (
        StaffCalendarFeed.objects.select_for_update()
        .filter(
            clinic=clinic,
            revoked_at__isnull=True,
            practitioner=practitioner,
            room=room,
            device=device,
        )
        .first()
    )


@transaction.atomic
def issue_feed(
    *,
    clinic: Clinic,
    by: User,
    practitioner: User | None = None,
    room: Room | None = None,
    device: Device | None = None,
) -> tuple[StaffCalendarFeed, str]:
    """A new feed for exactly one of `practitioner`, `room`, `device`, and its secret
    (returned this once, never stored). A live feed of the same subject is revoked first:
    its address stops working. PermissionDenied unless `by` is an admin of the clinic or
    the practitioner themself; ValidationError for another clinic's room, device or a
    user who is not a practitioner here."""
    if sum(x is not None for x in (practitioner, room, device)) != 1:
        raise ValidationError("A feed is of one practitioner, one room or one device.")
    _require(clinic, by, practitioner)
    if (
        practitioner is not None
        and not Membership.objects.filter(
            clinic=clinic, user=practitioner, role=Role.PRACTITIONER
        ).exists()
    ):
        raise ValidationError({"practitioner": "Not a practitioner of this clinic."})
    for thing in (room, device):
        if thing is not None and thing.clinic_id != clinic.pk:
            raise ValidationError("That room or device belongs to another clinic.")
    old = _live(clinic, practitioner, room, device)
    if old is not None:
        _revoke(old, by)
    secret = secrets.token_urlsafe(32)
    feed = StaffCalendarFeed(
        clinic=clinic,
        practitioner=practitioner,
        room=room,
        device=device,
        prefix=secret[:8],
        digest=feed_digest(secret),
        created_by=by,
    )
    feed._history_user = by  # type: ignore[attr-defined] # read by simple-history
    feed.full_clean()
    feed.save()
    return feed, secret


def _revoke(feed: StaffCalendarFeed, by: User) -> None:
    feed.revoked_at = timezone.now()
    feed.revoked_by = by
    feed._history_user = by  # type: ignore[attr-defined] # read by simple-history
    feed.save(update_fields=["revoked_at", "revoked_by"])


@transaction.atomic
def revoke_feed(*, clinic: Clinic, feed: StaffCalendarFeed, by: User) -> StaffCalendarFeed:
    """Stops the feed's address for good (404 from now on); revoking again changes
    nothing. PermissionDenied as for `issue_feed`."""
    if feed.clinic_id != clinic.pk:
        raise PermissionDenied("The feed belongs to another clinic.")
    _require(clinic, by, feed.practitioner)
    locked = StaffCalendarFeed.objects.select_for_update().get(pk=feed.pk)
    if locked.revoked_at is None:
        _revoke(locked, by)
    feed.revoked_at, feed.revoked_by = locked.revoked_at, locked.revoked_by
    return feed
