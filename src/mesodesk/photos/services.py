"""Every change to a patient's photos goes through here (there is one: taking a photo).

A photo is kept only if the patient gave a photography consent that covers the clinical
record (`_consent_refusal`), the practitioner is of the clinic, the session is the
patient's, and the file passes `core.images.clean_image`: JPEG, PNG or HEIC by its bytes,
within the size and pixel limits, re-encoded from pixels. A refusal is field-keyed with a
code (see `_refusal`), so the web form and the API say what is wrong and what to do.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.selectors import membership
from mesodesk.consents.gate import photography_allows
from mesodesk.core.images import ImageRefused, clean_image
from mesodesk.core.library import load_library
from mesodesk.patients.models import Patient
from mesodesk.photos import storage
from mesodesk.photos.choices import Kind, View
from mesodesk.photos.models import Photo
from mesodesk.refusals import refusal as _refusal
from mesodesk.scheduling.models import Appointment

CONSENT_MISSING = "photography_consent_missing"


def _consent_refusal(patient: Patient) -> str | None:
    """Why this patient's photos may not be taken, or None when they may.

    Photos need a photography consent of the "clinical" tier (the clinical record only;
    "teaching" and "publication" are wider tiers the patient may also give).
    """
    if photography_allows(patient=patient, tier="clinical"):
        return None
    return (
        f"{patient.first_name} {patient.last_name} has not given a photography consent"
        " for the clinical record."
    )


def consent_url(clinic: Clinic, patient: Patient) -> str:
    """Where staff collect the missing photography consent: the consents app's page,
    where a practitioner hands the tablet to the patient."""
    return reverse(
        "workspace:consent_collect", kwargs={"clinic_slug": clinic.slug, "patient_id": patient.pk}
    )


def check_consent(patient: Patient) -> None:
    """Refuses (field "consent", code photography_consent_missing) a patient whose
    photography consent does not cover the clinical record."""
    reason = _consent_refusal(patient)
    if reason is not None:
        raise _refusal("consent", reason, CONSENT_MISSING)


def _checked(
    clinic: Clinic,
    patient: Patient,
    area: str,
    view: str,
    kind: str,
    appointment: Appointment | None,
) -> None:
    errors: dict[str, ValidationError] = {}
    if area not in load_library().areas:
        errors["area"] = ValidationError("Choose an area of the library.", code="unknown_area")
    if view not in View.values:
        errors["view"] = ValidationError("Choose one of the standard views.", code="unknown_view")
    if kind not in Kind.values:
        errors["kind"] = ValidationError("Choose before, after or progress.", code="unknown_kind")
    if appointment is not None and (
        appointment.clinic_id != clinic.pk or appointment.patient_id != patient.pk
    ):
        errors["appointment_id"] = ValidationError(
            "That session is not this patient's.", code="not_this_patient"
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def take_photo(
    *,
    clinic: Clinic,
    patient: Patient,
    by: User,
    data: bytes,
    area: str,
    view: str,
    kind: str,
    appointment: Appointment | None = None,
    taken_at: datetime | None = None,
) -> Photo:
    """Keeps a photo of `patient` taken by a practitioner of `clinic`: re-encoded, with its
    thumbnail, in the photo storage. Refusals: `by` not a practitioner (permission_denied),
    no photography consent (photography_consent_missing), a bad area, view, kind or session,
    and the image's own (too_large, not_an_image, too_many_pixels, decompression_bomb,
    unreadable, empty), keyed "image"."""
    member = membership(clinic, by)
    if member is None or member.role != Role.PRACTITIONER:
        raise _refusal(
            "by", "Only a practitioner of this clinic takes photos.", "permission_denied"
        )
    if patient.clinic_id != clinic.pk:
        raise Patient.DoesNotExist("patient not found")
    check_consent(patient)
    _checked(clinic, patient, area, view, kind, appointment)
    try:
        clean = clean_image(data)
    except ImageRefused as refused:
        raise _refusal("image", refused.message, refused.code) from refused
    full, small = storage.save_pair(clinic.pk, clean.image, clean.thumbnail)
    # The files are written before the row: if the row is not kept, neither are they.
    try:
        photo = Photo(
            clinic=clinic,
            patient=patient,
            appointment=appointment,
            area=area,
            view=view,
            kind=kind,
            taken_at=taken_at or timezone.now(),
            image=full,
            thumbnail=small,
            width=clean.width,
            height=clean.height,
            size_bytes=len(clean.image),
            sha256=clean.sha256,
            source_format=clean.source_format,
            uploaded_by=by,
        )
        photo._history_user = by  # type: ignore[attr-defined] # read by simple-history
        photo.save()
    except Exception:
        storage.delete(full, small)
        raise
    return photo
