"""Every change to clinics and memberships goes through these functions."""

from __future__ import annotations

from django.db import transaction

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership


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
