"""A session's outcome scores (read, add, mark entered in error) and the patient's
progress across their series, drawn as SVG with the same figures in a table.

Practitioners score; admins read; front desk sees no scores (403 after the clinic's 404).
Every page leaves an access event for the patient whose scores it shows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.services import record_read
from mesodesk.charting import selectors as charting
from mesodesk.clinics.reading import Part, require_read
from mesodesk.core.library import load_library
from mesodesk.core.library.model import Scale
from mesodesk.core.outcomes import outcome_scales
from mesodesk.outcomes import selectors, services
from mesodesk.outcomes.choices import Rater
from mesodesk.outcomes.models import Score
from mesodesk.patients import selectors as patients
from mesodesk.photos.models import Photo
from mesodesk.planning.selectors import plans_of_patient
from mesodesk.scheduling import selectors as scheduling
from mesodesk.scheduling.models import Appointment
from mesodesk.workspace.forms import add_service_errors
from mesodesk.workspace.views.common import page
from mesodesk.workspace.views_outcomes.forms import EnteredInErrorForm, ScoreForm

DEFAULT_SCALE = "gais"


def staff_scales() -> list[Scale]:
    """The scales staff rate (satisfaction is the patient's alone)."""
    scales = outcome_scales(load_library().scales)
    return [s for s in scales if set(s.raters) - {Rater.PATIENT}]


def _readable(request: StaffRequest) -> None:
    require_read(request.membership, Part.SCORES)


def _scale(code: str | None) -> Scale:
    scales = {s.code: s for s in staff_scales()}
    return scales.get(code or DEFAULT_SCALE) or scales[DEFAULT_SCALE]


def _areas(appointment: Appointment) -> list[tuple[str, str]]:
    library = load_library()
    plan = services.plan_of(appointment.clinic, appointment)
    codes = list(plan.areas) if plan is not None else []
    codes += [c for c in library.areas if c not in codes]
    return [(c, library.areas[c].label) for c in codes if c in library.areas]


def _page_url(request: StaffRequest, appointment: Appointment, scale: str) -> str:
    url = reverse(
        "workspace:session_scores",
        kwargs={"clinic_slug": request.clinic.slug, "appointment_id": appointment.pk},
    )
    return f"{url}?scale={scale}"


def _rows(scores: list[Score]) -> list[dict[str, Any]]:
    library = load_library()
    rows = []
    for score in scores:
        scale = library.scales.get(score.scale)
        area = library.areas.get(score.area)
        rows.append(
            {
                "score": score,
                "scale": scale.label if scale else score.scale,
                "value": selectors.label_of(score),
                "area": area.label if area else score.area,
            }
        )
    return rows


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view()
def session_scores(request: StaffRequest, clinic_slug: str, appointment_id: int) -> HttpResponse:
    """The session's scores and, for a practitioner, the form to add one of a scale."""
    clinic = request.clinic
    appointment = scheduling.get_appointment(clinic, appointment_id)
    _readable(request)
    scale = _scale(request.POST.get("scale") or request.GET.get("scale"))
    library = load_library()
    may_score = selectors.may_score(request.membership)
    status = 200
    form = ScoreForm(
        request.POST if request.method == "POST" else None,
        scale=scale,
        areas=_areas(appointment),
        # The patient's photos, to name those a score from photos was read from.
        photos=Photo.objects.filter(clinic=clinic, patient=appointment.patient).order_by(
            "-taken_at", "-id"
        ),
    )
    if request.method == "POST":
        if not may_score:
            raise PermissionDenied("Only a practitioner records scores.")
        if form.is_valid():
            try:
                with transaction.atomic():
                    for entry in form.entries():
                        services.record_score(
                            clinic=clinic, appointment=appointment, by=request.user, **entry
                        )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{scale.label}: score saved.")
                return redirect(_page_url(request, appointment, scale.code) + "#scores")
        status = 422
    scores = selectors.scores_of_appointment(clinic, appointment, member=request.membership)
    record_read(request, clinic=clinic, obj=appointment, patient=appointment.patient)
    record = charting.record_of_appointment(clinic, appointment)
    return page(
        request,
        "workspace/outcomes/session_scores.html",
        "patients",
        {
            "appointment": appointment,
            "patient": appointment.patient,
            "record": record,
            "rows": _rows(scores),
            "scale": scale,
            "sources": [f"{library.sources[c.source].label} ({c.at})" for c in scale.sources],
            "scales": staff_scales(),
            "form": form if may_score else None,
            "error_form": EnteredInErrorForm(),
            "may_score": may_score,
        },
        status=status,
    )


@require_POST
@staff_view()
def score_entered_in_error(
    request: StaffRequest, clinic_slug: str, appointment_id: int, score_id: int
) -> HttpResponse:
    """Marks a score entered in error, with a reason (it stays in the history)."""
    clinic = request.clinic
    appointment = scheduling.get_appointment(clinic, appointment_id)
    _readable(request)
    score = selectors.get_score(clinic, score_id, member=request.membership)
    if score.appointment_id != appointment.pk:
        raise Http404("No such score on this session.")
    if not selectors.may_score(request.membership):
        raise PermissionDenied("Only a practitioner marks a score entered in error.")
    form = EnteredInErrorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the score is wrong, then mark it again.")
    else:
        try:
            services.mark_entered_in_error(
                clinic=clinic, score=score, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, "The score is marked entered in error; it leaves the chart.")
    return redirect(_page_url(request, appointment, score.scale) + "#scores")


@require_safe
@staff_view()
def progress(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    """The patient's scores across each series: one chart per scale, with its table."""
    clinic = request.clinic
    patient = patients.get_patient(clinic, patient_id)
    _readable(request)
    record_read(request, clinic=clinic, obj=patient, patient=patient)
    scores = list(selectors.scores_of_patient(clinic, patient, member=request.membership))
    library = load_library()
    series = []
    for plan in plans_of_patient(clinic, patient):
        of_plan = [s for s in scores if s.plan_id == plan.pk]
        indication = library.indications.get(plan.indication)
        series.append(
            {
                "plan": plan,
                "title": indication.label if indication else plan.indication.replace("_", " "),
                "charts": selectors.progress_charts(of_plan, chart_prefix=f"plan-{plan.pk}"),
                "count": len(of_plan),
            }
        )
    loose = [s for s in scores if s.plan_id is None]
    if loose:
        series.append(
            {
                "plan": None,
                "title": "Sessions without a plan",
                "charts": selectors.progress_charts(loose, chart_prefix="loose"),
                "count": len(loose),
            }
        )
    last_session = (
        Appointment.objects.filter(pk__in=[s.appointment_id for s in scores])
        .order_by("-start")
        .first()
    )
    return page(
        request,
        "workspace/outcomes/progress.html",
        "patients",
        {
            "patient": patient,
            "series": series,
            "rows": _rows(list(reversed(scores))),
            "last_session": last_session,
            "may_score": selectors.may_score(request.membership),
        },
    )
