"""Who may see a clinic's portal pages: the signed-in patient, and only their own record.

- An unknown clinic is a 404.
- Anonymous visitors are sent to sign in (and back).
- A signed-in user with no patient record at this clinic (staff, or a patient of another
  clinic) gets a friendly page saying so (403): the portal never shows them anything.
- Every object a view reads is fetched through the patient (`patient=request.patient`), so
  another patient's appointment or report is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import clinic_by_slug
from mesodesk.patients.models import Patient
from mesodesk.patients.selectors import portal_clinic_and_patient, portal_records


class PatientRequest(HttpRequest):
    """A request that `patient_view` let through (for type checkers)."""

    clinic: Clinic
    patient: Patient
    user: User  # patient_view lets the patient's own signed-in account only through


def portal_clinic(clinic_slug: str) -> Clinic:
    """The clinic of a portal address; Http404 if there is none."""
    clinic = clinic_by_slug(slug=clinic_slug)
    if clinic is None:
        raise Http404("No such clinic.")
    return clinic


def not_a_patient(request: HttpRequest, clinic: Clinic) -> HttpResponse:
    """The friendly refusal for a signed-in user who is not a patient of this clinic."""
    user = request.user
    staff = bool(user.is_staff) or user.memberships.exists()  # type: ignore[union-attr]
    return render(
        request,
        "portal/not_a_patient.html",
        {
            "clinic": clinic,
            "is_staff_member": staff,
            "elsewhere": [p.clinic for p in portal_records(user) if p.clinic_id != clinic.pk],  # type: ignore[arg-type]
        },
        status=403,
    )


P = ParamSpec("P")
PatientView = Callable[Concatenate[PatientRequest, str, P], HttpResponse]
View = Callable[Concatenate[HttpRequest, str, P], HttpResponse]


def patient_view[**Q](view: PatientView[Q]) -> View[Q]:
    """Decorates a function view that takes `clinic_slug`: sets `request.clinic` and
    `request.patient` (the signed-in user's own record at that clinic)."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, clinic_slug: str, *args: Q.args, **kwargs: Q.kwargs
    ) -> HttpResponse:
        clinic, patient = portal_clinic_and_patient(clinic_slug, request.user)
        if clinic is None:
            raise Http404("No such clinic.")
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if patient is None:
            return not_a_patient(request, clinic)
        patient_request = cast(PatientRequest, request)
        patient_request.clinic = clinic
        patient_request.patient = patient
        return view(patient_request, clinic_slug, *args, **kwargs)

    return wrapper
