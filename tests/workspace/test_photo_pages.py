"""The photo pages: the grid, taking a photo from a phone or a desk, side by side, and the
image view (headers, access event). Front desk is refused; another clinic gets 404s."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.patients.models import Patient
from mesodesk.photos.models import Photo
from mesodesk.scheduling.models import Appointment
from tests.photos import files
from tests.photos.fixtures import TakePhoto

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_consent")]

BASE = "/staff/lindenhof"


def urls(patient: Patient, photo: Photo) -> list[str]:
    p = f"{BASE}/patients/{patient.pk}/photos/"
    return [
        p,
        p + "new/",
        p + "compare/",
        f"{BASE}/photos/{photo.pk}/image/",
        f"{BASE}/photos/{photo.pk}/image/?variant=thumbnail",
    ]


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_a_practitioner_takes_a_photo_and_the_next_keeps_area_and_session(
    doctor: Client, patient: Patient, appointment: Appointment
) -> None:
    url = f"{BASE}/patients/{patient.pk}/photos/new/"
    form = doctor.get(url)
    assert form.status_code == 200
    # The camera on a phone or tablet, the files on a desk computer.
    assert 'accept="image/*"' in form.text and 'capture="environment"' in form.text
    assert 'enctype="multipart/form-data"' in form.text
    answer = doctor.post(
        url,
        {
            "image": upload("IMG_0001.HEIC", files.heic_with_gps()),
            "area": "face",
            "view": "frontal",
            "kind": "before",
            "appointment": appointment.pk,
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"{url}?area=face&kind=before&appointment={appointment.pk}"
    photo = Photo.objects.get()
    assert (photo.source_format, photo.appointment) == ("heic", appointment)
    again = doctor.get(answer["Location"])
    assert "Saved: Face, Frontal, before." in again.text
    assert f'<option value="{appointment.pk}" selected>' in again.text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.jpg", files.pdf(), "not a JPEG, PNG or HEIC"),
        ("cut.jpg", files.truncated_jpeg(), "damaged or not a complete image"),
        ("bomb.png", files.png_bomb(), "decompression bomb"),
    ],
)
def test_a_refused_file_is_said_next_to_the_field(
    doctor: Client, patient: Patient, name: str, data: bytes, message: str
) -> None:
    answer = doctor.post(
        f"{BASE}/patients/{patient.pk}/photos/new/",
        {"image": upload(name, data), "area": "face", "view": "frontal", "kind": "before"},
    )
    assert answer.status_code == 422
    assert message in answer.text
    assert not Photo.objects.exists()


def test_the_grid_shows_photos_by_session_and_area(
    doctor: Client, patient: Patient, snap: TakePhoto, appointment: Appointment
) -> None:
    snap(appointment=appointment, view="frontal")
    snap(appointment=appointment, view="oblique_left_45", kind="after")
    snap(area="neck")
    page = doctor.get(f"{BASE}/patients/{patient.pk}/photos/")
    assert page.status_code == 200
    text = page.text
    assert "3 photos" in text and "Session of" in text and "Not tied to a session" in text
    assert text.index("<h3>Face</h3>") < text.index("<h3>Neck</h3>")
    assert "?variant=thumbnail" in text and "/media/" not in text


def test_side_by_side_shows_the_earliest_and_latest_or_the_two_picked(
    doctor: Client, patient: Patient, snap: TakePhoto
) -> None:
    first = snap(kind="before")
    middle = snap(kind="progress")
    last = snap(kind="after")
    for n, photo in enumerate((first, middle, last)):
        Photo.objects.filter(pk=photo.pk).update(taken_at=photo.taken_at + timedelta(days=14 * n))
    snap(view="oblique_left_45")
    url = f"{BASE}/patients/{patient.pk}/photos/compare/"
    shown = doctor.get(url)
    assert shown.status_code == 200
    image = f"{BASE}/photos/{{}}/image/"
    assert image.format(first.pk) in shown.text and image.format(last.pk) in shown.text
    assert image.format(middle.pk) not in shown.text.split('<ul class="compare">')[1]
    picked = doctor.get(url, {"series": "face:frontal", "first": middle.pk, "second": last.pk})
    after_form = picked.text.split('<ul class="compare">')[1]
    assert image.format(middle.pk) in after_form and image.format(first.pk) not in after_form
    alone = doctor.get(url, {"series": "face:oblique_left_45"})
    assert "Only one photo of face, 45° left so far" in alone.text


def test_side_by_side_shows_each_photo_s_session_scores_under_it(
    clinic: Clinic, doctor: Client, patient: Patient, snap: TakePhoto, record: Any, pedro: User
) -> None:
    from mesodesk.outcomes.services import record_score

    appointment = record.appointment
    before = snap(kind="before", appointment=appointment)
    snap(kind="after")
    record_score(
        clinic=clinic,
        appointment=appointment,
        by=pedro,
        scale="wsrs",
        time_point="baseline",
        value="4",
        side="left",
        area="face",
    )
    shown = doctor.get(f"{BASE}/patients/{patient.pk}/photos/compare/").text
    assert f"{BASE}/photos/{before.pk}/image/" in shown
    assert "Wrinkle Severity Rating Scale (WSRS), left (practitioner): 4 Severe" in shown


def test_the_image_is_served_privately_with_an_access_event(
    doctor: Client, admin: Client, snap: TakePhoto, pedro: User, alice: User
) -> None:
    photo = snap()
    url = f"{BASE}/photos/{photo.pk}/image/"
    for client, user in ((doctor, pedro), (admin, alice)):
        for variant in ("", "?variant=thumbnail"):
            since = AccessEvent.objects.count()
            response = client.get(url + variant)
            assert response.status_code == 200
            assert response["Content-Type"] == "image/jpeg"
            assert response["Cache-Control"] == "private, no-store"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert files.has_metadata(response.content) == []
            event = AccessEvent.objects.order_by("-id").first()
            assert AccessEvent.objects.count() == since + 1 and event is not None
            assert (event.user, event.patient_id, event.action) == (user, photo.patient_id, "read")
            assert (event.object_type, event.object_id, event.path) == (
                "photos.photo",
                str(photo.pk),
                url,
            )


def test_front_desk_never_sees_photos(desk: Client, patient: Patient, snap: TakePhoto) -> None:
    photo = snap()
    for url in urls(patient, photo):
        response = desk.get(url)
        assert response.status_code == 403, url
        assert "Photos are clinical content" in response.text
    assert not AccessEvent.objects.filter(object_type="photos.photo").exists()
    chart = desk.get(f"{BASE}/patients/{patient.pk}/")
    assert chart.status_code == 200 and "/photos/" not in chart.text


def test_an_admin_sees_photos_but_takes_none(admin: Client, patient: Patient) -> None:
    url = f"{BASE}/patients/{patient.pk}/photos/"
    assert admin.get(url).status_code == 200
    assert "Take or upload photos" not in admin.get(url).text
    assert admin.get(url + "new/").status_code == 403


def test_the_chart_links_a_practitioner_to_the_photos(doctor: Client, patient: Patient) -> None:
    chart = doctor.get(f"{BASE}/patients/{patient.pk}/")
    assert f"{BASE}/patients/{patient.pk}/photos/new/" in chart.text


def test_another_clinics_staff_get_404_for_every_photo_url(
    outsider: Client, patient: Patient, snap: TakePhoto, other_clinic: Clinic
) -> None:
    photo = snap()
    for url in urls(patient, photo):
        assert outsider.get(url).status_code == 404, url
        # With their own clinic's slug and Lindenhof's ids, too.
        assert outsider.get(url.replace("lindenhof", "harbour")).status_code == 404, url
    post = outsider.post(
        f"{BASE}/patients/{patient.pk}/photos/new/",
        {"image": upload("a.jpg", files.jpeg_with_gps()), "area": "face", "view": "frontal"},
    )
    assert post.status_code == 404
    assert Photo.objects.count() == 1
