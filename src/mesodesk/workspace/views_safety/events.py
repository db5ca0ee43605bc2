"""Adverse events in the workspace: record one (or triage a patient's report into one),
read it with its follow-ups and add one, close a report with the call made.

Practitioners and admins only: front desk gets a 403 here and learns on the chart only
that an event exists. Every page that shows an event or a report logs the read.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.services import record_read
from mesodesk.core.library import load_library
from mesodesk.patients.models import Patient
from mesodesk.safety import selectors, services
from mesodesk.safety.models import AdverseEvent, SideEffectReport
from mesodesk.workspace.views.common import clinic_today, page
from mesodesk.workspace.views_inventory.common import attempt
from mesodesk.workspace.views_safety.forms import AdverseEventForm, CloseReportForm, FollowUpForm

CLINICAL = selectors.CLINICAL_ROLES


def _report(request: StaffRequest, patient: Patient) -> SideEffectReport | None:
    raw = request.GET.get("report") or request.POST.get("report") or ""
    if not (raw.isascii() and raw.isdigit()):
        return None
    return get_object_or_404(selectors.side_effect_reports(request.clinic, patient), pk=int(raw))


@require_http_methods(["GET", "POST"])
@staff_view(roles=CLINICAL)
def new_event(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    """Records an adverse event of the patient; with ?report=<id>, triages that report
    into it (the report is then closed and its urgent banner clears)."""
    clinic = request.clinic
    patient = get_object_or_404(Patient, clinic=clinic, pk=patient_id, merged_into__isnull=True)
    report = _report(request, patient)
    library = load_library()
    initial: dict[str, Any] = {"onset": clinic_today(request)}
    if report is not None:
        initial["onset"] = report.since
        record = getattr(report.appointment, "session_record", None) if report.appointment else None
        if record is not None:
            initial["session_record"] = record.pk
    form = AdverseEventForm(
        request.POST if request.method == "POST" else None,
        clinic=clinic,
        patient=patient,
        library=library,
        initial=initial,
    )
    created: list[AdverseEvent] = []
    if request.method == "POST":

        def record() -> None:
            data = form.cleaned_data
            created.append(
                services.record_adverse_event(
                    clinic=clinic,
                    patient=patient,
                    by=request.user,
                    event=data["event"],
                    onset=data["onset"],
                    grade=data["grade"],
                    serious=data["serious"],
                    description=data["description"],
                    session_record=data["session_record"],
                    administrations=list(data["administrations"]),
                    technique=data["technique"],
                    device=data["device"],
                    practitioner=data["practitioner"],
                    actions_taken=data["actions_taken"],
                    outcome=data["outcome"],
                    follow_up_on=data["follow_up_on"],
                    report=report,
                )
            )

        if attempt(form, record):
            messages.success(
                request,
                "Adverse event recorded."
                + (" The patient's report is closed." if report is not None else ""),
            )
            return redirect(
                "workspace:adverse_event", clinic_slug=clinic_slug, event_id=created[0].pk
            )
    record_read(request, clinic=clinic, obj=report or patient, patient=patient)
    return page(
        request,
        "workspace/safety/event_new.html",
        "patients",
        {
            "patient": patient,
            "report": selectors.labelled(report, library) if report else None,
            "form": form,
            "grades": library.scales["ctcae"],
            "ctcae_source": library.source_labels(library.scales["ctcae"].sources),
        },
        status=400 if form.errors else 200,
    )


def _event_page(
    request: StaffRequest, event_id: int, form: FollowUpForm | None = None
) -> HttpResponse:
    clinic = request.clinic
    event = selectors.get_event(clinic, event_id, member=request.membership)
    library = load_library()
    record_read(request, clinic=clinic, obj=event, patient=event.patient)
    term = library.adverse_events.get(event.event)
    return page(
        request,
        "workspace/safety/event.html",
        "patients",
        {
            "event": event,
            "patient": event.patient,
            "label": term.label if term else event.event,
            "category": "Red flag" if event.category == "red_flag" else "Expected reaction",
            "sources": library.source_titles(term.sources) if term else [],
            "current": selectors.current(event),
            "grades": {int(lv.value): lv.label for lv in library.scales["ctcae"].levels},
            "technique": library.injection_techniques.get(event.technique),
            "suspects": list(event.suspects.all()),
            "follow_ups": list(event.follow_ups.all()),
            "form": form or FollowUpForm(library=library),
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_http_methods(["GET"])
@staff_view(roles=CLINICAL)
def event(request: StaffRequest, clinic_slug: str, event_id: int) -> HttpResponse:
    """An event as recorded, its state now and every follow-up, with the form for the next."""
    return _event_page(request, event_id)


@require_POST
@staff_view(roles=CLINICAL)
def follow_up(request: StaffRequest, clinic_slug: str, event_id: int) -> HttpResponse:
    event = selectors.get_event(request.clinic, event_id, member=request.membership)
    form = FollowUpForm(request.POST, library=load_library())

    def add() -> None:
        data = form.cleaned_data
        services.add_follow_up(
            clinic=request.clinic,
            event=event,
            by=request.user,
            note=data["note"],
            grade=data["grade"],
            serious=data["serious"],
            outcome=data["outcome"],
            actions_taken=data["actions_taken"],
            follow_up_on=data["follow_up_on"],
        )

    if attempt(form, add):
        messages.success(request, "Follow-up added.")
        return redirect("workspace:adverse_event", clinic_slug=clinic_slug, event_id=event.pk)
    return _event_page(request, event_id, form)


@require_http_methods(["GET", "POST"])
@staff_view(roles=CLINICAL)
def close_report(request: StaffRequest, clinic_slug: str, report_id: int) -> HttpResponse:
    """A patient's report with the two ways to handle it: triage it into an adverse event,
    or close it here with the call made and a note."""
    clinic = request.clinic
    report = selectors.get_report(clinic, report_id)
    form = CloseReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and attempt(
        form,
        lambda: services.close_report(
            clinic=clinic,
            report=report,
            by=request.user,
            call=form.cleaned_data["call"],
            note=form.cleaned_data["note"],
        ),
    ):
        messages.success(request, "Report closed.")
        response = redirect(
            "workspace:patient", clinic_slug=clinic_slug, patient_id=report.patient_id
        )
        response["Location"] += "#side-effects"
        return response
    record_read(request, clinic=clinic, obj=report, patient=report.patient)
    return page(
        request,
        "workspace/safety/report.html",
        "patients",
        {
            "item": selectors.labelled(report, load_library()),
            "patient": report.patient,
            "form": form,
            "event": getattr(report, "adverse_event", None),
        },
        status=400 if form.errors else 200,
    )
