"""The patient's chart, and a practitioner's sign-off of a review verdict."""

from __future__ import annotations

from itertools import groupby
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.charting import selectors as charting
from mesodesk.clinics.choices import Role
from mesodesk.clinics.reading import Part, may_read
from mesodesk.consents import gate as consent_gate
from mesodesk.consents.services import COLLECTORS
from mesodesk.core.inputs import INTAKE_FIELDS
from mesodesk.core.library import Library, load_library
from mesodesk.core.library.model import Source
from mesodesk.core.timeline import Timeline
from mesodesk.messaging import selectors as messaging
from mesodesk.messaging.choices import MessageChannel
from mesodesk.patients import selectors, services
from mesodesk.patients.choices import Verdict
from mesodesk.patients.models import Patient
from mesodesk.planning.choices import PlanStatus
from mesodesk.portal import selectors as portal
from mesodesk.safety import selectors as safety
from mesodesk.safety.models import SideEffectReport
from mesodesk.scheduling import selectors as scheduling
from mesodesk.scheduling.choices import CANCELLED_STATUSES
from mesodesk.workspace.forms import SignOffForm, add_service_errors
from mesodesk.workspace.views.common import may_plan, may_sign_off, page
from mesodesk.workspace.views.intake import INTAKE_ROLES

REPORTS_SHOWN = 20
PHASES = {
    "prep": "Preparation",
    "day_of": "On the day",
    "aftercare": "Aftercare",
    "watch": "What to watch for",
}
FIELD_LABELS = {
    "birth_date": "Birth date",
    "sex": "Sex",
    "pregnant": "Pregnant",
    "breastfeeding": "Breastfeeding",
    "conditions": "Conditions",
    "medications": "Medications",
    "allergies": "Allergies",
    "recent_procedures": "Recent procedures",
    "fitzpatrick": "Fitzpatrick skin type",
}
# What an unanswered optional field says (the patient did not know it), instead of "none".
UNANSWERED = {"fitzpatrick": "not known"}


def _words(code: str) -> str:
    return str(code).replace("_", " ")


def answer_text(value: Any) -> str:
    """An intake answer as a line of text."""
    if value is None or value == []:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_item_text(v) for v in value)
    return str(value).replace("_", " ")


def _item_text(value: Any) -> str:
    if isinstance(value, dict):
        name = str(value.get("name", ""))
        if value.get("prescribed"):
            return f"{name} (prescribed)"
        if value.get("date"):
            return f"{name} ({value['date']})"
        return name
    return str(value).replace("_", " ")


def _answers(answers: dict[str, Any]) -> list[tuple[str, str]]:
    keys = [*INTAKE_FIELDS, *sorted(set(answers) - set(INTAKE_FIELDS))]
    return [
        (
            FIELD_LABELS.get(k, k.replace("_", " ")),
            UNANSWERED[k]
            if answers.get(k) is None and k in UNANSWERED
            else answer_text(answers.get(k)),
        )
        for k in keys
    ]


def cite(library: Library, labels: Any) -> list[Source | str]:
    """Sources named by file name, citation or id, as the library describes them."""
    by_label = {s.label: s for s in library.sources.values()}
    return [by_label.get(str(x)) or library.sources.get(str(x)) or str(x) for x in labels or ()]


def _timeline_phases(
    timeline: Timeline | None, library: Library
) -> list[tuple[str, list[tuple[Any, list[Source | str]]]]]:
    if timeline is None:
        return []
    return [
        (
            PHASES.get(str(phase.value), str(phase.value)),
            [(item, cite(library, item.sources)) for item in items],
        )
        for phase, items in groupby(timeline.items, key=lambda item: item.phase)
    ]


def _adverse_events(
    request: StaffRequest, patient: Patient, library: Library, *, any_events: bool
) -> dict[str, Any]:
    clinic, member = request.clinic, request.membership
    if not safety.may_read_events(member):
        count = safety.event_count(clinic, patient) if any_events else 0
        return {"may_record_events": False, "event_count": count}
    events = safety.events_of_patient(clinic, patient, member=member) if any_events else []
    return {
        "may_record_events": not patient.merged,
        "adverse_events": [
            (event, safety.event_label(event, library), safety.current(event)) for event in events
        ],
    }


def _chart_context(request: StaffRequest, patient_id: int) -> dict[str, Any]:
    clinic = request.clinic
    # Reading a chart leaves an access event: who read whose record, when, from where. The
    # same statement says which parts of the record have rows; the others are not asked.
    read = selectors.chart_patient_for_read(clinic, patient_id, user=request.user, request=request)
    present = read[1]
    # What this member reads of the record (clinics.reading): the front desk, the diary.
    member = request.membership
    reads = {part.value: may_read(member, part) for part in Part}
    chart = selectors.patient_chart(clinic, patient_id, member, read=read)
    patient = chart.patient
    screening = chart.current_screening
    # The screening the chart read (as this member may read it) decides, with no query.
    may_book, booking_reason = selectors.session_permission(screening, member)
    appointments = scheduling.appointments_of_patient(clinic, patient)
    session = scheduling.session_to_show(appointments, timezone.now())
    library = load_library()
    # The timeline is built from the intake's answers (a medicine's washout names it).
    timeline = (
        scheduling.appointment_timeline(clinic, session, library=library)
        if session and reads[Part.FINDINGS]
        else None
    )
    held = {
        a.planned_session_id: a
        for a in appointments
        if a.planned_session_id is not None and a.status not in CANCELLED_STATUSES
    }
    plans = [
        {
            "plan": plan,
            "sessions": [(s, held.get(s.pk)) for s in plan.sessions.all()],
            "open": sum(1 for s in plan.sessions.all() if s.pk not in held),
            "active": plan.status == PlanStatus.ACTIVE,
            "indication": _words(plan.indication),
            "areas": ", ".join(_words(a) for a in plan.areas),
            "ingredients": ", ".join(_words(i) for i in plan.ingredients),
            "technique": _words(plan.technique),
            "template": _words(plan.schedule_template),
        }
        for plan in chart.plans
    ]
    intakes = [
        {
            "intake": intake,
            "answers": _answers(intake.answers),
            "changes": [
                (FIELD_LABELS.get(c.field, c.field), answer_text(c.before), answer_text(c.after))
                for c in chart.changes.get(intake.number, [])
            ],
        }
        for intake in reversed(chart.intakes)
    ]
    findings = [
        (finding, cite(library, finding.get("sources")))
        for finding in (screening.findings if screening else [])
    ]
    side_effects = [
        safety.labelled(report, library)
        for report in (
            safety.side_effect_reports(clinic, patient)[:REPORTS_SHOWN]
            if "side_effects" in present
            else ()
        )
    ]
    if not reads[Part.SIDE_EFFECTS]:
        # That a report came and whether it is urgent, so the desk can fetch a
        # practitioner; never what it says.
        side_effects = [
            {"report": report, "urgent": report.urgent}
            for report in (cast(SideEffectReport, item["report"]) for item in side_effects)
        ]
    return {
        "patient": patient,
        "screening": screening,
        "side_effects": side_effects,
        # The newest urgent report shown (a warning sign, or severe), even under a milder
        # one sent after it: staff must not miss it.
        "urgent_report": next(
            (
                item
                for item in side_effects
                if cast(SideEffectReport, item["report"]).urgent
                and cast(SideEffectReport, item["report"]).open
            ),
            None,
        ),
        # Adverse events: their content for clinical roles, only how many for front desk.
        **_adverse_events(request, patient, library, any_events="events" in present),
        "deletion_request": portal.pending_deletion(clinic, patient)
        if "deletion_requests" in present
        else None,
        # A merged record points to the one that holds everything now; a live one may
        # look like another (same name and birth date, e-mail or phone).
        "merge_out": selectors.merge_record(clinic, patient) if patient.merged else None,
        "merges_in": list(patient.merges_in.select_related("by").order_by("at"))
        if "merges_in" in present
        else [],
        "duplicates": [] if patient.merged else selectors.duplicates_of(clinic, patient),
        "may_merge": request.membership.role == Role.ADMIN,
        "may_enter_intake": request.membership.role in INTAKE_ROLES and not patient.merged,
        "needs_sign_off": screening is not None
        and screening.verdict == Verdict.REVIEW
        and screening.signed_off_at is None,
        "may_sign_off": may_sign_off(request),
        "may_book": may_book,
        "booking_reason": booking_reason,
        "intakes": intakes,
        "plans": plans,
        "has_active_plan": any(p["active"] for p in plans),
        "may_plan": may_plan(request),
        "appointments": appointments,
        "session_records": list(charting.records_of_patient(clinic, patient))
        if "records" in present
        else [],
        "now": timezone.now(),
        "session": session,
        "timeline": timeline,
        "timeline_phases": _timeline_phases(timeline, library),
        "timeline_warnings": [
            (_words(w.item), _words(w.reason), w.earliest_start)
            for w in (timeline.warnings if timeline else ())
        ],
        "consents": chart.consents,
        "consent_missing": consent_gate.treatment_consent_missing(
            patient=patient,
            plan=next((p["plan"] for p in plans if p["active"]), None),
            none_signed="consents" not in present,
        ),
        "may_collect_consents": request.membership.role in COLLECTORS,
        "reminders": list(messaging.patient_reminders(clinic, patient)[:100])
        if "reminders" in present
        else [],
        "reminder_channels": [
            MessageChannel(c).label for c in messaging.reminder_channels(clinic, patient)
        ],
        "findings": findings,
    }


@require_safe
@staff_view()
def chart(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    """Everything about one patient on one page."""
    context = _chart_context(request, patient_id)
    context["sign_off_form"] = SignOffForm()
    return page(request, "workspace/chart.html", "patients", context)


@require_POST
@staff_view()
def sign_off(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    """A practitioner accepts the patient's current review verdict, with a reason."""
    clinic = request.clinic
    # The object first: another clinic's patient is a 404 whatever the member's role.
    patient = selectors.get_patient(clinic, patient_id)
    if not may_sign_off(request):
        raise PermissionDenied("Only a practitioner can sign off a screening.")
    form = SignOffForm(request.POST)
    screening = selectors.current_screening(clinic, patient)
    if form.is_valid():
        if screening is None:
            form.add_error(None, "There is no screening to sign off.")
        else:
            try:
                services.sign_off_screening(
                    clinic=clinic,
                    screening=screening,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The review verdict is signed off.")
                return redirect("workspace:patient", clinic_slug=clinic_slug, patient_id=patient.pk)
    context = _chart_context(request, patient_id)
    context["sign_off_form"] = form
    return page(request, "workspace/chart.html", "patients", context, status=422)
