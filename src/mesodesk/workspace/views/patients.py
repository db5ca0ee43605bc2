"""The clinic's patients: the list with search, and registering a new one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access
from mesodesk.patients import selectors, services
from mesodesk.workspace.forms import PatientForm, add_service_errors
from mesodesk.workspace.views.common import page

PER_PAGE = 50


@require_safe
@staff_view()
def patient_list(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """The clinic's patients by name (?q= searches names, e-mail and phone)."""
    query = request.GET.get("q", "").strip()[:100]
    found = selectors.with_current_verdict(selectors.patient_list(request.clinic, query))
    rows = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    # A list of names, birth dates and contacts is a read of patient data too.
    record_access(
        clinic=request.clinic,
        user=request.user,
        action=AccessAction.READ,
        obj=request.clinic,
        ip=client_ip(request),
        path=request.path,
    )
    # Typing in the search box (htmx) asks for the results only: the page's partial.
    partial = getattr(request, "htmx", False)  # django-htmx's middleware sets it
    template = "workspace/patients.html#results" if partial else "workspace/patients.html"
    return page(request, template, "patients", {"q": query, "rows": rows})


@require_http_methods(["GET", "POST"])
@staff_view()
def patient_new(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Registers a patient (any member of the clinic may), then opens their chart. A likely
    duplicate (same name and birth date, e-mail or phone) is shown, linked, first: the
    desk opens that record, or registers anyway."""
    form = PatientForm(request.POST or None)
    duplicates: list[selectors.Duplicate] = []
    if request.method == "POST" and form.is_valid():
        details = {k: v for k, v in form.cleaned_data.items() if k != "register_anyway"}
        try:
            duplicates = _duplicates(request, details)
            if duplicates and not form.cleaned_data["register_anyway"]:
                return page(
                    request,
                    "workspace/patient_new.html",
                    "patients",
                    {"form": form, "duplicates": duplicates},
                )
            patient = services.register_patient(clinic=request.clinic, by=request.user, **details)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{patient.first_name} {patient.last_name} is registered.")
            return redirect("workspace:patient", clinic_slug=clinic_slug, patient_id=patient.pk)
    return page(
        request, "workspace/patient_new.html", "patients", {"form": form, "duplicates": duplicates}
    )


def _duplicates(request: StaffRequest, details: dict[str, Any]) -> list[selectors.Duplicate]:
    return selectors.likely_duplicates(
        request.clinic,
        first_name=details["first_name"],
        last_name=details["last_name"],
        birth_date=details.get("birth_date"),
        email=details.get("email", ""),
        phone=services.phone_e164(request.clinic, details.get("phone", "")),
    )
