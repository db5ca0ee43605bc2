"""Staff invitations: an admin invites an address in a role; the link works once, for
seven days, for that address only, unless revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import InvitationStatus, Role
from mesodesk.clinics.models import Clinic, Invitation, Membership
from mesodesk.clinics.services import accept_invitation, invite_member, revoke_invitation

LINKS: list[str] = []


def link(token: str) -> str:
    LINKS.append(token)
    return f"https://clinic.test/join/{token}/"


def invite(
    clinic: Clinic, by: User, email: str = "nina@example.test", role: Role = Role.PRACTITIONER
) -> tuple[Invitation, str]:
    LINKS.clear()
    invitation = invite_member(clinic=clinic, email=email, role=role, by=by, link=link)
    return invitation, LINKS[-1]


@pytest.fixture
def nina(db: None) -> User:
    return create_user(email="Nina@Example.test", password="correct horse battery")


def test_it_mails_a_one_time_link_and_stores_only_its_hash(
    clinic: Clinic, alice: User, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        invitation, token = invite(clinic, alice)
    assert token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@example.test"]
    assert f"https://clinic.test/join/{token}/" in message.body
    assert "Lindenhof Aesthetics" in message.subject
    assert "Practitioner" in message.body


def test_no_mail_goes_out_when_the_transaction_is_rolled_back(
    clinic: Clinic, alice: User, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # type: ignore[operator]
        invite(clinic, alice)
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_the_invitee_joins_in_the_role(clinic: Clinic, alice: User, nina: User) -> None:
    invitation, token = invite(clinic, alice, role=Role.FRONT_DESK)
    membership = accept_invitation(clinic=clinic, token=token, user=nina)
    assert membership.role == Role.FRONT_DESK
    invitation.refresh_from_db()
    assert invitation.status(timezone.now()) == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == nina


def test_the_link_works_once(clinic: Clinic, alice: User, nina: User) -> None:
    _, token = invite(clinic, alice)
    accept_invitation(clinic=clinic, token=token, user=nina)
    with pytest.raises(ValidationError, match="accepted"):
        accept_invitation(clinic=clinic, token=token, user=nina)


def test_it_expires_after_seven_days(clinic: Clinic, alice: User, nina: User) -> None:
    _, token = invite(clinic, alice)
    later = timezone.now() + timedelta(days=7, seconds=1)
    with time_machine.travel(later), pytest.raises(ValidationError, match="expired"):
        accept_invitation(clinic=clinic, token=token, user=nina)
    assert not Membership.objects.filter(user=nina).exists()


def test_a_revoked_invitation_cannot_be_accepted(clinic: Clinic, alice: User, nina: User) -> None:
    invitation, token = invite(clinic, alice)
    revoke_invitation(clinic=clinic, invitation=invitation, by=alice)
    with pytest.raises(ValidationError, match="revoked"):
        accept_invitation(clinic=clinic, token=token, user=nina)
    with pytest.raises(ValidationError):
        revoke_invitation(clinic=clinic, invitation=invitation, by=alice)


def test_only_the_invited_address_can_accept(clinic: Clinic, alice: User, pedro: User) -> None:
    _, token = invite(clinic, alice)
    with pytest.raises(ValidationError, match=r"nina@example\.test"):
        accept_invitation(clinic=clinic, token=token, user=pedro)


def test_a_token_of_another_clinic_is_unknown(
    clinic: Clinic, other_clinic: Clinic, alice: User, nina: User
) -> None:
    _, token = invite(clinic, alice)
    with pytest.raises(Invitation.DoesNotExist):
        accept_invitation(clinic=other_clinic, token=token, user=nina)


def test_only_admins_invite_and_revoke(clinic: Clinic, alice: User, pedro: User) -> None:
    with pytest.raises(PermissionDenied):
        invite(clinic, pedro)
    invitation, _ = invite(clinic, alice)
    with pytest.raises(PermissionDenied):
        revoke_invitation(clinic=clinic, invitation=invitation, by=pedro)


def test_it_refuses_staff_a_pending_invitation_and_a_bad_address(
    clinic: Clinic, alice: User, pedro: User
) -> None:
    with pytest.raises(ValidationError) as staff:
        invite(clinic, alice, email="PEDRO@lindenhof.test")
    assert "on the staff" in staff.value.message_dict["email"][0]
    invite(clinic, alice)
    with pytest.raises(ValidationError) as again:
        invite(clinic, alice, email="NINA@example.test")
    assert "has an invitation already" in again.value.message_dict["email"][0]
    with pytest.raises(ValidationError) as bad:
        invite(clinic, alice, email="not an address")
    assert "email" in bad.value.message_dict


def test_a_new_invitation_may_follow_an_expired_one(clinic: Clinic, alice: User) -> None:
    invite(clinic, alice)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        invitation, _ = invite(clinic, alice)
    assert Invitation.objects.filter(clinic=clinic).count() == 2
    assert invitation.role == Role.PRACTITIONER
