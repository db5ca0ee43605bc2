"""Taking a photo: who may, what is refused with which code, and where the files go
(a folder by default, an S3-compatible bucket over real HTTP when configured)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.config.env import photo_storage
from mesodesk.photos import services, storage
from mesodesk.photos.models import Photo
from mesodesk.scheduling.models import Appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.charting.fixtures import session
from tests.photos import files
from tests.photos.fixtures import TakePhoto
from tests.portal.conftest import make_patient


def code_of(error: ValidationError) -> tuple[str, str | None]:
    field, errors = next(iter(error.error_dict.items()))
    return field, errors[0].code


def test_a_photo_is_kept_re_encoded_with_its_thumbnail_in_the_folder(
    snap: TakePhoto, settings: Any, appointment: Appointment
) -> None:
    photo = snap(appointment=appointment, kind="after", view="oblique_left_45")
    assert (photo.area, photo.view, photo.kind, photo.appointment) == (
        "face",
        "oblique_left_45",
        "after",
        appointment,
    )
    folder = settings.STORAGES["photos"]["OPTIONS"]["location"]
    assert storage.photo_storage().path(photo.image).startswith(folder)
    # Names say nothing about the patient.
    assert photo.image.startswith(f"clinic-{photo.clinic_id}/") and "Pat" not in photo.image
    kept = storage.read(photo.image)
    assert files.has_metadata(kept) == []
    assert files.has_metadata(storage.read(photo.thumbnail)) == []
    assert photo.size_bytes == len(kept) and photo.source_format == "jpeg"
    assert photo.history.count() == 1  # who took it, in the history


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (files.pdf(), "not_an_image"),
        (files.truncated_jpeg(), "unreadable"),
        (files.png_bomb(), "decompression_bomb"),
    ],
    ids=["pdf named .jpg", "truncated", "png bomb"],
)
def test_what_is_not_a_safe_photo_is_refused_and_nothing_is_stored(
    snap: TakePhoto, data: bytes, code: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        snap(data=data)
    assert code_of(refused.value) == ("image", code)
    assert not Photo.objects.exists()


def test_only_a_practitioner_takes_photos(snap: TakePhoto, alice: User, fiona: User) -> None:
    for user in (alice, fiona):
        with pytest.raises(ValidationError) as refused:
            snap(by=user)
        assert code_of(refused.value) == ("by", "permission_denied")


def test_area_view_kind_and_session_are_checked(
    snap: TakePhoto, clinic: Clinic, pedro: User, room: Room
) -> None:
    with pytest.raises(ValidationError) as refused:
        snap(area="elbow", view="upside_down", kind="during")
    assert set(refused.value.error_dict) == {"area", "view", "kind"}
    other = make_patient(clinic, "else@example.test", "Else")
    day_before = timezone.now() - timedelta(days=1)
    theirs = session(
        clinic, other, pedro, room, start=day_before, end=day_before + timedelta(minutes=30)
    )
    with pytest.raises(ValidationError) as refused:
        snap(appointment=theirs)
    assert code_of(refused.value) == ("appointment_id", "not_this_patient")


def assert_refused_without_consent(clinic: Clinic, pedro: User) -> None:
    """For a patient who gave no photography consent, the service, the upload page and the
    API all refuse, name what is missing and (on the page) link to collecting it; nothing
    is stored."""
    patient = make_patient(clinic, "olga@example.test", "Olga")
    doctor = sign_in_with_mfa(Client(), pedro)
    with pytest.raises(ValidationError) as refused:
        services.take_photo(
            clinic=clinic,
            patient=patient,
            by=pedro,
            data=files.png(),
            area="face",
            view="frontal",
            kind="before",
        )
    assert code_of(refused.value) == ("consent", services.CONSENT_MISSING)
    url = f"/staff/lindenhof/patients/{patient.pk}/photos/new/"
    page = doctor.get(url)
    assert "No photos without a photography consent" in page.text
    assert "Collect the photography consent" in page.text
    assert services.consent_url(patient.clinic, patient) in page.text
    fields = {"area": "face", "view": "frontal", "kind": "before"}
    image = SimpleUploadedFile("face.jpg", files.jpeg_with_gps(), content_type="image/jpeg")
    answer = doctor.post(url, {"image": image, **fields})
    assert answer.status_code == 422
    assert "No photos without a photography consent" in answer.text
    image = SimpleUploadedFile("face.jpg", files.jpeg_with_gps(), content_type="image/jpeg")
    api = doctor.post(
        f"/api/v1/clinics/lindenhof/patients/{patient.pk}/photos", {"image": image, **fields}
    )
    assert (api.status_code, api.json()["code"]) == (422, services.CONSENT_MISSING)
    assert not Photo.objects.exists()


def test_the_consent_refusal_path_refuses_on_the_service_the_page_and_the_api(
    clinic: Clinic, pedro: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Today's stand-in for the consents gate saying no: the one function the merge fills in.
    reason = "Olga has not given a photography consent for the clinical record."
    monkeypatch.setattr(services, "_consent_refusal", lambda patient: reason)
    assert_refused_without_consent(clinic, pedro)


def test_without_a_photography_consent_no_photo_is_taken(clinic: Clinic, pedro: User) -> None:
    # A new patient has no photography consent of the "clinical" tier:
    # consents.gate.photography_allows is False, and the photo is refused.
    assert_refused_without_consent(clinic, pedro)


# --- an S3-compatible bucket, over HTTP ---------------------------------------------------


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port: a real HTTP S3 endpoint."""
    moto_server = pytest.importorskip("moto.server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except Exception as error:
        pytest.skip(f"moto's S3 server could not start on 127.0.0.1: {error}")
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_photos_go_to_an_s3_bucket_when_configured(
    snap: TakePhoto, settings: Any, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }.items():
        monkeypatch.setenv(name, value)
    bucket = "mesodesk-photos"
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-central-1")
    s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        # As the environment configures it (MESODESK_PHOTO_BUCKET and the rest).
        "photos": photo_storage(
            {
                "MESODESK_PHOTO_BUCKET": bucket,
                "MESODESK_PHOTO_ENDPOINT_URL": s3_endpoint,
                "MESODESK_PHOTO_REGION": "eu-central-1",
            },
            var_dir=Path("/nowhere"),
        ),
    }
    photo = snap()
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {f"photos/{photo.image}", f"photos/{photo.thumbnail}"}
    body = s3.get_object(Bucket=bucket, Key=f"photos/{photo.image}")["Body"].read()
    assert body == storage.read(photo.image)
    assert files.has_metadata(body) == []
    assert Image.open(io.BytesIO(body)).size == (64, 48)
    # Private: the bucket gives nothing to anyone without credentials.
    grants = s3.get_object_acl(Bucket=bucket, Key=f"photos/{photo.image}")["Grants"]
    assert all("AllUsers" not in str(g.get("Grantee")) for g in grants)
