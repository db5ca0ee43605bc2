"""The patient's copy of their data (GDPR Art. 15 and 20): ask for it, see it being
prepared, download it while it is offered. The section lives on the reminders page
(portal/_data_copy.html); the worker builds the ZIP (portal.copies)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from mesodesk.audit.choices import AccessAction
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import record_access
from mesodesk.portal import selectors, services
from mesodesk.portal.access import PatientRequest, patient_view
from mesodesk.portal.choices import CopyStatus
from mesodesk.portal.copies import copy_storage


def section_url(clinic_slug: str) -> str:
    """Where the copy's section is: the reminders page, at its heading."""
    return reverse("portal:preferences", kwargs={"clinic_slug": clinic_slug}) + "#copy"


@require_POST
@patient_view
def ask(request: PatientRequest, clinic_slug: str) -> HttpResponse:
    """Asks for a copy (or shows the one already asked for)."""
    copy = services.request_data_copy(
        clinic=request.clinic, patient=request.patient, by=request.user
    )
    if copy.status == CopyStatus.READY:
        messages.info(request, "Your copy is ready: download it below.")
    else:
        messages.success(request, "We are preparing your copy. It usually takes a minute or two.")
    return redirect(section_url(clinic_slug))


@require_safe
@patient_view
def download(request: PatientRequest, clinic_slug: str, copy_id: int) -> HttpResponse:
    """The ZIP, to the patient whose copy it is only (anyone else: 404); an access event."""
    copy = selectors.ready_copy(request.clinic, request.patient, copy_id)
    handle = copy_storage().open(copy.file, "rb")
    record_access(
        clinic=request.clinic,
        user=request.user,
        action=AccessAction.DOWNLOAD,
        obj=copy,
        patient=request.patient,
        ip=client_ip(request),
        path=request.path,
    )
    day = copy.ready_at.date().isoformat() if copy.ready_at else "copy"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"my-data-{request.clinic.slug}-{day}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    # Streamed from storage, not read into memory; patient_view's type says HttpResponse.
    return cast(HttpResponse, response)
