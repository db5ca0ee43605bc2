"""The staff page and invitations from the web: an admin invites, the invitee opens the
mailed link, signs up or in with that address, accepts and becomes staff."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Invitation, Membership
from mesodesk.clinics.services import add_member, invite_member, revoke_invitation

STAFF = "/staff/lindenhof/settings/staff/"
LINK = re.compile(r"http://testserver(/staff/lindenhof/invitation/[^/\s]+/)")


@pytest.fixture
def invited(admin: Client, clinic: Clinic, django_capture_on_commit_callbacks: object) -> str:
    """The path of the link Lindenhof's admin mailed to nina@example.test (practitioner)."""
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = admin.post(
            STAFF, {"action": "invite", "email": "nina@example.test", "role": "practitioner"}
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    found = LINK.search(message.body)
    assert found is not None
    return found.group(1)


def test_an_admin_sees_the_staff_and_the_invitations(invited: str, admin: Client) -> None:
    html = admin.get(STAFF).text
    assert "alice@lindenhof.test" in html
    assert "nina@example.test" in html and "Pending" in html
    assert "Revoke" in html


def test_other_roles_see_the_staff_but_no_invitations(
    invited: str, doctor: Client, pedro: User
) -> None:
    html = doctor.get(STAFF).text
    assert "pedro@lindenhof.test" in html
    assert "nina@example.test" not in html
    assert "Send invitation" not in html


def test_a_bad_address_is_refused_next_to_the_field(admin: Client) -> None:
    response = admin.post(STAFF, {"action": "invite", "email": "nina", "role": "admin"})
    assert response.status_code == 400
    assert 'id="id_email_error"' in response.text
    assert not Invitation.objects.exists()


def test_inviting_a_member_again_is_refused_next_to_the_field(admin: Client, pedro: User) -> None:
    data = {"action": "invite", "email": "pedro@lindenhof.test", "role": "admin"}
    response = admin.post(STAFF, data)
    assert response.status_code == 400
    assert "on the staff of Lindenhof Aesthetics already" in response.text


def test_an_anonymous_visitor_is_asked_to_sign_in_or_up(invited: str, client: Client) -> None:
    response = client.get(invited)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    html = response.text
    assert "Join Lindenhof Aesthetics" in html and "Practitioner" in html
    assert f"/accounts/login/?next={invited.replace('/', '%2F')}" in html
    assert "/accounts/signup/?next=" in html


def test_the_invitee_signs_up_verifies_signs_in_and_accepts(
    invited: str, client: Client, clinic: Clinic
) -> None:
    mail.outbox.clear()
    password = "a long enough passphrase 42"
    client.post(
        f"/accounts/signup/?next={invited}",
        {"email": "nina@example.test", "password1": password, "password2": password},
    )
    (verification,) = mail.outbox
    confirm = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+)", verification.body)
    assert confirm is not None
    client.post(confirm.group(1))
    signed_in = client.post(
        f"/accounts/login/?next={invited}",
        {"login": "nina@example.test", "password": password},
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == invited
    assert "Accept the invitation" in client.get(invited).text
    accepted = client.post(invited)
    assert accepted.status_code == 302
    assert accepted["Location"] == "/staff/lindenhof/"
    nina = User.objects.get(email="nina@example.test")
    assert Membership.objects.get(clinic=clinic, user=nina).role == Role.PRACTITIONER
    # Staff pages ask the new member for an authenticator app first.
    assert "/accounts/2fa/" in client.get("/staff/lindenhof/library/")["Location"]
    # The link worked once.
    assert "accepted" in client.get(invited).text


def test_someone_else_cannot_accept(invited: str, client: Client, clinic: Clinic) -> None:
    other = create_user(email="mallory@example.test", password="correct horse battery")
    client.force_login(other)
    assert "this invitation is for nina@example.test" in client.get(invited).text
    response = client.post(invited)
    assert response.status_code == 400
    assert not Membership.objects.filter(user=other).exists()


def test_an_anonymous_post_is_sent_to_sign_in(invited: str, client: Client) -> None:
    response = client.post(invited)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Membership.objects.filter(user__email="nina@example.test").exists()


def test_an_admin_revokes_and_the_link_stops_working(
    invited: str, admin: Client, client: Client
) -> None:
    invitation = Invitation.objects.get()
    assert admin.post(STAFF, {"action": "revoke", "id": invitation.pk}).status_code == 302
    assert "Revoked" in admin.get(STAFF).text
    nina = create_user(email="nina@example.test", password="correct horse battery")
    client.force_login(nina)
    assert "This invitation is revoked" in client.get(invited).text
    assert client.post(invited).status_code == 400
    assert not Membership.objects.filter(user=nina).exists()


def test_unknown_links_and_other_clinics_are_404(
    invited: str, client: Client, other_clinic: Clinic
) -> None:
    assert client.get("/staff/lindenhof/invitation/nonsense/").status_code == 404
    assert client.get(invited.replace("lindenhof", "harbour")).status_code == 404
    assert client.get(invited.replace("lindenhof", "nowhere")).status_code == 404


def test_another_clinics_invitation_cannot_be_revoked(admin: Client, other_clinic: Clinic) -> None:
    boss = create_user(email="boss@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=boss, role=Role.ADMIN)
    theirs = invite_member(
        clinic=other_clinic, email="x@example.test", role=Role.ADMIN, by=boss, link=str
    )
    assert admin.post(STAFF, {"action": "revoke", "id": theirs.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoking_twice_says_why(invited: str, admin: Client, alice: User, clinic: Clinic) -> None:
    invitation = Invitation.objects.get()
    revoke_invitation(clinic=clinic, invitation=invitation, by=alice)
    response = admin.post(STAFF, {"action": "revoke", "id": invitation.pk}, follow=True)
    assert "Only a pending invitation can be revoked." in response.text
