"""Who may see a clinic's pages and API: every staff view and endpoint asks here first.

Three answers, checked in this order:

1. Not staff of the clinic → `Http404`, exactly as for a clinic that does not exist, so an
   outsider never learns which clinics there are.
2. Staff without an activated TOTP authenticator → `MFARequired`: the page sends them to
   allauth's set-up page; the API answers 403 with code "mfa_required".
3. Staff whose role may not do this → `PermissionDenied` (403), from `require_role`.

A session is trusted to have passed MFA when its user has an authenticator: allauth's
sign-in asks for the TOTP code (or a recovery code) whenever one exists, and someone who
activates TOTP mid-session has just proved a code. That holds only while every sign-in
goes through allauth: the admin's own login form must be routed there too (urls.py:
`admin.site.login = secure_admin_login(admin.site.login)`).

Requests authenticated by an API token (`attach_api_token`) need no TOTP of their own:
the token is a credential that an operator issued on the server (`mesodesk api-token`), and
integration accounts have no password to sign in with. A token works only for its clinic.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, ParamSpec, cast

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership

if TYPE_CHECKING:
    from mesodesk.accounts.models import ApiToken

MFA_REQUIRED_CODE = "mfa_required"


class MFARequired(PermissionDenied):
    """A staff member must activate a TOTP authenticator before seeing clinic data.

    A PermissionDenied, so that a caller that forgets to handle it still answers 403.
    """

    code = MFA_REQUIRED_CODE
    message = "Set up two-factor authentication (an authenticator app) first."

    def __init__(self) -> None:
        super().__init__(self.message)

    @property
    def setup_url(self) -> str:
        """allauth's page for activating an authenticator app."""
        return reverse("mfa_activate_totp")


class StaffRequest(HttpRequest):
    """A request that `staff_view` let through (for type checkers)."""

    membership: Membership
    clinic: Clinic


def attach_api_token(request: HttpRequest, token: ApiToken) -> None:
    """Marks `request` as made with `token` (by the API's token authentication): its user
    becomes the token's, and `staff_membership` admits it to the token's clinic only."""
    request.user = token.user
    request.api_token = token  # type: ignore[attr-defined]


def _memberships(request: HttpRequest) -> QuerySet[Membership]:
    has_totp = Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP)
    return Membership.objects.filter(user_id=request.user.pk).annotate(has_totp=Exists(has_totp))


def _admit(request: HttpRequest, membership: Membership | None) -> Membership:
    token: ApiToken | None = getattr(request, "api_token", None)
    if membership is None or (token is not None and token.clinic_id != membership.clinic_id):
        raise Http404("No such clinic.")
    if token is None and not membership.has_totp:  # type: ignore[attr-defined]
        raise MFARequired
    return membership


def staff_membership(request: HttpRequest, clinic: Clinic) -> Membership:
    """The signed-in user's membership of `clinic`: Http404 if they are not staff there,
    MFARequired if they have no TOTP authenticator. One query."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        raise Http404("No such clinic.")
    membership = _memberships(request).filter(clinic=clinic).first()
    if membership is not None:
        membership.clinic = clinic
    return _admit(request, membership)


def staff_membership_by_slug(request: HttpRequest, clinic_slug: str) -> Membership:
    """As `staff_membership`, for a clinic named by its slug (fetched in the same query);
    an unknown slug is the same Http404 as a clinic one is not staff of."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        raise Http404("No such clinic.")
    membership = _memberships(request).filter(clinic__slug=clinic_slug).select_related("clinic")
    return _admit(request, membership.first())


def require_role(membership: Membership, *roles: Role) -> None:
    """PermissionDenied unless the member has one of `roles`."""
    if membership.role not in roles:
        raise PermissionDenied("Your role in this clinic does not allow this.")


P = ParamSpec("P")
StaffView = Callable[Concatenate[StaffRequest, str, P], HttpResponse]
View = Callable[Concatenate[HttpRequest, str, P], HttpResponse]


def staff_view(*, roles: tuple[Role, ...] | None = None) -> Callable[[StaffView[P]], View[P]]:
    """Decorates a function view that takes `clinic_slug`: signs in anonymous visitors,
    404s outsiders, sends staff without TOTP to set it up, 403s other roles than `roles`
    (all roles when None), and sets `request.membership` and `request.clinic`."""

    def decorate(view: StaffView[P]) -> View[P]:
        @wraps(view)
        def wrapper(
            request: HttpRequest, clinic_slug: str, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                membership = staff_membership_by_slug(request, clinic_slug)
            except MFARequired as refusal:
                messages.warning(request, refusal.message, fail_silently=True)
                return redirect(refusal.setup_url)
            if roles is not None:
                require_role(membership, *roles)
            staff_request = cast(StaffRequest, request)
            staff_request.membership = membership
            staff_request.clinic = membership.clinic
            return view(staff_request, clinic_slug, *args, **kwargs)

        return wrapper

    return decorate
