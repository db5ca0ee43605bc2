"""The patient's photos: the grid, taking a photo, the side-by-side view, and the image
itself (the only way a photo's bytes leave the storage, with an access event).

Practitioners and admins see photos; only practitioners take them; front desk gets a 403
that says why, after the 404 that any outsider gets for another clinic's patient or photo.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.services import record_read
from mesodesk.core.images import MAX_BYTES
from mesodesk.patients.models import Patient
from mesodesk.patients.selectors import get_patient
from mesodesk.photos import selectors, services
from mesodesk.photos.choices import Kind, Variant, View
from mesodesk.scheduling.selectors import clinic_zone
from mesodesk.workspace.forms import add_service_errors
from mesodesk.workspace.views.common import page
from mesodesk.workspace.views_photos.forms import PhotoForm

NOT_A_PRACTITIONER = "Only a practitioner takes photos; admins see them."


def _patient(request: StaffRequest, patient_id: int) -> Patient:
    # The object first: another clinic's patient is a 404 whatever the caller's role.
    patient = get_patient(request.clinic, patient_id)
    selectors.require_clinical(request.membership)
    return patient


def _consent_missing(patient: Patient) -> str | None:
    try:
        services.check_consent(patient)
    except ValidationError as refusal:
        return refusal.messages[0]
    return None


@require_safe
@staff_view()
def photos(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    shots = list(selectors.photos_of_patient(request.clinic, patient))
    record_read(request, clinic=request.clinic, obj=patient)
    return page(
        request,
        "workspace/photos/photos.html",
        "patients",
        {
            "patient": patient,
            "groups": selectors.grid(shots),
            "count": len(shots),
            "series": selectors.series_choices(shots),
            "may_take": selectors.may_take_photos(request.membership),
        },
    )


def _upload_page(
    request: StaffRequest, patient: Patient, form: PhotoForm, *, status: int = 200
) -> HttpResponse:
    record_read(request, clinic=request.clinic, obj=patient)
    refusal = _consent_missing(patient)
    return page(
        request,
        "workspace/photos/upload.html",
        "patients",
        {
            "patient": patient,
            "form": form,
            "consent_refusal": refusal,
            "consent_url": services.consent_url(request.clinic, patient),
            "recent": [
                (p, selectors.area_label(p.area))
                for p in selectors.photos_of_patient(request.clinic, patient).reverse()[:6]
            ],
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_view()
def photo_upload(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    if not selectors.may_take_photos(request.membership):
        raise PermissionDenied(NOT_A_PRACTITIONER)
    zone = clinic_zone(request.clinic)
    sessions = list(selectors.photo_sessions(request.clinic, patient)[:30])
    if request.method != "POST":
        # After a photo the next one keeps its area, kind and session (a series of views).
        initial = {k: request.GET[k] for k in ("area", "kind", "appointment") if k in request.GET}
        form = PhotoForm(initial=initial, sessions=sessions, zone=zone)
        return _upload_page(request, patient, form)
    form = PhotoForm(request.POST, request.FILES, sessions=sessions, zone=zone)
    if not form.is_valid():
        return _upload_page(request, patient, form, status=422)
    upload = form.cleaned_data["image"]
    # Read no more than one byte past the limit: the service refuses it by its size.
    data = upload.read(MAX_BYTES + 1)
    try:
        photo = services.take_photo(
            clinic=request.clinic,
            patient=patient,
            by=request.user,
            data=data,
            area=form.cleaned_data["area"],
            view=form.cleaned_data["view"],
            kind=form.cleaned_data["kind"],
            appointment=form.chosen_session(),
        )
    except ValidationError as refusal:
        add_service_errors(form, refusal)
        return _upload_page(request, patient, form, status=422)
    messages.success(
        request,
        f"Saved: {selectors.area_label(photo.area)}, {View(photo.view).label}, "
        f"{Kind(photo.kind).label.lower()}. Take the next view, or compare.",
    )
    again = {"area": photo.area, "kind": photo.kind}
    if photo.appointment_id:
        again["appointment"] = str(photo.appointment_id)
    url = reverse(
        "workspace:photo_upload", kwargs={"clinic_slug": clinic_slug, "patient_id": patient.pk}
    )
    return redirect(f"{url}?{urlencode(again)}")


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 12 else None


@require_safe
@staff_view()
def photo_compare(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id)
    shots = list(selectors.photos_of_patient(request.clinic, patient))
    record_read(request, clinic=request.clinic, obj=patient)
    choices = selectors.series_choices(shots)
    asked = request.GET.get("series", "")
    area, _, view = asked.partition(":")
    if (area, view) not in {(a, v) for a, v, _ in choices} and choices:
        area, view = choices[0][0], choices[0][1]
    series = [p for p in shots if p.area == area and p.view == view]
    pair = selectors.pick_pair(
        series, _int(request.GET.get("first")), _int(request.GET.get("second"))
    )
    sides: list[dict[str, Any]] = []
    if pair is not None:
        for photo in pair:
            sides.append(
                {
                    "photo": photo,
                    "scores": selectors.scores_beside(
                        request.clinic, patient, photo, member=request.membership
                    ),
                }
            )
    return page(
        request,
        "workspace/photos/compare.html",
        "patients",
        {
            "patient": patient,
            "choices": choices,
            "chosen": f"{area}:{view}",
            "series": series,
            "sides": sides,
            "pair_ids": [p.pk for p in pair] if pair else [],
            "series_label": next((lbl for a, v, lbl in choices if (a, v) == (area, view)), ""),
        },
    )


@require_safe
@staff_view()
def photo_image(request: StaffRequest, clinic_slug: str, photo_id: int) -> HttpResponse:
    variant = Variant.THUMBNAIL if request.GET.get("variant") == Variant.THUMBNAIL else Variant.FULL
    photo, data = selectors.read_photo(
        request.clinic, photo_id, member=request.membership, request=request, variant=variant
    )
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}-{variant}.jpg"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
