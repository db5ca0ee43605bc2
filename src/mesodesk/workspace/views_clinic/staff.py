"""The clinic's staff and invitations: an admin invites an e-mail address in a role, the
invitee opens the one-time link, signs in (or signs up) and joins; admins revoke pending
invitations. The link's page is the one page here for people not (yet) on the staff."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.clinics import selectors, services
from mesodesk.clinics.choices import InvitationStatus, Role
from mesodesk.clinics.models import Invitation
from mesodesk.workspace.forms_clinic import InviteForm
from mesodesk.workspace.views_clinic.settings import admin_post, attempt, page, row_id


@require_http_methods(["GET", "POST"])
@staff_view()
def staff(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Who works here in which role; for admins, invitations: send, see, revoke."""
    clinic = request.clinic
    form = InviteForm()
    if request.method == "POST":
        action = admin_post(request)
        if action == "invite":
            form = InviteForm(request.POST)

            def link(token: str) -> str:
                path = reverse(
                    "workspace:invitation", kwargs={"clinic_slug": clinic_slug, "token": token}
                )
                return request.build_absolute_uri(path)

            if attempt(
                form,
                lambda: services.invite_member(
                    clinic=clinic, by=request.user, link=link, **form.cleaned_data
                ),
            ):
                messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
                return redirect("workspace:settings_staff", clinic_slug=clinic_slug)
        elif action == "revoke":
            invitation = selectors.get_invitation(clinic, row_id(request))
            try:
                services.revoke_invitation(clinic=clinic, invitation=invitation, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"The invitation to {invitation.email} is revoked.")
            return redirect("workspace:settings_staff", clinic_slug=clinic_slug)
        else:
            raise Http404("No such action.")
    is_admin = request.membership.role == Role.ADMIN
    now = timezone.now()
    invitations = (
        [(i, i.status(now)) for i in selectors.invitations(clinic)[:50]] if is_admin else []
    )
    return page(
        request,
        "settings_staff",
        "staff.html",
        form=form,
        members=selectors.memberships_of_clinic(clinic=clinic),
        invitations=invitations,
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, clinic_slug: str, token: str) -> HttpResponse:
    """The invitation link: who invites whom in which role; sign in (or up) with the
    invited address, then accept. An unknown link is a 404, like a clinic that isn't."""
    clinic = selectors.clinic_by_slug(slug=clinic_slug)
    if clinic is None:
        raise Http404("No such invitation.")
    invite: Invitation = selectors.invitation_by_token(clinic, token)
    status = invite.status(timezone.now())
    problem = ""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(_sign_in_url(request))
        try:
            services.accept_invitation(clinic=clinic, token=token, user=request.user)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(
                request, f"Welcome to {clinic.name}. Staff pages need an authenticator app."
            )
            return redirect("workspace:today", clinic_slug=clinic.slug)
    user = request.user
    response = render(
        request,
        "workspace/clinic/invitation.html",
        {
            "clinic": clinic,
            "invitation": invite,
            "status": status,
            "pending": status == InvitationStatus.PENDING,
            "problem": problem,
            "other_address": user.is_authenticated and user.email.lower() != invite.email.lower(),
            "sign_in_url": _sign_in_url(request),
            "sign_up_url": reverse("account_signup")
            + "?"
            + urlencode({REDIRECT_FIELD_NAME: request.path}),
        },
        status=400 if problem else 200,
    )
    # The token is in the URL: keep it out of other sites' logs and out of caches.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _sign_in_url(request: HttpRequest) -> str:
    return reverse("account_login") + "?" + urlencode({REDIRECT_FIELD_NAME: request.path})
