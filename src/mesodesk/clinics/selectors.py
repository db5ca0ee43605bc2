"""Reads of clinics and memberships."""

from __future__ import annotations

from django.db.models import QuerySet

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Membership


def clinic_by_slug(*, slug: str) -> Clinic | None:
    """The clinic with this slug, if any."""
    return Clinic.objects.filter(slug=slug).first()


def memberships_of_clinic(*, clinic: Clinic) -> QuerySet[Membership]:
    """The clinic's staff with their users, by role and then e-mail address."""
    return (
        Membership.objects.filter(clinic=clinic)
        .select_related("user")
        .order_by("role", "user__email")
    )


def membership_of(*, clinic: Clinic, user: User) -> Membership | None:
    """The user's membership in the clinic, if they have one."""
    return Membership.objects.filter(clinic=clinic, user=user).first()
