"""Who gets into a clinic: staff_membership, require_role and the staff_view decorator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from mesodesk.accounts.access import (
    MFA_REQUIRED_CODE,
    MFARequired,
    StaffRequest,
    attach_api_token,
    require_role,
    staff_membership,
    staff_view,
)
from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user, issue_api_token
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_member
from tests.accounts.helpers import give_totp, record_mfa

MakeRequest = Callable[..., HttpRequest]


@pytest.fixture
def request_as(rf: RequestFactory) -> MakeRequest:
    """A GET request with a session and messages, signed in as `user` (or anonymous);
    with `mfa=True` the user has TOTP and gave a code in this session."""

    def make(user: User | None, path: str = "/lindenhof/", *, mfa: bool = False) -> HttpRequest:
        request = rf.get(path)
        request.user = user if user is not None else AnonymousUser()
        request.session = SessionStore()
        request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
        if mfa and user is not None:
            record_mfa(request, user)
        return request

    return make


def test_a_staff_member_without_totp_must_set_it_up_first(
    request_as: MakeRequest, clinic: Clinic, pedro: User
) -> None:
    with pytest.raises(MFARequired) as refusal:
        staff_membership(request_as(pedro), clinic)
    assert refusal.value.code == MFA_REQUIRED_CODE == "mfa_required"
    assert refusal.value.setup_url == reverse("mfa_activate_totp")
    assert isinstance(refusal.value, PermissionDenied)


def test_owning_totp_is_not_enough_the_session_must_have_given_a_code(
    request_as: MakeRequest, clinic: Clinic, pedro: User
) -> None:
    # The review's finding: a session that never gave a code, of a user who has TOTP.
    give_totp(pedro)
    with pytest.raises(MFARequired):
        staff_membership(request_as(pedro), clinic)


def test_a_session_that_gave_a_code_is_refused_once_totp_is_removed(
    request_as: MakeRequest, clinic: Clinic, pedro: User
) -> None:
    request = request_as(pedro, mfa=True)
    assert staff_membership(request, clinic).user == pedro
    Authenticator.objects.filter(user=pedro).delete()
    with pytest.raises(MFARequired):
        staff_membership(request, clinic)


def test_a_code_given_in_a_session_of_someone_else_does_not_count(
    request_as: MakeRequest, clinic: Clinic, pedro: User, fiona: User
) -> None:
    request = request_as(fiona, mfa=True)
    give_totp(pedro)
    request.user = pedro  # the same session, now of another user: allauth's records are not
    with pytest.raises(MFARequired):
        staff_membership(request, clinic)


def test_a_staff_member_with_totp_gets_their_membership_in_one_query(
    request_as: MakeRequest, clinic: Clinic, pedro: User, django_assert_num_queries
) -> None:
    request = request_as(pedro, mfa=True)
    with django_assert_num_queries(1):
        membership = staff_membership(request, clinic)
        assert membership.clinic == clinic
    assert membership.user == pedro
    assert membership.role == Role.PRACTITIONER


def test_an_outsider_is_told_the_clinic_does_not_exist(
    request_as: MakeRequest, clinic: Clinic, other_clinic: Clinic
) -> None:
    harbour = create_user(email="hana@harbour.test", password="x" * 20)
    add_member(clinic=other_clinic, user=harbour, role=Role.ADMIN)
    with pytest.raises(Http404):
        staff_membership(request_as(harbour, mfa=True), clinic)
    assert staff_membership(request_as(harbour, mfa=True), other_clinic).role == Role.ADMIN


def test_an_outsider_without_totp_gets_404_not_a_hint_to_set_it_up(
    request_as: MakeRequest, other_clinic: Clinic, pedro: User
) -> None:
    with pytest.raises(Http404):
        staff_membership(request_as(pedro), other_clinic)


def test_an_anonymous_visitor_gets_404(request_as: MakeRequest, clinic: Clinic) -> None:
    with pytest.raises(Http404):
        staff_membership(request_as(None), clinic)


def test_a_deactivated_staff_member_gets_404(
    request_as: MakeRequest, clinic: Clinic, pedro: User
) -> None:
    request = request_as(pedro, mfa=True)
    pedro.is_active = False
    with pytest.raises(Http404):
        staff_membership(request, clinic)


def test_a_role_that_may_not_do_something_is_refused(
    request_as: MakeRequest, clinic: Clinic, fiona: User
) -> None:
    membership = staff_membership(request_as(fiona, mfa=True), clinic)
    with pytest.raises(PermissionDenied):
        require_role(membership, Role.PRACTITIONER, Role.ADMIN)
    require_role(membership, Role.FRONT_DESK, Role.ADMIN)  # no exception: allowed


def test_an_api_token_needs_no_totp_but_works_only_for_its_own_clinic(
    request_as: MakeRequest, clinic: Clinic, other_clinic: Clinic, pedro: User
) -> None:
    add_member(clinic=other_clinic, user=pedro, role=Role.PRACTITIONER)
    token, _ = issue_api_token(clinic=clinic, user=pedro, name="lab import")
    request = request_as(None)
    attach_api_token(request, token)
    assert request.user == pedro
    assert staff_membership(request, clinic).user == pedro
    with pytest.raises(Http404):
        staff_membership(request, other_clinic)


# --- the staff_view decorator ---------------------------------------------------------


@staff_view(roles=(Role.PRACTITIONER, Role.ADMIN))
def clinical_page(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    return HttpResponse(f"{request.clinic.slug} {request.membership.role} {clinic_slug}")


@staff_view()
def any_staff_page(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    return HttpResponse(request.membership.get_role_display())


def test_the_decorator_lets_a_member_with_totp_in_and_names_the_clinic_and_role(
    request_as: MakeRequest, clinic: Clinic, pedro: User, django_assert_num_queries
) -> None:
    request = request_as(pedro, mfa=True)
    with django_assert_num_queries(1):
        response = clinical_page(request, clinic_slug="lindenhof")
    assert response.content == b"lindenhof practitioner lindenhof"


def test_the_decorator_sends_an_anonymous_visitor_to_sign_in(
    request_as: MakeRequest, clinic: Clinic
) -> None:
    response = clinical_page(request_as(None, "/lindenhof/patients/"), clinic_slug="lindenhof")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/lindenhof/patients/"


def test_the_decorator_sends_a_member_without_totp_to_set_it_up(
    request_as: MakeRequest, clinic: Clinic, pedro: User
) -> None:
    request = request_as(pedro)
    response = clinical_page(request, clinic_slug="lindenhof")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert [str(m) for m in request._messages] == [MFARequired.message]  # type: ignore[attr-defined]


def test_the_decorator_asks_a_member_with_totp_for_a_code_when_the_session_gave_none(
    request_as: MakeRequest, clinic: Clinic, pedro: User
) -> None:
    give_totp(pedro)
    response = clinical_page(request_as(pedro, "/lindenhof/patients/"), clinic_slug="lindenhof")
    assert response.status_code == 302
    expected = reverse("mfa_reauthenticate") + "?next=%2Flindenhof%2Fpatients%2F"
    assert response["Location"] == expected


def test_the_decorator_answers_404_alike_for_another_clinic_and_an_unknown_one(
    request_as: MakeRequest, clinic: Clinic, other_clinic: Clinic, pedro: User
) -> None:
    for slug in ("harbour", "no-such-clinic"):
        with pytest.raises(Http404):
            clinical_page(request_as(pedro, mfa=True), clinic_slug=slug)


def test_the_decorator_refuses_a_role_the_view_does_not_allow(
    request_as: MakeRequest, clinic: Clinic, fiona: User
) -> None:
    with pytest.raises(PermissionDenied):
        clinical_page(request_as(fiona, mfa=True), clinic_slug="lindenhof")
    page = any_staff_page(request_as(fiona, mfa=True), clinic_slug="lindenhof")
    assert page.content == b"Front desk"
