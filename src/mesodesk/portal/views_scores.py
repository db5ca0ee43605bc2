"""The patient rates their completed sessions: how the treated area looks compared with
before the series (GAIS, as the subject) and how satisfied they are (0-10).

A patient rates only their own completed sessions, each once; a later rating is the
rating of a later session. Another patient's session is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from mesodesk.core.library import load_library
from mesodesk.outcomes import selectors
from mesodesk.outcomes.choices import Rater
from mesodesk.outcomes.services import rate_session
from mesodesk.portal.access import PatientRequest, patient_view
from mesodesk.scheduling import selectors as scheduling
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.workspace.forms import add_service_errors


def _choices(code: str) -> list[tuple[str, str]]:
    scale = load_library().scales[code]
    # A plain figure (satisfaction 1-9) is its own label; the ends and GAIS say words.
    return [
        (lv.value, lv.value if lv.label == lv.value else f"{lv.value} — {lv.label}")
        for lv in scale.levels
    ]


class RatingForm(forms.Form):
    """The patient's GAIS and satisfaction for one session."""

    gais = forms.ChoiceField(
        label="Compared with before your first session, the treated area looks…",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label="How satisfied are you with the result so far? 0 is not at all, 10 completely.",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Anything you want to add",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For side effects, use the side-effect form: the clinic reads it first.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gais"].choices = _choices("gais")  # type: ignore[attr-defined]
        self.fields["satisfaction"].choices = _choices("satisfaction")  # type: ignore[attr-defined]


def _render(
    request: PatientRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    base = {
        "clinic": request.clinic,
        "patient": request.patient,
        "section": "ratings",
        "zone": scheduling.clinic_zone(request.clinic),
    }
    response = render(request, template, base | context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@patient_view
def ratings(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """The sessions the patient may still rate, and their ratings so far."""
    clinic, patient = request.clinic, request.patient
    return _render(
        request,
        "portal/ratings.html",
        {
            "to_rate": selectors.sessions_to_rate(clinic, patient),
            "rated": selectors.own_ratings(clinic, patient),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@patient_view
def rate(request: PatientRequest, clinic_slug: str, appointment_id: int) -> HttpResponse:
    """Rate one of the patient's own sessions (once it is completed, once)."""
    clinic, patient = request.clinic, request.patient
    appointment = selectors.own_session(clinic, patient, appointment_id)
    rated = [
        s for s in selectors.own_ratings(clinic, patient) if s.appointment_id == appointment.pk
    ]
    completed = appointment.status == AppointmentStatus.COMPLETED
    form = RatingForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            rate_session(
                clinic=clinic,
                patient=patient,
                appointment=appointment,
                by=request.user,
                gais=form.cleaned_data["gais"],
                satisfaction=form.cleaned_data["satisfaction"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            status = 422
        else:
            messages.success(request, "Thank you: the clinic sees your rating with your record.")
            return redirect("portal:ratings", clinic_slug=clinic.slug)
    elif request.method == "POST":
        status = 422
    return _render(
        request,
        "portal/rate.html",
        {
            "appointment": appointment,
            "completed": completed,
            "rated": rated,
            "form": form if completed and not rated else None,
            "patient_rater": Rater.PATIENT,
        },
        status=status,
    )
