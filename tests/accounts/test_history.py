"""Security-relevant settings keep their history with who changed them: roles, the clinic's
idle timeout, API tokens."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user, issue_api_token, revoke_api_token
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from tests.accounts.helpers import sign_in_with_mfa

# The clinic's inlines (memberships, rooms, devices, closures), posted empty: unchanged.
NO_INLINE_CHANGES = {
    f"{prefix}-{field}": "0"
    for prefix in ("memberships", "rooms", "devices", "closures")
    for field in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def site_admin(client: Client) -> User:
    admin = create_user(email="root@example.org", password=None, is_staff=True, is_superuser=True)
    sign_in_with_mfa(client, admin)
    return admin


def test_a_role_change_in_the_admin_is_recorded_with_who_made_it(
    client: Client, clinic: Clinic, fiona: User
) -> None:
    admin = site_admin(client)
    membership = Membership.objects.get(clinic=clinic, user=fiona)
    response = client.post(
        reverse("admin:clinics_membership_change", args=[membership.pk]),
        {"user": fiona.pk, "clinic": clinic.pk, "role": Role.ADMIN},
    )
    assert response.status_code == 302
    latest, created = membership.history.order_by("-history_id")[:2]
    assert (latest.role, latest.history_type, latest.history_user) == (Role.ADMIN, "~", admin)
    assert (created.role, created.history_type) == (Role.FRONT_DESK, "+")
    page = client.get(reverse("admin:clinics_membership_history", args=[membership.pk]))
    assert page.status_code == 200
    assert admin.email in page.text


def test_an_idle_timeout_change_in_the_admin_is_recorded_with_who_made_it(
    client: Client, clinic: Clinic, alice: User
) -> None:
    admin = site_admin(client)
    response = client.post(
        reverse("admin:clinics_clinic_change", args=[clinic.pk]),
        {
            "name": clinic.name,
            "slug": clinic.slug,
            "time_zone": clinic.time_zone,
            "locale": clinic.locale,
            "opening_hours": json.dumps(clinic.opening_hours),
            "idle_timeout_minutes": "60",
            "appointment_reminder_hours": str(clinic.appointment_reminder_hours),
            "country": clinic.country,
            "minimum_age": str(clinic.minimum_age),
            **NO_INLINE_CHANGES,
        },
    )
    assert response.status_code == 302, response.context["errors"]
    latest = clinic.history.latest()
    assert (latest.idle_timeout_minutes, latest.history_user) == (60, admin)
    assert clinic.history.earliest().idle_timeout_minutes == 15
    assert Membership.objects.filter(clinic=clinic, user=alice).exists()
    page = client.get(reverse("admin:clinics_clinic_history", args=[clinic.pk]))
    assert page.status_code == 200


def test_a_token_keeps_who_revoked_it_but_no_copy_of_its_digest(
    client: Client, clinic: Clinic, pedro: User, alice: User
) -> None:
    token, _ = issue_api_token(clinic=clinic, user=pedro, name="lab import")
    revoke_api_token(token=token, by=alice)
    revoke_api_token(token=token, by=alice)  # again: nothing changes, nothing recorded
    issued, revoked = token.history.order_by("history_id")
    assert (issued.history_type, issued.revoked_at) == ("+", None)
    assert (revoked.revoked_by, revoked.history_user) == (alice, alice)
    assert revoked.revoked_at == token.revoked_at
    assert not hasattr(revoked, "digest")
    site_admin(client)
    page = client.get(reverse("admin:accounts_apitoken_history", args=[token.pk]))
    assert page.status_code == 200
    assert token.digest not in page.text
