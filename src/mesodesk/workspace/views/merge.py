"""An admin merges a duplicate patient record into the one to keep (patients.merging)."""

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
from mesodesk.patients import selectors
from mesodesk.patients.merging import merge_patients, rows_to_move
from mesodesk.workspace.forms import add_service_errors
from mesodesk.workspace.views.common import page


class MergeForm(forms.Form):
    """Why the two records are the same person."""

    reason = forms.CharField(
        max_length=2000,
        label="Why are these records the same person?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example 'registered at the desk, then signed up on the portal'. Kept "
        "with both records.",
        error_messages={"required": "Say why these records are the same person."},
    )


def _into(request: StaffRequest) -> int | None:
    value = request.GET.get("into") or request.POST.get("into") or ""
    return int(value) if value.isdigit() else None


@require_http_methods(["GET", "POST"])
@staff_view(roles=(Role.ADMIN,))
def merge(request: StaffRequest, clinic_slug: str, patient_id: int) -> HttpResponse:
    """Without `into`: the records that look like the same person, to choose from. With
    `into` (the record to keep): both side by side, what moves, and the reason; POST merges
    this record into that one and opens it."""
    clinic = request.clinic
    duplicate = selectors.get_patient(clinic, patient_id)
    record_read(request, clinic=clinic, obj=duplicate)
    if duplicate.merged_into_id is not None:
        messages.info(request, "This record is merged already.")
        return redirect("workspace:patient", clinic_slug=clinic_slug, patient_id=duplicate.pk)
    into = _into(request)
    if into is None:
        return page(
            request,
            "workspace/merge.html",
            "patients",
            {"duplicate": duplicate, "candidates": selectors.duplicates_of(clinic, duplicate)},
        )
    kept = selectors.get_patient(clinic, into)
    record_read(request, clinic=clinic, obj=kept)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            merge_patients(
                clinic=clinic,
                kept=kept,
                merged=duplicate,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Record {duplicate.pk} is merged into this one; everything it held is here.",
            )
            return redirect("workspace:patient", clinic_slug=clinic_slug, patient_id=kept.pk)
    return page(
        request,
        "workspace/merge.html",
        "patients",
        {
            "duplicate": duplicate,
            "kept": kept,
            "form": form,
            "moving": rows_to_move(duplicate),
        },
        status=422 if form.errors else 200,
    )
