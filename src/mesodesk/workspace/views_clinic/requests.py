"""Patients' deletion requests, for the clinic's admins: the list (waiting first), and
for each the decision — erase what the law allows (portal.services.erase_patient_data)
or refuse with a reason (portal.services.refuse_deletion). Practitioners and the front
desk get 403, outsiders 404 (accounts.access.staff_view)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods, require_safe

from mesodesk.accounts.access import StaffRequest, staff_view
from mesodesk.audit.services import record_read
from mesodesk.clinics.choices import Role
from mesodesk.portal import selectors, services
from mesodesk.portal.choices import DeletionStatus
from mesodesk.workspace.views_clinic.settings import attempt, page

ADMINS = (Role.ADMIN,)


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have checked this is the patient's own request, and erase what the law allows.",
        error_messages={"required": "Tick the box to confirm."},
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="Why the clinic cannot do it",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="The patient is e-mailed this text and sees it in the portal: "
        "write it for them, without health details.",
        error_messages={"required": "Say why: the patient is told."},
    )


@require_safe
@staff_view(roles=ADMINS)
def deletion_requests(request: StaffRequest, clinic_slug: str) -> HttpResponse:
    """Waiting requests (oldest first), then the decided ones (newest first)."""
    rows = list(selectors.deletion_requests(request.clinic, request.membership)[:200])
    waiting = sorted(
        (r for r in rows if r.status == DeletionStatus.PENDING),
        key=lambda r: (r.requested_at, r.pk),
    )
    decided = [r for r in rows if r.status != DeletionStatus.PENDING]
    # Patients' names in a list: a read of patient data.
    record_read(request, clinic=request.clinic, obj=request.clinic)
    return page(
        request, "deletion_requests", "deletion_requests.html", waiting=waiting, decided=decided
    )


@require_http_methods(["GET", "POST"])
@staff_view(roles=ADMINS)
def deletion_request(request: StaffRequest, clinic_slug: str, request_id: int) -> HttpResponse:
    """One request: what erasing does and keeps; erase, or refuse with a reason."""
    clinic = request.clinic
    found = selectors.deletion_request(clinic, request.membership, request_id)
    erase_form, refuse_form = EraseForm(), RefuseForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "erase":
            erase_form = EraseForm(request.POST)
            if attempt(
                erase_form,
                lambda: services.erase_patient_data(clinic=clinic, request=found, by=request.user),
                request="confirm",
            ):
                messages.success(
                    request,
                    f"Erased. The record is kept as Patient #{found.patient_id} (erased); "
                    "the patient has been told.",
                )
                return redirect(
                    "workspace:deletion_request", clinic_slug=clinic_slug, request_id=found.pk
                )
        elif action == "refuse":
            refuse_form = RefuseForm(request.POST)
            if attempt(
                refuse_form,
                lambda: services.refuse_deletion(
                    clinic=clinic,
                    request=found,
                    by=request.user,
                    reason=refuse_form.cleaned_data["reason"],
                ),
                request="reason",
            ):
                messages.success(request, "Refused. The patient has been told why.")
                return redirect(
                    "workspace:deletion_request", clinic_slug=clinic_slug, request_id=found.pk
                )
        else:
            raise Http404("No such action.")
        found.refresh_from_db()
        if found.status != DeletionStatus.PENDING:
            # Another admin decided it meanwhile: show what they did.
            messages.info(request, "This request was decided already; here is what was done.")
            return redirect(
                "workspace:deletion_request", clinic_slug=clinic_slug, request_id=found.pk
            )
    record_read(request, clinic=clinic, obj=found.patient)
    return page(
        request,
        "deletion_requests",
        "deletion_request.html",
        status=400 if erase_form.errors or refuse_form.errors else 200,
        found=found,
        erase_form=erase_form,
        refuse_form=refuse_form,
    )


REQUESTS = "<slug:clinic_slug>/settings/deletion-requests/"

urlpatterns: list[URLPattern] = [
    path(REQUESTS, deletion_requests, name="deletion_requests"),
    path(REQUESTS + "<int:request_id>/", deletion_request, name="deletion_request"),
]
