"""API tokens: issued once, stored as a digest, accepted until revoked."""

from __future__ import annotations

import hashlib
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from mesodesk.accounts.models import ApiToken, User
from mesodesk.accounts.services import (
    authenticate_api_token,
    create_user,
    issue_api_token,
    revoke_api_token,
)
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.clinics.services import add_member


def test_a_token_is_shown_once_and_only_its_digest_is_stored(clinic: Clinic, pedro: User) -> None:
    token, raw = issue_api_token(clinic=clinic, user=pedro, name=" lab import ")
    assert raw.startswith("mdk_")
    assert len(raw) == 4 + 43
    assert token.prefix == raw[:8]
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert token.name == "lab import"
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in {str(value) for value in stored.values()}


def test_the_token_authenticates_as_its_user_in_its_clinic(clinic: Clinic, pedro: User) -> None:
    issued, raw = issue_api_token(clinic=clinic, user=pedro)
    token = authenticate_api_token(raw)
    assert token == issued
    assert token.user == pedro
    assert token.clinic == clinic


def test_what_is_not_a_live_token_authenticates_nobody(clinic: Clinic, pedro: User) -> None:
    _, raw = issue_api_token(clinic=clinic, user=pedro)
    for wrong in ("", raw[:-1], raw + "x", raw.upper(), raw[4:], "mdk_" + "A" * 200):
        assert authenticate_api_token(wrong) is None, wrong


def test_a_revoked_token_is_rejected(clinic: Clinic, alice: User, pedro: User) -> None:
    token, raw = issue_api_token(clinic=clinic, user=pedro)
    revoke_api_token(token=token, by=alice)
    assert token.revoked_at is not None
    assert token.revoked_by == alice
    assert authenticate_api_token(raw) is None
    revoked_at = token.revoked_at
    revoke_api_token(token=token, by=pedro)  # again: nothing changes
    assert token.revoked_at == revoked_at
    assert token.revoked_by == alice


def test_only_the_owner_or_a_clinic_admin_may_revoke_a_token(
    clinic: Clinic, other_clinic: Clinic, pedro: User, fiona: User
) -> None:
    token, raw = issue_api_token(clinic=clinic, user=pedro)
    harbour_admin = create_user(email="hana@harbour.test", password=None)
    add_member(clinic=other_clinic, user=harbour_admin, role=Role.ADMIN)
    for stranger in (fiona, harbour_admin):
        with pytest.raises(PermissionDenied):
            revoke_api_token(token=token, by=stranger)
    assert authenticate_api_token(raw) is not None
    revoke_api_token(token=token, by=pedro)
    assert authenticate_api_token(raw) is None


def test_a_token_for_someone_who_is_not_staff_of_the_clinic_is_refused(
    clinic: Clinic, other_clinic: Clinic, pedro: User
) -> None:
    with pytest.raises(ValidationError) as refusal:
        issue_api_token(clinic=other_clinic, user=pedro)
    assert refusal.value.message_dict == {"user": ["pedro@lindenhof.test is not staff at harbour."]}
    assert not ApiToken.objects.exists()


def test_a_token_stops_working_when_its_user_leaves_the_clinic_or_is_deactivated(
    clinic: Clinic, pedro: User, fiona: User
) -> None:
    _, pedros = issue_api_token(clinic=clinic, user=pedro)
    _, fionas = issue_api_token(clinic=clinic, user=fiona)
    # (No service removes a member yet; the row going is what matters here.)
    Membership.objects.filter(clinic=clinic, user=pedro).delete()
    assert authenticate_api_token(pedros) is None
    fiona.is_active = False
    fiona.save(update_fields=["is_active"])
    assert authenticate_api_token(fionas) is None


def test_the_time_of_use_is_noted_at_most_once_a_minute(
    clinic: Clinic,
    pedro: User,
    clock: time_machine.Traveller,
    django_assert_num_queries,
) -> None:
    token, raw = issue_api_token(clinic=clinic, user=pedro)
    assert token.last_used_at is None
    with django_assert_num_queries(2):  # the lookup, then noting the time
        first = authenticate_api_token(raw)
    clock.shift(59)
    with django_assert_num_queries(1):  # the lookup only
        authenticate_api_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == first.last_used_at
    clock.shift(1)
    authenticate_api_token(raw)
    token.refresh_from_db()
    assert (token.last_used_at - first.last_used_at).total_seconds() == 60


# --- mesodesk api-token ---------------------------------------------------------------


def api_token(*args: str) -> tuple[int, str, str]:
    """Runs the command in this process: its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("api_token", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_command_prints_only_a_token_that_authenticates(clinic: Clinic, pedro: User) -> None:
    status, out, err = api_token(
        "--clinic", "lindenhof", "--email", "PEDRO@lindenhof.test", "--name", "lab import"
    )
    assert (status, err) == (0, "")
    raw = out.removesuffix("\n")
    assert "\n" not in raw
    token = authenticate_api_token(raw)
    assert token is not None
    assert (token.user, token.clinic, token.name) == (pedro, clinic, "lab import")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--clinic", "nowhere", "--email", "pedro@lindenhof.test"),
            "mesodesk api-token: no clinic with slug 'nowhere'",
        ),
        (
            ("--clinic", "lindenhof", "--email", "nobody@lindenhof.test"),
            "mesodesk api-token: no user with e-mail address 'nobody@lindenhof.test'",
        ),
        (
            ("--clinic", "harbour", "--email", "pedro@lindenhof.test"),
            "mesodesk api-token: pedro@lindenhof.test is not staff at harbour.",
        ),
    ],
)
def test_the_command_explains_a_mistake_in_one_line_and_exits_2(
    other_clinic: Clinic, pedro: User, args: tuple[str, ...], message: str
) -> None:
    status, out, err = api_token(*args)
    assert (status, out, err) == (2, "", message + "\n")
    assert not ApiToken.objects.exists()
