"""The Integrations page: a clinic admin lists, issues (shown once) and revokes API tokens,
through the accounts services; the issued token works on the API until it is revoked."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from mesodesk.accounts.models import ApiToken, User
from mesodesk.accounts.services import issue_api_token
from mesodesk.clinics.models import Clinic

TOKEN = re.compile(r'id="token" value="(mdk_[^"]+)"')


def page(clinic: Clinic) -> str:
    return reverse("workspace:admin_integrations", args=[clinic.slug])


def test_an_admin_issues_a_token_shown_once_that_works_until_revoked(
    admin: Client, client: Client, clinic: Clinic, alice: User, pedro: User
) -> None:
    answer = admin.post(page(clinic), {"action": "issue", "user": pedro.pk, "name": "Registry"})
    body = answer.content.decode()
    found = TOKEN.search(body)
    assert answer.status_code == 200 and found is not None
    raw = found.group(1)
    assert "http://testserver/fhir/r4/" in body and "http://testserver/api/v1/" in body
    token = ApiToken.objects.get(clinic=clinic, name="Registry")
    assert token.user == pedro and token.prefix == raw[:8] and raw not in token.digest

    api = f"/api/v1/clinics/{clinic.slug}/patients"
    assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    listing = admin.get(page(clinic)).content.decode()
    assert raw not in listing  # shown once only
    assert "Registry" in listing and token.prefix in listing and pedro.email in listing
    assert "Never" not in listing  # it was used just now

    assert admin.post(page(clinic), {"action": "revoke", "id": token.pk}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == alice
    assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert "Revoked" in admin.get(page(clinic)).content.decode()


def test_a_token_only_for_the_clinics_staff(
    admin: Client, clinic: Clinic, other_clinic: Clinic
) -> None:
    stranger = User.objects.create_user("sam@harbour.test", "correct horse battery")
    answer = admin.post(page(clinic), {"action": "issue", "user": stranger.pk, "name": "x"})
    assert answer.status_code == 400 and not ApiToken.objects.filter(user=stranger).exists()
    blank = admin.post(page(clinic), {"action": "issue", "user": "", "name": "x"})
    assert blank.status_code == 400 and not ApiToken.objects.exists()


def test_another_clinics_token_is_neither_listed_nor_revoked(
    admin: Client, clinic: Clinic, other_clinic: Clinic
) -> None:
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.services import add_member

    olga = User.objects.create_user("olga2@harbour.test", "correct horse battery")
    add_member(clinic=other_clinic, user=olga, role=Role.ADMIN)
    theirs, _ = issue_api_token(clinic=other_clinic, user=olga, name="Harbour booking")
    assert "Harbour booking" not in admin.get(page(clinic)).content.decode()
    assert admin.post(page(clinic), {"action": "revoke", "id": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_only_admins_see_the_page(
    doctor: Client, desk: Client, outsider: Client, admin: Client, clinic: Clinic, pedro: User
) -> None:
    for who in (doctor, desk):
        assert who.get(page(clinic)).status_code == 403
        assert who.post(page(clinic), {"action": "issue", "user": pedro.pk}).status_code == 403
    assert outsider.get(page(clinic)).status_code == 404
    assert not ApiToken.objects.exists()
    # The settings navigation offers the admin pages to admins only.
    settings_url = reverse("workspace:settings", args=[clinic.slug])
    assert page(clinic) in admin.get(settings_url).content.decode()
    assert page(clinic) not in doctor.get(settings_url).content.decode()
