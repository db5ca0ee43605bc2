"""Staff enter or update a patient's questionnaire on the patient's behalf (a paper form,
a call, a visit): the portal's own questionnaire (portal.intake.IntakeForm and its
template), recorded as given on the patient's behalf, by whom and from where."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.services import record_read
from mesodesk.clinics.choices import Role
from mesodesk.patients import selectors, services
from mesodesk.patients.choices import STAFF_SOURCES, IntakeSource
from mesodesk.portal.intake import (
    LISTS,
    IntakeForm,
    draft_data,
    initial_for,
    rows_for,
)
from mesodesk.workspace.views.common import clinic_today, page

# Clinical answers are entered by those who may read them: front desk does not.
INTAKE_ROLES = (Role.PRACTITIONER, Role.ADMIN)


class StaffIntakeForm(IntakeForm):
    """The questionnaire, and where the answers come from."""

    source = forms.ChoiceField(
        label="Where do these answers come from?",
        choices=[(s.value, s.label) for s in STAFF_SOURCES],
        initial=IntakeSource.PAPER_FORM,
        widget=forms.RadioSelect,
        help_text="Kept with this version of the answers, with your name.",
    )


def _rows(request: StaffRequest) -> dict[str, int]:
    return rows_for({name: request.POST.get(f"rows-{name}", "0") for name in LISTS})


@require_http_methods(["GET", "POST"])
@staff_view(roles=INTAKE_ROLES)
def intake(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    """The questionnaire for one patient, filled with their latest answers if any; sending
    it records a new intake version (screened at once) given on the patient's behalf."""
    clinic = request.clinic
    patient = selectors.get_patient(clinic, patient_id)
    record_read(request, clinic=clinic, obj=patient)
    latest = selectors.latest_intake(clinic, patient)
    today = clinic_today(request)
    if request.method == "POST":
        rows = _rows(request)
        action = request.POST.get("action", "submit")
        if action.startswith("add-") or action == "keep":
            # One more row, or Enter pressed in a field: keep what is typed, send nothing.
            rows = rows_for(rows, add=action.removeprefix("add-"))
            initial = draft_data(request.POST, rows) | {"source": request.POST.get("source")}
            form = StaffIntakeForm(initial=initial, rows=rows, today=today)
        else:
            form = StaffIntakeForm(request.POST, rows=rows, today=today)
            if form.is_valid():
                try:
                    services.record_intake(
                        clinic=clinic,
                        patient=patient,
                        by=request.user,
                        answers=form.answers(),
                        source=form.cleaned_data["source"],
                    )
                except ValidationError as error:
                    form.add_service_errors(error)
                else:
                    messages.success(
                        request, "The answers are recorded for the patient and screened."
                    )
                    return redirect(
                        "workspace:patient", clinic_slug=clinic_slug, patient_id=patient.pk
                    )
    else:
        initial, rows = initial_for(patient.birth_date, latest.answers if latest else None)
        form = StaffIntakeForm(initial=initial, rows=rows, today=today)
    return page(
        request,
        "workspace/intake.html",
        "patients",
        {"patient": patient, "form": form, "rows": form.rows, "latest": latest},
        status=422 if form.is_bound and form.errors else 200,
    )
