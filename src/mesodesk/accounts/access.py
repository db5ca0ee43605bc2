"""Who may see a clinic's pages and API: every staff view and endpoint asks here first.

Three answers, checked in this order:

1. Not staff of the clinic → `Http404`, exactly as for a clinic that does not exist, so an
   outsider never learns which clinics there are.
2. Staff whose session has not passed MFA → `MFARequired`: the page sends them to set up
   TOTP (or, if they have it, to prove a code); the API answers 403 "mfa_required".
3. Staff whose role may not do this → `PermissionDenied` (403), from `require_role`.

"Passed MFA" is about THIS session, not the user: allauth writes an authentication record
with method "mfa" into the session when the sign-in (or a re-authentication) asks for the
TOTP or a recovery code, and `services.start_mfa_session` writes one when the user
activates TOTP in the session. And the user must still have TOTP. Owning an authenticator
is not enough: a session opened before TOTP was set up never gave a code (it is signed out
when TOTP is activated anyway: `User.session_generation`).

The admin asks the same (`admin_has_permission`, `mfa_admin_login`, wired in urls.py).

Requests authenticated by an API token (`attach_api_token`) need no TOTP of their own:
the token is a credential that an operator issued on the server (`mesodesk api-token`), and
integration accounts have no password to sign in with. A token works only for its clinic.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, cast

from allauth.account.authentication import get_authentication_records
from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership

if TYPE_CHECKING:
    from mesodesk.accounts.models import ApiToken

MFA_REQUIRED_CODE = "mfa_required"


class MFARequired(PermissionDenied):
    """A staff member's session must pass MFA (TOTP) before seeing clinic data.

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
    user: User  # staff_view lets signed-in staff only through


def attach_api_token(request: HttpRequest, token: ApiToken) -> None:
    """Marks `request` as made with `token` (by the API's token authentication): its user
    becomes the token's, and `staff_membership` admits it to the token's clinic only."""
    request.user = token.user
    request.api_token = token  # type: ignore[attr-defined]


MFA_METHOD = "mfa"  # allauth's authentication record of a TOTP or recovery code


def session_records_mfa(request: HttpRequest) -> bool:
    """Whether this session's user gave a second factor in this session (allauth's
    authentication records, which belong to the session and are dropped at sign-out)."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == MFA_METHOD for record in records)


def _has_totp(user_id: object) -> QuerySet[Authenticator]:
    return Authenticator.objects.filter(user=user_id, type=Authenticator.Type.TOTP)


def session_passed_mfa(request: HttpRequest) -> bool:
    """Whether the signed-in user has TOTP and gave a second factor in this session.

    For the admin; a query at most once per request (the answer is kept on the request).
    """
    user = request.user
    if not user.is_authenticated:
        return False
    cached: bool | None = getattr(request, "_mesodesk_passed_mfa", None)
    if cached is None:
        cached = session_records_mfa(request) and _has_totp(user.pk).exists()
        request._mesodesk_passed_mfa = cached  # type: ignore[attr-defined]
    return cached


def mfa_url(request: HttpRequest, *, next_url: str | None = None) -> str:
    """Where a user whose session has not passed MFA goes: to set up TOTP, or, if they have
    it (a session that never asked for it), to prove a code; then back to `next_url`."""
    if _has_totp(request.user.pk).exists():
        url = reverse("mfa_reauthenticate")
        if next_url:
            url += "?" + urlencode({REDIRECT_FIELD_NAME: next_url})
        return url
    return reverse("mfa_activate_totp")


def _memberships(request: HttpRequest) -> QuerySet[Membership]:
    has_totp = _has_totp(OuterRef("user"))
    return Membership.objects.filter(user_id=cast(int, request.user.pk)).annotate(
        has_totp=Exists(has_totp)
    )


def _admit(request: HttpRequest, membership: Membership | None) -> Membership:
    token: ApiToken | None = getattr(request, "api_token", None)
    if membership is None or (token is not None and token.clinic_id != membership.clinic_id):
        raise Http404("No such clinic.")
    if token is None and not (
        membership.has_totp  # type: ignore[attr-defined]
        and session_records_mfa(request)
    ):
        raise MFARequired
    return membership


def staff_membership(request: HttpRequest, clinic: Clinic) -> Membership:
    """The signed-in user's membership of `clinic`: Http404 if they are not staff there,
    MFARequired unless they have TOTP and this session passed MFA (API tokens excepted).
    One query."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        raise Http404("No such clinic.")
    membership = _memberships(request).filter(clinic=clinic).first()
    if membership is not None:
        membership.clinic = clinic
    return _admit(request, membership)


def staff_membership_by_slug(request: HttpRequest, clinic_slug: str) -> Membership:
    """As `staff_membership`, for a clinic named by its slug (fetched in the same query);
    an unknown slug is the same Http404 as a clinic one is not staff of. No query for a
    request made with an API token, nor for a session's user read with their memberships
    (`user_with_memberships`): the membership came with them."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        raise Http404("No such clinic.")
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is not None:
        # Fetched with the token, in its one query (accounts.services.authenticate_api_token).
        if token.clinic.slug != clinic_slug:
            raise Http404("No such clinic.")
        return token.membership  # type: ignore[attr-defined]  # set by the token authentication
    # With its clinic and, as `has_totp`, whether the user has TOTP.
    return _admit(request, memberships_of(user).get(clinic_slug))


# Where `user_with_memberships` leaves a user's memberships, by their clinic's slug.
_MEMBERSHIPS = "_mesodesk_memberships"


def user_with_memberships(user_id: int) -> User | None:
    """The user whose id is `user_id`, read with their memberships of every clinic (each
    with its clinic and, as `has_totp`, whether the user has TOTP), which the staff pages
    and the API then take as `staff_membership_by_slug` asks them: one statement where
    reading the session's user and then its membership of the page's clinic took two
    (accounts.backends reads the session's user this way; issue 15). They are what the
    request began with: a request that changes someone's memberships answers with a
    redirect, and the next request reads them again."""
    db = router.db_for_read(User)
    found = rows.fetch(_user_with_memberships_sql(db), [Authenticator.Type.TOTP.value, user_id], db)
    if not found:
        return None
    # Plain SQL made once from the models (mesodesk.rows): every signed-in request reads
    # it first, and building it through the ORM cost more than the database's work.
    user_shape = rows.shape(User, db)
    user: User = user_shape.load(found[0], 0, db)
    has_totp = bool(found[0][-1])
    memberships: dict[str, Membership] = {}
    # (No membership: the LEFT JOIN's one row, whose membership is None.)
    for membership, clinic in rows.load_all(
        [row[user_shape.width :] for row in found], Membership, Clinic, db=db
    ):
        if membership is not None:
            membership.clinic = clinic
            membership.has_totp = has_totp
            memberships[clinic.slug] = membership
    setattr(user, _MEMBERSHIPS, memberships)
    return user


def memberships_of(user: Any) -> dict[str, Membership]:
    """The user's memberships by clinic slug, as `user_with_memberships` reads them: the
    ones read with the session's user (no query), else read now (one statement, the
    sign-in's own request) and kept with `user` for the rest of the request."""
    read: dict[str, Membership] | None = getattr(user, _MEMBERSHIPS, None)
    if read is None:
        found = user_with_memberships(user.pk)
        read = {} if found is None else getattr(found, _MEMBERSHIPS)
        setattr(user, _MEMBERSHIPS, read)
    return read


@cache
def _user_with_memberships_sql(db: str) -> str:
    u, m, c, a = (rows.table(model, db) for model in (User, Membership, Clinic, Authenticator))
    selected = rows.columns_of((User, "u"), (Membership, "m"), (Clinic, "c"), db=db)
    return (
        f"SELECT {selected}, EXISTS(SELECT 1 FROM {a} x WHERE x.user_id = u.id AND x.type = %s)"  # noqa: S608 - names from the models, values as parameters
        f" FROM {u} u LEFT JOIN {m} m ON m.user_id = u.id LEFT JOIN {c} c ON c.id = m.clinic_id"
        " WHERE u.id = %s"
    )


def require_role(membership: Membership, *roles: Role) -> None:
    """PermissionDenied unless the member has one of `roles`."""
    if membership.role not in roles:
        raise PermissionDenied("Your role in this clinic does not allow this.")


P = ParamSpec("P")
StaffView = Callable[Concatenate[StaffRequest, str, P], HttpResponseBase]
View = Callable[Concatenate[HttpRequest, str, P], HttpResponseBase]


def staff_view(*, roles: tuple[Role, ...] | None = None) -> Callable[[StaffView[P]], View[P]]:
    """Decorates a function view that takes `clinic_slug`: signs in anonymous visitors,
    404s outsiders, sends staff whose session has not passed MFA to set up TOTP (or give a
    code), 403s other roles than `roles` (all roles when None), and sets
    `request.membership` and `request.clinic`."""

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
                return redirect(mfa_url(request, next_url=request.get_full_path()))
            if roles is not None:
                require_role(membership, *roles)
            staff_request = cast(StaffRequest, request)
            staff_request.membership = membership
            staff_request.clinic = membership.clinic
            return view(staff_request, clinic_slug, *args, **kwargs)  # type: ignore[return-value]

        return wrapper

    return decorate


# --- the admin ---------------------------------------------------------------------------


def admin_has_permission(
    has_permission: Callable[[HttpRequest], bool],
) -> Callable[[HttpRequest], bool]:
    """Wraps `AdminSite.has_permission`: an active staff user, AND a session that passed
    MFA. Every admin page but the login asks this, so no admin page shows anything to a
    session without the second factor."""

    @wraps(has_permission)
    def wrapper(request: HttpRequest) -> bool:
        return has_permission(request) and session_passed_mfa(request)

    return wrapper


def mfa_admin_login(login: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps `AdminSite.login`: sign-in goes through allauth (which asks for the TOTP code
    when the user has TOTP: `secure_admin_login`), and a signed-in staff member whose
    session has not passed MFA is sent to set up TOTP or give a code, not to the admin's
    own login form."""
    secured = secure_admin_login(login)

    @wraps(login)
    def wrapper(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not (user.is_active and user.is_staff):
            # Signed in, but not a site administrator (clinic staff, a patient): say so,
            # and where clinic admins find their settings, rather than a bare 403.
            return render(request, "admin_denied.html", status=403)
        staff = user.is_authenticated and user.is_active and user.is_staff
        if staff and not session_passed_mfa(request):
            next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = reverse("admin:index")
            messages.warning(request, MFARequired.message, fail_silently=True)
            return HttpResponseRedirect(mfa_url(request, next_url=next_url))
        return secured(request, extra_context)

    return wrapper
