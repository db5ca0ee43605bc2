"""The patient's own copy of their data: asked for in the portal, built by the worker's
task into a real ZIP (FHIR Bundle, consent PDFs, photos, README), downloaded by the
patient only, expired after 7 days."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from PIL import Image

from mesodesk.accounts.models import User
from mesodesk.accounts.services import create_user
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.models import Clinic
from mesodesk.consents.choices import Purpose
from mesodesk.messaging.background import TASKS, run_tasks
from mesodesk.messaging.worker import Worker
from mesodesk.patients.models import Patient
from mesodesk.portal import copies
from mesodesk.portal.choices import CopyStatus
from mesodesk.portal.models import DataCopy
from mesodesk.portal.services import request_data_copy
from tests.consents.conftest import sign
from tests.photos.fixtures import TakePhoto
from tests.portal.conftest import make_patient, signed_in, url

NOW = timezone.now


def with_account(patient: Patient, email: str) -> Patient:
    patient.portal_user = create_user(email=email, password="correct horse battery")
    patient.save(update_fields=["portal_user"])
    return patient


@pytest.fixture
def eve(clinic: Clinic, snap: TakePhoto, photo_consent: Patient) -> Patient:
    """A patient with a portal account, two photos and a signed marketing consent (a PDF
    rendered for real)."""
    patient = with_account(photo_consent, "eve@example.test")
    snap()
    snap(view="lateral_left_90", kind="after")
    sign(clinic, patient, Purpose.MARKETING)
    return patient


def work(worker: str = "w1", now: object = None) -> int:
    return copies.work(worker, now or timezone.now(), threading.Event())  # type: ignore[arg-type]


def download(client: Client, clinic: Clinic, copy: DataCopy) -> bytes:
    response = client.get(url("data_copy_download", clinic, copy_id=copy.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_patient_asks_waits_and_downloads_a_real_zip(
    clinic: Clinic, eve: Patient, paula: Patient
) -> None:
    client = signed_in(eve.portal_user)
    page = client.get(url("preferences", clinic))
    assert "Download a copy of your data" in page.content.decode()
    assert "Ask for a copy of my data" in page.content.decode()

    response = client.post(url("data_copy", clinic))
    assert response.status_code == 302
    assert response["Location"].endswith("#copy")
    copy = DataCopy.objects.get(patient=eve)
    assert copy.status == CopyStatus.PENDING
    waiting = client.get(url("preferences", clinic)).content.decode()
    assert "Your copy is being prepared" in waiting and '?refresh=1#copy">Refresh</a>' in waiting
    # Asking again while it waits shows the same copy.
    client.post(url("data_copy", clinic))
    assert DataCopy.objects.filter(patient=eve).count() == 1

    assert work() == 1
    copy.refresh_from_db()
    assert copy.status == CopyStatus.READY
    assert copy.expires_at is not None and copy.ready_at is not None
    assert copy.expires_at - copy.ready_at == timedelta(days=7)
    ready = client.get(url("preferences", clinic)).content.decode()
    assert "Download my data (ZIP)" in ready

    data = download(client, clinic, copy)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert "fhir-bundle.json" in names and "README.txt" in names

    bundle_json = json.loads(archive.read("fhir-bundle.json"))
    bundle = Bundle.model_validate(bundle_json)
    assert bundle.type == "collection"
    entries = bundle_json["entry"]
    assert entries and all(
        e["fullUrl"].endswith(f"/{e['resource']['resourceType']}/{e['resource']['id']}")
        for e in entries
    )
    patients = [e["resource"] for e in entries if e["resource"]["resourceType"] == "Patient"]
    assert [p["id"] for p in patients] == [str(eve.pk)]
    # Nothing of another patient: every reference to a Patient is Eve's.
    text = json.dumps(bundle_json)
    assert f'Patient/{paula.pk}"' not in text and "Paula" not in text

    pdfs = [n for n in names if n.startswith("consents/")]
    assert pdfs and all(n.endswith(".pdf") for n in pdfs)
    for name in pdfs:
        assert archive.read(name).startswith(b"%PDF")
    photos = [n for n in names if n.startswith("photos/")]
    assert len(photos) == 2
    for name in photos:
        with Image.open(io.BytesIO(archive.read(name))) as image:
            image.verify()
            assert image.format == "JPEG"
    readme = archive.read("README.txt").decode()
    assert clinic.name in readme and "fhir-bundle.json" in readme and "(2 files)" in readme

    # The creation and the download are both access events of Eve's record.
    actions = list(
        AccessEvent.objects.filter(patient=eve, object_type="portal.datacopy").values_list(
            "action", "user_id"
        )
    )
    assert ("export", eve.portal_user_id) in actions
    assert ("download", eve.portal_user_id) in actions


def test_anyone_else_gets_404(
    clinic: Clinic, eve: Patient, paula: Patient, stranger: Patient, pedro: User
) -> None:
    copy = request_data_copy(clinic=clinic, patient=eve, by=eve.portal_user)
    work()
    copy.refresh_from_db()
    target = url("data_copy_download", clinic, copy_id=copy.pk)
    assert signed_in(paula.portal_user).get(target).status_code == 404
    # A patient of another clinic, at this clinic's address: not a patient here (403 page,
    # nothing shown); at their own clinic's address the id is not theirs (404).
    assert signed_in(stranger.portal_user).get(target).status_code == 403
    other = url("data_copy_download", stranger.clinic, copy_id=copy.pk)
    assert signed_in(stranger.portal_user).get(other).status_code == 404
    # Staff of the clinic are not the patient either.
    assert signed_in(pedro).get(target).status_code == 403
    assert Client().get(target).status_code == 302  # anonymous: sign in first
    assert not AccessEvent.objects.filter(action="download").exists()


def test_only_the_patient_may_ask(clinic: Clinic, eve: Patient, paula: Patient) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        request_data_copy(clinic=clinic, patient=eve, by=paula.portal_user)


def test_expiry_deletes_the_file_and_offers_to_ask_again(clinic: Clinic, eve: Patient) -> None:
    copy = request_data_copy(clinic=clinic, patient=eve, by=eve.portal_user)
    work()
    copy.refresh_from_db()
    storage = copies.copy_storage()
    assert storage.exists(copy.file)
    name = copy.file
    # A day before the end: still there.
    assert copies.expire(copy.expires_at - timedelta(days=1)) == 0
    assert copies.expire(copy.expires_at + timedelta(seconds=1)) == 1
    copy.refresh_from_db()
    assert copy.status == CopyStatus.EXPIRED and copy.file == ""
    assert not storage.exists(name)
    client = signed_in(eve.portal_user)
    assert client.get(url("data_copy_download", clinic, copy_id=copy.pk)).status_code == 404
    page = client.get(url("preferences", clinic)).content.decode()
    assert "has expired and was deleted" in page and "Ask for a copy of my data" in page
    client.post(url("data_copy", clinic))
    assert DataCopy.objects.filter(patient=eve, status=CopyStatus.PENDING).count() == 1


def test_a_dead_workers_claim_is_taken_over_after_the_lease(clinic: Clinic, eve: Patient) -> None:
    copy = request_data_copy(clinic=clinic, patient=eve, by=eve.portal_user)
    now = timezone.now()
    claimed = copies.claim("dead", now)
    assert claimed is not None and claimed.pk == copy.pk
    # The worker "dies" here. Within the lease nobody else takes it.
    assert copies.claim("w2", now + copies.LEASE - timedelta(seconds=1)) is None
    later = now + copies.LEASE + timedelta(seconds=1)
    assert work("w2", later) == 1
    copy.refresh_from_db()
    assert copy.status == CopyStatus.READY and copy.attempts == 2
    # The dead worker's late finish changes nothing: the copy is w2's.
    copies.build(claimed, "dead")
    copy.refresh_from_db()
    assert copy.status == CopyStatus.READY
    assert len(copies.copy_storage().listdir(f"data-copies/clinic-{clinic.pk}")[1]) == 1


def test_a_copy_that_keeps_failing_is_marked_failed_with_the_reason(
    clinic: Clinic, eve: Patient
) -> None:
    copy = request_data_copy(clinic=clinic, patient=eve, by=eve.portal_user)
    now = timezone.now()
    # Three workers die in turn while building it.
    for attempt in range(copies.MAX_ATTEMPTS):
        assert copies.claim(f"w{attempt}", now) is not None
        now += copies.LEASE + timedelta(seconds=1)
    assert copies.claim("w9", now) is None
    copy.refresh_from_db()
    assert copy.status == CopyStatus.FAILED
    assert copy.last_error
    page = signed_in(eve.portal_user).get(url("preferences", clinic)).content.decode()
    assert "could not prepare your copy" in page and "Ask for a copy of my data" in page


def test_a_build_error_is_kept_and_retried(clinic: Clinic, eve: Patient) -> None:
    copy = request_data_copy(clinic=clinic, patient=eve, by=eve.portal_user)
    # The photo file is gone from the storage: the build fails for real.
    photo = eve.photos.first()
    assert photo is not None
    copies.copy_storage().delete(photo.image)
    assert work() == 1
    copy.refresh_from_db()
    assert copy.status == CopyStatus.PENDING and copy.attempts == 1
    assert "FileNotFoundError" in copy.last_error


def test_the_worker_runs_the_task_in_its_pass(
    clinic: Clinic, eve: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    assert "patient-data-copy" in TASKS
    copy = request_data_copy(clinic=clinic, patient=eve, by=eve.portal_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = Worker(name="test-worker").run_once()
    # The patient is told it is ready: a link, nothing about the contents.
    ready = [m for m in mail.outbox if "is ready" in m.subject]
    assert [m.to for m in ready] == [["eve@example.test"]]
    assert "/portal/lindenhof/preferences/#copy" in ready[0].body
    assert "photo" not in ready[0].body.lower() and "consent" not in ready[0].body.lower()
    assert result.background >= 1
    copy.refresh_from_db()
    assert copy.status == CopyStatus.READY
    assert run_tasks("again", timezone.now(), threading.Event()) == 0


def test_a_patient_without_photos_or_consents_gets_a_bundle_and_readme(
    clinic: Clinic,
) -> None:
    patient = make_patient(clinic, "quiet@example.test", "Quinn")
    copy = request_data_copy(clinic=clinic, patient=patient, by=patient.portal_user)
    work()
    copy.refresh_from_db()
    data = download(signed_in(patient.portal_user), clinic, copy)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert sorted(names) == ["README.txt", "fhir-bundle.json"]
