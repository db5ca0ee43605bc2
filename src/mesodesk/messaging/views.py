"""Pages of the messaging app: reminder preferences reached from a message's link, the
link to the side-effect report, and the clinic's outbox for staff."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.services import record_read
from mesodesk.clinics.reading import Part, may_read
from mesodesk.core.library import load_library
from mesodesk.messaging import selectors, services
from mesodesk.messaging.choices import ReminderStatus
from mesodesk.messaging.forms import PreferencesForm
from mesodesk.messaging.render import Renderer
from mesodesk.messaging.twilio import signature, status_callback_url

OUTBOX_PAGE = 50


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """The patient's reminder choices, from the link at the foot of every message: the
    token is the key, no sign-in needed (it opens nothing but these choices)."""
    prefs = selectors.preferences_by_token(token)
    if prefs is None:
        raise Http404("unknown link")
    form = PreferencesForm.for_preferences(prefs, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_preferences(
                clinic=prefs.clinic,
                patient=prefs.patient,
                by=None,
                **form.cleaned_data,
                time_zone=prefs.time_zone,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, "Your choices are saved.")
            return redirect("messaging:preferences", token=token)
    response = render(
        request,
        "messaging/preferences.html",
        {"form": form, "clinic": prefs.clinic, "first_name": prefs.patient.first_name},
    )
    # The token is in the URL: out of caches. (Other sites never see it in a Referer: the
    # site's policy is same-origin; "no-referrer" would make the browser send "Origin: null"
    # with the form, which the CSRF check rightly refuses.)
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def report(request: HttpRequest, token: str) -> HttpResponse:
    """The check-in message's link: on to the portal's side-effect report of the clinic."""
    prefs = selectors.preferences_by_token(token)
    if prefs is None:
        raise Http404("unknown link")
    return redirect("portal:side_effects", clinic_slug=prefs.clinic.slug)


@require_safe
@staff_view()
def outbox(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """The clinic's reminders: what goes out when, on which channel, and what happened."""
    status = request.GET.get("status", "")
    if status not in ReminderStatus.values:
        status = ""
    rows = Paginator(selectors.outbox(request.clinic, status=status or None), OUTBOX_PAGE)
    page = rows.get_page(request.GET.get("page"))
    # Each row names its patient: a read of patient data, and the message shown one more.
    record_read(request, clinic=request.clinic, obj=request.clinic)
    preview = None
    shown = request.GET.get("show", "")
    if shown.isascii() and shown.isdigit():
        row = selectors.outbox(request.clinic).filter(pk=int(shown)).first()
        if row is not None:
            prefs = selectors.preferences(request.clinic, row.patient)
            if prefs.pk is not None:
                preview = (row, Renderer(load_library()).render(row, prefs))
                record_read(request, clinic=request.clinic, obj=row, patient=row.patient)
    return render(
        request,
        "messaging/outbox.html",
        {
            "clinic": request.clinic,
            "membership": request.membership,
            "section": "outbox",
            "page": page,
            "status": status,
            "statuses": ReminderStatus.choices,
            "preview": preview,
            # A message's text may carry the patient's preparation (a supplement to pause,
            # a patch test): for readers of messages only (clinics.reading).
            "reads_text": may_read(request.membership, Part.MESSAGES),
            "zone": request.clinic.time_zone,
        },
    )


# Twilio's statuses of an outbound message, in the order they usually come.
TWILIO_STATUSES = frozenset(
    {
        "accepted",
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "undelivered",
        "failed",
        "read",
        "canceled",
    }
)


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """Twilio's report of a text message's delivery status (the StatusCallback the worker
    gave it): signed with the account's auth token over the URL we gave and the form, so
    nobody else can write a status. 204 once recorded (or for a message we do not know,
    so Twilio stops retrying); 403 for a bad signature."""
    token = settings.TWILIO_AUTH_TOKEN
    params = {key: request.POST[key] for key in request.POST}
    expected = signature(status_callback_url(clinic_slug), params, token)
    given = request.headers.get("X-Twilio-Signature", "")
    if not token or not hmac.compare_digest(expected, given):
        return HttpResponse(status=403)
    status = params.get("MessageStatus", "")
    if status in TWILIO_STATUSES:
        services.record_delivery_status(
            clinic_slug=clinic_slug,
            provider_message_id=params.get("MessageSid", ""),
            status=status,
            error_code=params.get("ErrorCode", ""),
        )
    return HttpResponse(status=204)
