"""The exports app's pages: CSV exports, integration tokens and staff calendar feeds (for
clinic admins, in the settings area), a practitioner's own calendar feed, and the feed
itself (no sign-in: the secret address is the key)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.accounts.models import User
from mesodesk.accounts.services import issue_api_token, revoke_api_token
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.core.formats.ics import staff_calendar_ics
from mesodesk.exports import selectors, services
from mesodesk.exports.csvfile import csv_response, window_from
from mesodesk.exports.forms import IssueTokenForm
from mesodesk.workspace.views_clinic.common import add_service_errors, frame
from mesodesk.workspace.views_clinic.settings import row_id, settings_pages

ADMIN = (Role.ADMIN,)


def _page(
    request: StaffRequest, name: str, template: str, *, status: int = 200, **ctx: Any
) -> HttpResponse:
    context = frame(request, "settings", pages=settings_pages(request), page_name=name, **ctx)
    return render(request, f"exports/{template}", context, status=status)


# --- the staff calendar feed itself ------------------------------------------------------


def _clinic(clinic_slug: str) -> Clinic:
    return get_object_or_404(Clinic, slug=clinic_slug)


@require_safe
def staff_feed(request: HttpRequest, clinic_slug: str, secret: str) -> HttpResponse:
    """A practitioner's, room's or device's appointments as an iCalendar feed. Unknown and
    revoked addresses, and another clinic's, are 404. Each fetch is an access event, as
    for the patients' feed (the appointments carry patients' initials and times)."""
    clinic = _clinic(clinic_slug)
    feed = selectors.feed_by_secret(clinic, secret)
    if feed is None:
        raise Http404("Unknown calendar address.")
    # The path holds the secret: the access log keeps the clinic's part only.
    record_access(
        clinic=clinic,
        user=None,
        action=AccessAction.DOWNLOAD,
        obj=feed,
        ip=client_ip(request),
        path=reverse("workspace:today", args=[clinic.slug]) + "calendar/…",
    )
    body = staff_calendar_ics(
        selectors.feed_events(feed),
        name=f"{clinic.name}: {feed.subject_label}",
        zone=clinic.time_zone,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _feed_url(request: HttpRequest, clinic: Clinic, secret: str) -> str:
    return request.build_absolute_uri(
        reverse("workspace:staff_feed", kwargs={"clinic_slug": clinic.slug, "secret": secret})
    )


# --- a practitioner's own feed -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view(roles=(Role.PRACTITIONER,))
def my_feed(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """The practitioner's own calendar address: make it (shown this once), make a new one
    (the old one stops working), or stop it."""
    clinic, me = request.clinic, request.user
    assert isinstance(me, User)
    new_url = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            feed = selectors.live_feed_of(clinic, me)
            if feed is not None:
                services.revoke_feed(clinic=clinic, feed=feed, by=me)
            messages.success(request, "Your calendar address no longer works.")
            return redirect("workspace:my_feed", clinic_slug=clinic.slug)
        if action != "issue":
            raise Http404("No such action.")
        _, secret = services.issue_feed(clinic=clinic, by=me, practitioner=me)
        new_url = _feed_url(request, clinic, secret)
    context = frame(
        request,
        "today",
        feed=selectors.live_feed_of(clinic, me),
        new_url=new_url,
        past_days=selectors.FEED_PAST.days,
        ahead_days=selectors.FEED_AHEAD.days,
    )
    return render(request, "exports/my_feed.html", context)


# --- the admin's feeds page --------------------------------------------------------------


def _subject(clinic: Clinic, kind: str, raw_id: int) -> dict[str, Any]:
    if kind == "practitioner":
        member = selectors.practitioners(clinic).filter(user_id=raw_id).first()
        if member is None:
            raise Http404("No such practitioner.")
        return {"practitioner": member.user}
    if kind == "room":
        return {"room": get_object_or_404(Room, clinic=clinic, pk=raw_id)}
    if kind == "device":
        return {"device": get_object_or_404(Device, clinic=clinic, pk=raw_id)}
    raise Http404("No such calendar.")


@require_http_methods(["GET", "POST"])
@staff_view(roles=ADMIN)
def feeds(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Every practitioner's, room's and device's calendar address: make one (shown this
    once), make a new one, or stop one."""
    clinic, me = request.clinic, request.user
    assert isinstance(me, User)
    issued: tuple[str, str] | None = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            feed = selectors.get_live_feed(clinic, row_id(request))
            if feed is not None:
                services.revoke_feed(clinic=clinic, feed=feed, by=me)
                messages.success(request, f"The address of {feed.subject_label} no longer works.")
            return redirect("workspace:admin_feeds", clinic_slug=clinic.slug)
        if action != "issue":
            raise Http404("No such action.")
        subject = _subject(clinic, request.POST.get("kind", ""), row_id(request))
        feed, secret = services.issue_feed(clinic=clinic, by=me, **subject)
        issued = (feed.subject_label, _feed_url(request, clinic, secret))
    return _page(
        request,
        "admin_feeds",
        "feeds.html",
        rows=selectors.feed_rows(clinic),
        issued=issued,
        past_days=selectors.FEED_PAST.days,
        ahead_days=selectors.FEED_AHEAD.days,
    )


# --- CSV exports -------------------------------------------------------------------------


@require_GET
@staff_view(roles=ADMIN)
def exports(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """A form per export: its dates (the last 90 days unless changed) and a download."""
    return _page(
        request,
        "admin_exports",
        "exports.html",
        exports=selectors.EXPORTS.items(),
        default=selectors.default_window(request.clinic),
    )


@require_GET
@staff_view(roles=ADMIN)
def export_csv(
    request: StaffRequest, clinic_slug: str, kind: str
) -> HttpResponse | StreamingHttpResponse:
    """One export as a streamed CSV file; a malformed range shows the page again (400)."""
    if kind not in selectors.EXPORTS:
        raise Http404("No such export.")
    clinic, me = request.clinic, request.user
    assert isinstance(me, User)
    try:
        window = window_from(clinic, kind, request.GET)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(reverse("workspace:admin_exports", args=[clinic.slug]) + f"#{kind}")
    return csv_response(
        clinic=clinic, user=me, kind=kind, window=window, ip=client_ip(request), path=request.path
    )


# --- integration tokens ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view(roles=ADMIN)
def integrations(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """The clinic's API tokens; issue one for a staff member (shown this once, with the
    API and FHIR addresses), or revoke one."""
    clinic, me = request.clinic, request.user
    assert isinstance(me, User)
    form = IssueTokenForm(clinic=clinic)
    issued: dict[str, str] | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            token = selectors.get_api_token(clinic, row_id(request))
            if token is None:
                raise Http404("No such token.")
            revoke_api_token(token=token, by=me)
            messages.success(request, f"The token {token.prefix}… no longer works.")
            return redirect("workspace:admin_integrations", clinic_slug=clinic.slug)
        if action != "issue":
            raise Http404("No such action.")
        form = IssueTokenForm(request.POST, clinic=clinic)
        if form.is_valid():
            holder = User.objects.get(pk=form.cleaned_data["user"])
            try:
                token, raw = issue_api_token(
                    clinic=clinic, user=holder, name=form.cleaned_data["name"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
            else:
                issued = {"token": raw, "name": token.name, "holder": holder.email}
                form = IssueTokenForm(clinic=clinic)
        else:
            status = 400
    return _page(
        request,
        "admin_integrations",
        "integrations.html",
        status=status,
        tokens=selectors.api_tokens(clinic),
        form=form,
        issued=issued,
        api_base=request.build_absolute_uri("/api/v1/"),
        fhir_base=request.build_absolute_uri("/fhir/r4/"),
    )
