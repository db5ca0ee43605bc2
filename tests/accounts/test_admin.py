"""Users and API tokens in the Django admin."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from mesodesk.accounts.models import ApiToken, User
from mesodesk.accounts.services import authenticate_api_token, create_user, issue_api_token
from mesodesk.clinics.models import Clinic
from tests.accounts.helpers import sign_in, signed_in_user_id


def site_admin(client: Client) -> User:
    admin = create_user(email="root@example.org", password=None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    return admin


def test_someone_an_admin_adds_can_sign_in_without_a_confirmation_mail(
    client: Client, db: None
) -> None:
    site_admin(client)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "nina@lindenhof.test",
            "usable_password": "true",
            "password1": "a long passphrase here",
            "password2": "a long passphrase here",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nina@lindenhof.test")
    assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()

    client.logout()
    sign_in(client, "nina@lindenhof.test", "a long passphrase here")
    assert signed_in_user_id(client) == str(user.pk)


def test_the_admin_lists_tokens_without_the_secret_and_revokes_them(
    client: Client, clinic: Clinic, pedro: User
) -> None:
    token, raw = issue_api_token(clinic=clinic, user=pedro, name="lab import")
    admin = site_admin(client)
    listing = client.get(reverse("admin:accounts_apitoken_changelist"))
    assert listing.status_code == 200
    assert token.prefix in listing.text
    assert raw not in listing.text
    assert token.digest not in listing.text

    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [str(token.pk)]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == admin
    assert authenticate_api_token(raw) is None
    assert ApiToken.objects.filter(pk=token.pk).exists()
