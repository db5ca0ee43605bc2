"""The photo API: a multipart upload answers 201 with the photo's id, a file that is not a
safe photo answers 422 with a code, the list and the image are for clinical roles only and
each read leaves an access event; the image is the re-encoded JPEG, with no metadata."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mesodesk.audit.models import AccessEvent
from mesodesk.core import images
from mesodesk.patients.models import Patient
from mesodesk.photos.models import Photo
from mesodesk.scheduling.models import Appointment
from tests.photos import files
from tests.photos.fixtures import TakePhoto

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_consent")]

C = "/api/v1/clinics/lindenhof"


def form(data: bytes, name: str = "photo.jpg", **fields: Any) -> dict[str, Any]:
    return {
        "image": SimpleUploadedFile(name, data, content_type="image/jpeg"),
        "area": "face",
        "view": "frontal",
        "kind": "before",
        **fields,
    }


def test_a_practitioner_uploads_a_photo_and_gets_201_with_its_id(
    doctor: Client, patient: Patient, appointment: Appointment
) -> None:
    answer = doctor.post(
        f"{C}/patients/{patient.pk}/photos",
        form(files.heic_with_gps(), "IMG_0001.HEIC", appointment_id=appointment.pk),
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    photo = Photo.objects.get()
    assert body["id"] == photo.pk
    assert (body["appointment_id"], body["view"], body["kind"]) == (
        appointment.pk,
        "frontal",
        "before",
    )
    assert body["image_url"] == f"{C}/photos/{photo.pk}/image"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (files.pdf(), "not_an_image"),
        (files.truncated_jpeg(), "unreadable"),
        (files.png_bomb(), "decompression_bomb"),
        (files.png_bomb(7_100), "too_many_pixels"),
        (b"\xff\xd8\xff" + b"\x00" * images.MAX_BYTES, "too_large"),
    ],
    ids=["pdf named .jpg", "truncated", "png bomb", "over 50 megapixels", "over 25 MB"],
)
def test_a_file_that_is_not_a_safe_photo_is_422_with_a_code(
    doctor: Client, patient: Patient, data: bytes, code: str
) -> None:
    answer = doctor.post(f"{C}/patients/{patient.pk}/photos", form(data, "photo.jpg"))
    assert answer.status_code == 422
    assert answer.json()["code"] == code
    assert answer.json()["errors"]["image"]
    assert not Photo.objects.exists()


def test_a_bad_view_or_a_missing_file_is_422(doctor: Client, patient: Patient) -> None:
    url = f"{C}/patients/{patient.pk}/photos"
    assert doctor.post(url, form(files.png(), view="sideways")).status_code == 422
    assert (
        doctor.post(url, {"area": "face", "view": "frontal", "kind": "before"}).status_code == 422
    )
    unknown_area = doctor.post(url, form(files.png(), area="elbow"))
    assert (unknown_area.status_code, unknown_area.json()["code"]) == (422, "unknown_area")


def test_front_desk_and_admins_do_not_upload(desk: Client, patient: Patient, alice: Any) -> None:
    from tests.api.conftest import signed_in

    for client in (desk, signed_in(alice)):
        answer = client.post(f"{C}/patients/{patient.pk}/photos", form(files.png()))
        assert answer.status_code == 403
    assert not Photo.objects.exists()


def test_the_list_and_the_image_are_clinical_reads_with_access_events(
    doctor: Client, desk: Client, patient: Patient, snap: TakePhoto, pedro: Any
) -> None:
    photo = snap()
    since = AccessEvent.objects.count()
    listed = doctor.get(f"{C}/patients/{patient.pk}/photos")
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()] == [photo.pk]
    image = doctor.get(f"{C}/photos/{photo.pk}/image")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"
    assert image["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(image.content).hexdigest() == photo.sha256 == listed.json()[0]["sha256"]
    assert files.has_metadata(image.content) == []
    thumb = doctor.get(f"{C}/photos/{photo.pk}/image?variant=thumbnail")
    assert thumb.status_code == 200 and thumb.content != image.content
    events = AccessEvent.objects.filter(pk__gt=since).order_by("id")
    assert [(e.object_type, e.user_id, e.patient_id) for e in events] == [
        ("patients.patient", pedro.pk, patient.pk),
        ("photos.photo", pedro.pk, patient.pk),
        ("photos.photo", pedro.pk, patient.pk),
    ]
    for url in (f"{C}/patients/{patient.pk}/photos", f"{C}/photos/{photo.pk}/image"):
        refused = desk.get(url)
        assert refused.status_code == 403
        assert refused.json()["code"] == "forbidden"
