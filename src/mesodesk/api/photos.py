"""Photos: take one (multipart upload), list a patient's, fetch one's re-encoded bytes.

As on the web: practitioners take photos, practitioners and admins read them, front desk
gets 403; another clinic's patient or photo is 404. An upload that is not a JPEG, PNG or
HEIC by its bytes, is over 25 MB or 50 megapixels, is a decompression bomb or is damaged is
a 422 whose code says which (not_an_image, too_large, too_many_pixels, decompression_bomb,
unreadable, empty). Every list and every image served writes an access event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from mesodesk.accounts.access import require_role
from mesodesk.api.common import local, member, responses
from mesodesk.audit.services import record_read
from mesodesk.clinics.choices import Role
from mesodesk.core.images import MAX_BYTES
from mesodesk.patients import selectors as patient_selectors
from mesodesk.photos import selectors, services
from mesodesk.photos.choices import Kind, Variant, View
from mesodesk.photos.models import Photo
from mesodesk.scheduling import selectors as scheduling

router = Router(tags=["photos"])


class PhotoIn(Schema):
    """The form fields beside the `image` file."""

    area: str = Field(min_length=1, max_length=40, description="Area code of the library")
    view: View = Field(description="The standard view")
    kind: Kind = Field(description="before, after or progress")
    appointment_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="The session the photo belongs to"
    )


class PhotoOut(Schema):
    id: int
    patient_id: int
    appointment_id: int | None
    area: str
    view: View
    kind: Kind
    taken_at: datetime
    width: int
    height: int
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the re-encoded JPEG that /image serves")
    image_url: str
    thumbnail_url: str


def photo_out(photo: Photo, clinic_slug: str) -> PhotoOut:
    image = f"/api/v1/clinics/{clinic_slug}/photos/{photo.pk}/image"
    return PhotoOut(
        id=photo.pk,
        patient_id=photo.patient_id,
        appointment_id=photo.appointment_id,
        area=photo.area,
        view=View(photo.view),
        kind=Kind(photo.kind),
        taken_at=local(photo.taken_at, photo.clinic),  # type: ignore[arg-type]
        width=photo.width,
        height=photo.height,
        size_bytes=photo.size_bytes,
        sha256=photo.sha256,
        image_url=image,
        thumbnail_url=f"{image}?variant=thumbnail",
    )


@router.post(
    "/clinics/{clinic}/patients/{patient_id}/photos",
    response=responses(PhotoOut, 400, status=201),
    summary="Take a photo (multipart: image, area, view, kind, optional appointment_id)",
)
def upload_photo(
    request: HttpRequest,
    clinic: str,
    patient_id: int,
    image: File[UploadedFile],
    form: Form[PhotoIn],
) -> Status[PhotoOut]:
    membership = member(request, clinic)
    # The objects first: another clinic's patient or session is a 404 whatever the role.
    patient = patient_selectors.get_patient(membership.clinic, patient_id)
    appointment = (
        scheduling.get_appointment(membership.clinic, form.appointment_id)
        if form.appointment_id is not None
        else None
    )
    require_role(membership, Role.PRACTITIONER)
    photo = services.take_photo(
        clinic=membership.clinic,
        patient=patient,
        by=request.user,  # type: ignore[arg-type]
        data=image.read(MAX_BYTES + 1),
        area=form.area,
        view=form.view,
        kind=form.kind,
        appointment=appointment,
    )
    return Status(201, photo_out(photo, clinic))


@router.get(
    "/clinics/{clinic}/patients/{patient_id}/photos",
    response=responses(list[PhotoOut]),
    summary="A patient's photos, oldest first (practitioners and admins)",
)
def list_photos(request: HttpRequest, clinic: str, patient_id: int) -> list[PhotoOut]:
    membership = member(request, clinic)
    patient = patient_selectors.get_patient(membership.clinic, patient_id)
    selectors.require_clinical(membership)
    photos = list(selectors.photos_of_patient(membership.clinic, patient))
    record_read(request, clinic=membership.clinic, obj=patient)
    for photo in photos:
        photo.clinic = membership.clinic
    return [photo_out(p, clinic) for p in photos]


IMAGE_ANSWER = {
    "responses": {
        200: {
            "description": "The re-encoded JPEG (no metadata), or its thumbnail",
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/clinics/{clinic}/photos/{photo_id}/image",
    response=responses(None),
    summary="A photo's re-encoded JPEG bytes (variant=thumbnail for the thumbnail)",
    openapi_extra=IMAGE_ANSWER,
)
def read_photo_image(
    request: HttpRequest,
    clinic: str,
    photo_id: int,
    variant: Literal["full", "thumbnail"] = "full",
) -> HttpResponse:
    membership = member(request, clinic)
    photo, data = selectors.read_photo(
        membership.clinic, photo_id, member=membership, request=request, variant=Variant(variant)
    )
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}-{variant}.jpg"'
    return response
