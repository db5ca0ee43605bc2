"""The portal's pages around a session: the personal timeline, its calendar download and
private feed, the side-effect report, reminder choices, and deleting the account."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_today
from mesodesk.core.formats.ics import patient_calendar_ics
from mesodesk.core.library import load_library
from mesodesk.core.library.model import Kind, Phase
from mesodesk.core.phones import shown
from mesodesk.core.timeline import Item, Timeline
from mesodesk.messaging import selectors as messaging_selectors
from mesodesk.messaging import services as messaging_services
from mesodesk.portal import selectors, services
from mesodesk.portal.access import PatientRequest, patient_view, portal_clinic
from mesodesk.portal.forms import DeleteAccountForm, PreferencesForm, SideEffectForm
from mesodesk.safety.models import SideEffectReport
from mesodesk.safety.services import report_side_effect
from mesodesk.scheduling import selectors as scheduling
from mesodesk.scheduling.choices import AppointmentKind

# How many upcoming sessions the private feed carries.
FEED_SESSIONS = 10


# --- the timeline ------------------------------------------------------------------------


def _today_items(timeline: Timeline, today: date) -> list[Item]:
    zone = timeline.zone
    return [
        item
        for item in timeline.items
        if item.starts_at.astimezone(zone).date() <= today < _last_day(item, zone)
        and item.phase is not Phase.WATCH
    ]


def _last_day(item: Item, zone: Any) -> date:
    # The day after the item's last moment: an item ending at midnight ends the day before.
    return (item.ends_at.astimezone(zone) - timedelta(microseconds=1)).date() + timedelta(days=1)


def _upcoming(timeline: Timeline, today: date) -> list[tuple[date, list[Item]]]:
    zone = timeline.zone
    days: dict[date, list[Item]] = defaultdict(list)
    for item in timeline.items:
        start = item.starts_at.astimezone(zone).date()
        if start > today and item.phase is not Phase.WATCH:
            days[start].append(item)
    return sorted(days.items())


@require_safe
@patient_view
def timeline(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """The patient's preparation and aftercare for their next session: today's do's and
    don'ts first, then what comes, day by day, in the clinic's time zone."""
    clinic, patient = request.clinic, request.patient
    session = scheduling.next_session(clinic, patient)
    found = scheduling.appointment_timeline(clinic, session) if session is not None else None
    today = clinic_today(clinic)
    context: dict[str, Any] = {
        "clinic": clinic,
        "patient": patient,
        "section": "timeline",
        "session": session,
        "timeline": found,
        "feed": selectors.calendar_feed(clinic, patient),
    }
    if found is not None:
        now_items = _today_items(found, today)
        context |= {
            "session_start": found.start,
            "today": today,
            "today_avoid": [i for i in now_items if i.kind is Kind.AVOID],
            "today_do": [i for i in now_items if i.kind is Kind.DO],
            "today_other": [i for i in now_items if i.kind not in (Kind.AVOID, Kind.DO)],
            "upcoming": _upcoming(found, today),
            "watch": [i for i in found.items if i.phase is Phase.WATCH],
        }
    if context["feed"] is not None:
        context["feed_url"] = request.build_absolute_uri(
            reverse("portal:feed", args=[clinic.slug, context["feed"].token])
        )
    response = render(request, "portal/timeline.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _patient_calendar(clinic: Clinic, timelines: list[Timeline]) -> bytes:
    """The patient's calendar: sessions, preparation starts, aftercare milestones."""
    return patient_calendar_ics(
        timelines,
        clinic=clinic.name,
        phone=shown(clinic.phone) if clinic.phone else "",
        address=", ".join(clinic.address.splitlines()),
    )


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
@patient_view
def calendar(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """The next session's timeline as a calendar file (.ics)."""
    clinic, patient = request.clinic, request.patient
    session = scheduling.next_session(clinic, patient)
    found = scheduling.appointment_timeline(clinic, session) if session is not None else None
    if session is None or found is None:
        raise Http404("No session booked.")
    record_access(
        clinic=clinic,
        user=request.user,
        action=AccessAction.DOWNLOAD,
        obj=session,
        patient=patient,
        ip=client_ip(request),
        path=request.path,
    )
    return _ics_response(_patient_calendar(clinic, [found]), "mesotherapy-session.ics")


@require_safe
def feed(request: HttpRequest, clinic_slug: str, token: str) -> HttpResponse:
    """The patient's private calendar feed (no sign-in: the secret address is the key):
    the timelines of their upcoming sessions."""
    clinic = portal_clinic(clinic_slug)
    found = selectors.feed_by_token(clinic, token)
    if found is None:
        raise Http404("Unknown calendar address.")
    patient = found.patient
    library = load_library()
    sessions = scheduling.upcoming_appointments(
        clinic, patient, kind=AppointmentKind.SESSION, limit=FEED_SESSIONS
    )
    timelines = [
        found_timeline
        for session in sessions
        if (found_timeline := scheduling.appointment_timeline(clinic, session, library=library))
        is not None
    ]
    # The path holds the secret: the access log keeps the clinic's part only.
    record_access(
        clinic=clinic,
        user=None,
        action=AccessAction.DOWNLOAD,
        obj=patient,
        ip=client_ip(request),
        path=reverse("portal:home", args=[clinic.slug]) + "feed/…",
    )
    return _ics_response(_patient_calendar(clinic, timelines), "mesotherapy.ics")


@require_POST
@patient_view
def feed_renew(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """Makes a new private calendar address (the old one stops working), or removes it."""
    clinic, patient = request.clinic, request.patient
    if request.POST.get("action") == "remove":
        services.revoke_calendar_feed(clinic=clinic, patient=patient)
        messages.success(request, "Your private calendar address no longer works.")
    else:
        had = selectors.calendar_feed(clinic, patient) is not None
        services.renew_calendar_feed(clinic=clinic, patient=patient)
        messages.success(
            request,
            "Here is your new private calendar address; the old one no longer works."
            if had
            else "Here is your private calendar address.",
        )
    return redirect(reverse("portal:timeline", args=[clinic.slug]) + "#calendar")


# --- side effects ------------------------------------------------------------------------


def _red_flags() -> dict[str, Any]:
    library = load_library()
    rule = next((r for r in library.rules if r.code == "red_flags"), None)
    return {
        "urgent_flags": [f for f in library.red_flags if f.urgent],
        "clinic_flags": [f for f in library.red_flags if not f.urgent],
        "red_flag_text": rule.text if rule is not None else "",
        "side_effects": library.side_effects,
    }


@require_http_methods(["GET", "POST"])
@patient_view
def side_effects(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """Tell the clinic about side effects; the red-flag guidance comes first."""
    clinic, patient = request.clinic, request.patient
    form = SideEffectForm(request.POST or None, initial={"since": clinic_today(clinic)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = report_side_effect(
                clinic=clinic,
                patient=patient,
                by=request.user,
                symptoms=data["symptoms"],
                other=data["other"],
                area=data["area"],
                since=data["since"],
                how_bad=data["how_bad"],
                red_flags=data["red_flags"],
                details=data["details"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            return redirect("portal:side_effect_sent", clinic_slug=clinic.slug, report_id=report.pk)
    return render(
        request,
        "portal/side_effects.html",
        {"clinic": clinic, "patient": patient, "section": "side_effects", "form": form}
        | _red_flags(),
    )


@require_safe
@patient_view
def side_effect_sent(request: PatientRequest, clinic_slug: str, report_id: int) -> HttpResponse:
    """The patient's report as sent, with the red-flag guidance again."""
    clinic, patient = request.clinic, request.patient
    report = get_object_or_404(SideEffectReport, clinic=clinic, patient=patient, pk=report_id)
    labels = {e.code: e.label for e in load_library().side_effects}
    flags = {f.code: f for f in load_library().red_flags}
    ticked = [flags[code] for code in report.red_flags if code in flags]
    return render(
        request,
        "portal/side_effect_sent.html",
        {
            "clinic": clinic,
            "patient": patient,
            "section": "side_effects",
            "report": report,
            "symptoms": [labels.get(code, code) for code in report.symptoms],
            "ticked": ticked,
            "urgent": any(f.urgent for f in ticked),
        }
        | _red_flags(),
    )


# --- reminder choices --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@patient_view
def preferences(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """How, whether and when the clinic sends the patient reminders."""
    clinic, patient = request.clinic, request.patient
    prefs = messaging_selectors.preferences(clinic, patient)
    form = PreferencesForm.for_preferences(prefs, request.POST or None)
    form.set_zones(clinic_zone=clinic.time_zone, current=prefs.time_zone)
    if request.method == "GET":
        form.initial["time_zone"] = prefs.time_zone
    if request.method == "POST" and form.is_valid():
        try:
            messaging_services.update_preferences(
                clinic=clinic,
                patient=patient,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, "Your reminder choices are saved.")
            return redirect("portal:preferences", clinic_slug=clinic.slug)
    return render(
        request,
        "portal/preferences.html",
        {
            "clinic": clinic,
            "patient": patient,
            "section": "preferences",
            "form": form,
            "copy": selectors.latest_copy(clinic, patient),
        },
    )


# --- deleting the account ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@patient_view
def delete(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """Ask the clinic to delete the account, confirmed with the password; signs out."""
    clinic, patient = request.clinic, request.patient
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.request_deletion(clinic=clinic, patient=patient, by=request.user)
        logout(request)
        return redirect("portal:deleted", clinic_slug=clinic.slug)
    return render(
        request,
        "portal/delete.html",
        {
            "clinic": clinic,
            "patient": patient,
            "section": "delete",
            "form": form,
            "pending": selectors.pending_deletion(clinic, patient),
            "decision": selectors.latest_decision(clinic, patient),
        },
    )


@require_safe
def deleted(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """What happens after a request to delete the account."""
    return render(request, "portal/deleted.html", {"clinic": portal_clinic(clinic_slug)})
