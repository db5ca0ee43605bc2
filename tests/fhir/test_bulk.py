"""Bulk Data Access 2.0 `$export` (CLINIC.md §7): kick-off, polling, the manifest, the
NDJSON files, cancelling, other tokens, `_type` and `_since`, the Group and Patient levels,
a job resumed after its worker died, and expiry. The worker's slices run for real.

Types not yet served by the registry when these tests run (Appointment, a clinical type)
are stood in for by small types of the test's own, removed afterwards; every type the
registry serves is exported and validated with fhir.resources all the same.
"""

from __future__ import annotations

import importlib
import json
import threading
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.group import Group as GroupModel

from mesodesk.accounts.models import User
from mesodesk.accounts.services import issue_api_token
from mesodesk.audit.models import AccessEvent
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership, Room
from mesodesk.clinics.reading import DIARY, Part
from mesodesk.clinics.services import add_member, add_room
from mesodesk.fhir.bulk import jobs
from mesodesk.fhir.bulk.worker import LEASE, run_slice
from mesodesk.fhir.models import ExportJob
from mesodesk.fhir.registry import (
    REGISTRY,
    Context,
    FhirType,
    Resource,
    Source,
    built,
    meta,
    register,
)
from mesodesk.messaging.worker import Worker
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.conftest import _staff

pytestmark = pytest.mark.django_db

KICK_OFF = {"Prefer": "respond-async", "Accept": "application/fhir+json"}


# --- stand-in types -------------------------------------------------------------------


def _appointment(row: Appointment, ctx: Context) -> Resource:
    status = {AppointmentStatus.BOOKED: "booked", AppointmentStatus.CANCELLED: "cancelled"}
    return built(
        "Appointment",
        {
            "resourceType": "Appointment",
            "id": str(row.pk),
            "meta": meta(row.created_at),
            "status": status.get(row.status, "booked"),
            "start": row.start.isoformat(),
            "end": row.end.isoformat(),
            "participant": [
                {"actor": {"reference": f"Patient/{row.patient_id}"}, "status": "accepted"}
            ],
        },
    )


def _flag(row: Patient, ctx: Context) -> Resource:
    if row.last_name == "Broken":
        raise ValueError("this row cannot be built")
    return built(
        "Flag",
        {
            "resourceType": "Flag",
            "id": str(row.pk),
            "status": "active",
            "code": {"text": "clinical stand-in"},
            "subject": {"reference": f"Patient/{row.pk}"},
        },
    )


@pytest.fixture
def appointments_type() -> Iterator[None]:
    """The registry's Appointment, or a stand-in while it has none."""
    if "Appointment" in REGISTRY:
        yield
        return
    register(
        FhirType(
            name="Appointment",
            part=Part.APPOINTMENTS,
            sources=(
                Source(
                    rows=lambda ctx: Appointment.objects.filter(clinic=ctx.clinic),
                    build=_appointment,
                    patient="patient_id",
                    updated="created_at",
                ),
            ),
        )
    )
    yield
    REGISTRY.pop("Appointment")


@pytest.fixture
def flags() -> Iterator[str]:
    """A clinical type of the test's own (Part.RECORDS), one resource a patient; the
    patient named Broken's cannot be built."""
    register(
        FhirType(
            name="Flag",
            part=Part.RECORDS,
            sources=(
                Source(
                    rows=lambda ctx: Patient.objects.filter(clinic=ctx.clinic),
                    build=_flag,
                    patient="pk",
                    updated="updated_at",
                ),
            ),
        )
    )
    yield "Flag"
    REGISTRY.pop("Flag")


# --- the cast ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _exports_in_a_folder_of_the_test(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "fhir_exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports"), "base_url": None},
        },
    }


@pytest.fixture
def paula(clinic: Clinic) -> User:
    return _staff(clinic, "paula@lindenhof.test", Role.PRACTITIONER, "Paula")


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def patients(
    clinic: Clinic, fiona: User, pedro: User, paula: User, room: Room, appointments_type: None
) -> list[Patient]:
    """Five patients; the first three have two appointments each with Pedro, the fourth
    one with Paula, the fifth none."""
    people = [
        register_patient(clinic=clinic, by=fiona, first_name="Pat", last_name=f"Bulk{i}")
        for i in range(5)
    ]
    start = timezone.now() + timedelta(days=3)
    slots = [(p, pedro) for p in people[:3] for _ in range(2)] + [(people[3], paula)]
    for i, (person, practitioner) in enumerate(slots):
        Appointment.objects.create(
            clinic=clinic,
            patient=person,
            kind=AppointmentKind.SESSION,
            practitioner=practitioner,
            room=room,
            start=start + timedelta(hours=i),
            end=start + timedelta(hours=i, minutes=30),
            status=AppointmentStatus.BOOKED,
            created_by=fiona,
        )
    return people


def _client(clinic: Clinic, user: User) -> Client:
    raw = issue_api_token(clinic=clinic, user=user, name=uuid.uuid4().hex[:8])[1]
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def admin(clinic: Clinic, alice: User) -> Client:
    return _client(clinic, alice)


@pytest.fixture
def desk(clinic: Clinic, fiona: User) -> Client:
    return _client(clinic, fiona)


# --- helpers ----------------------------------------------------------------------------


def path(url: str) -> str:
    return urlsplit(url).path


def kick_off(client: Client, url: str = "/fhir/r4/$export", **params: str) -> str:
    response = client.get(url, params, headers=KICK_OFF)
    assert response.status_code == 202, response.content
    return path(response["Content-Location"])


def work(now: Any = None) -> int:
    """Worker passes until the exports are done; resources written."""
    worker = Worker(name="test-worker")
    written = 0
    for _ in range(50):
        result = worker.run_once(now)
        written += result.background
        if not result.background:
            return written
    raise AssertionError("the export did not finish")


def manifest(client: Client, status: str) -> dict[str, Any]:
    response = client.get(status)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def download(client: Client, url: str) -> list[dict[str, Any]]:
    response = client.get(path(url), headers={"Accept": "application/fhir+ndjson"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+ndjson"
    text = b"".join(response.streaming_content).decode()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def validate(resource: dict[str, Any]) -> None:
    name = resource["resourceType"]
    module = importlib.import_module(f"fhir.resources.R4B.{name.lower()}")
    getattr(module, name).model_validate(resource)


def exported(client: Client, body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every output file downloaded, by type; each file one type, each line valid."""
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in body["output"]:
        lines = download(client, entry["url"])
        assert len(lines) == entry["count"]
        assert {line["resourceType"] for line in lines} == {entry["type"]}
        for line in lines:
            validate(line)
        found.setdefault(entry["type"], []).extend(lines)
    return found


def ids(resources: list[dict[str, Any]]) -> list[str]:
    return sorted(r["id"] for r in resources)


def pks(rows: Any) -> list[str]:
    return sorted(str(row.pk) for row in rows)


# --- the tests --------------------------------------------------------------------------


def test_kick_off_without_a_token_is_401(client: Client) -> None:
    for url in ("/fhir/r4/$export", "/fhir/r4/Patient/$export", "/fhir/r4/Group/x/$export"):
        response = client.get(url, headers=KICK_OFF)
        assert response.status_code == 401
        assert json.loads(response.content)["resourceType"] == "OperationOutcome"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_kick_off_is_refused_as_the_spec_says(admin: Client, patients: list[Patient]) -> None:
    def status(headers: dict[str, str], **params: str) -> int:
        response = admin.get("/fhir/r4/$export", params, headers=headers)
        if response.status_code != 202:
            assert json.loads(response.content)["resourceType"] == "OperationOutcome"
        return response.status_code

    assert status({}) == 400  # no Prefer: respond-async
    assert status(KICK_OFF, _outputFormat="text/csv") == 400
    assert status(KICK_OFF, _since="yesterday") == 400
    assert status(KICK_OFF, _since="2026-01-01T00:00:00") == 400  # no time zone
    assert status(KICK_OFF, _type="Patient,Nonsense") == 400
    assert status(KICK_OFF, _typeFilter="Patient?active=true") == 400
    lenient = {**KICK_OFF, "Prefer": "respond-async, handling=lenient"}
    assert status(lenient, _typeFilter="Patient?active=true", _type="Patient,Nonsense") == 202
    assert ExportJob.objects.get().types == ["Patient"]
    ExportJob.objects.all().delete()
    for fmt in ("application/fhir+ndjson", "application/ndjson", "ndjson"):
        assert status(KICK_OFF, _outputFormat=fmt) == 202
    plus = "/fhir/r4/$export?_outputFormat=application/fhir+ndjson"  # "+" not encoded
    # Accepted, but the clinic has three exports under way.
    assert admin.get(plus, headers=KICK_OFF).status_code == 429
    assert status(KICK_OFF) == 429  # the clinic's fourth export under way
    assert ExportJob.objects.count() == jobs.MAX_ACTIVE_PER_CLINIC


def test_a_system_export_runs_in_the_worker_and_every_line_is_valid(
    admin: Client, clinic: Clinic, alice: User, patients: list[Patient]
) -> None:
    status = kick_off(admin)
    assert status.startswith("/fhir/r4/$export-status/")
    waiting = admin.get(status)
    assert waiting.status_code == 202
    assert waiting["Retry-After"] and waiting["X-Progress"] == "queued"

    assert work() > 0
    body = manifest(admin, status)
    assert set(body) >= {"transactionTime", "request", "requiresAccessToken", "output", "error"}
    assert body["requiresAccessToken"] is True
    assert body["request"] == "http://testserver/fhir/r4/$export"
    assert body["error"] == []
    assert all(set(entry) == {"type", "url", "count"} for entry in body["output"])
    found = exported(admin, body)
    assert ids(found["Patient"]) == pks(patients)
    assert ids(found["Appointment"]) == pks(Appointment.objects.filter(clinic=clinic))
    # Every type the registry serves to an admin is there when it has rows (Binary only
    # when `_type` asks for it).
    assert set(found) <= {name for name, t in REGISTRY.items() if t.searchable}
    assert all(len(set(ids(r))) == len(r) for r in found.values())

    events = Counter(
        AccessEvent.objects.filter(clinic=clinic, user=alice).values_list("action", flat=True)
    )
    assert events == {"export": 1, "download": len(body["output"])}


def test_the_progress_is_counted_while_a_job_runs(admin: Client, patients: list[Patient]) -> None:
    status = kick_off(admin, _type="Patient")
    run_slice("slow-worker", timezone.now(), threading.Event(), seconds=0, chunk=2)
    response = admin.get(status)
    assert response.status_code == 202
    assert response["X-Progress"] == "40% (2 of 5 resources)"


def test_the_front_desk_exports_only_what_it_reads(
    desk: Client, admin: Client, patients: list[Patient], flags: str
) -> None:
    refused = desk.get("/fhir/r4/$export", {"_type": flags}, headers=KICK_OFF)
    assert refused.status_code == 403
    status = kick_off(desk)
    work()
    found = exported(desk, manifest(desk, status))
    assert flags not in found and "Patient" in found and "Appointment" in found
    assert all(REGISTRY[name].part in DIARY for name in found)


def test_a_row_that_cannot_be_built_is_reported_in_the_error_file(
    admin: Client, clinic: Clinic, fiona: User, patients: list[Patient], flags: str
) -> None:
    broken = register_patient(clinic=clinic, by=fiona, first_name="Pat", last_name="Broken")
    status = kick_off(admin, _type=f"Patient,{flags}")
    work()
    body = manifest(admin, status)
    found = exported(admin, body)
    assert ids(found[flags]) == pks(patients)
    assert ids(found["Patient"]) == pks([*patients, broken])
    assert [e["type"] for e in body["error"]] == ["OperationOutcome"]
    (problem,) = download(admin, body["error"][0]["url"])
    validate(problem)
    assert f"Flag/{broken.pk}" in problem["issue"][0]["diagnostics"]
    assert "Broken" not in json.dumps(problem)


def test_type_and_since_narrow_the_export(
    admin: Client, clinic: Clinic, patients: list[Patient]
) -> None:
    long_ago = timezone.now() - timedelta(days=30)
    Patient.objects.filter(pk__in=[p.pk for p in patients[2:]]).update(updated_at=long_ago)
    since = (long_ago + timedelta(days=1)).isoformat()
    status = kick_off(admin, _type="Patient", _since=since)
    work()
    body = manifest(admin, status)
    assert {entry["type"] for entry in body["output"]} == {"Patient"}
    assert ids(exported(admin, body)["Patient"]) == pks(patients[:2])


def test_a_group_export_holds_the_practitioners_patients(
    admin: Client, clinic: Clinic, pedro: User, patients: list[Patient]
) -> None:
    group = admin.get(f"/fhir/r4/Group/practitioner-{pedro.pk}")
    assert group.status_code == 200
    model = GroupModel.model_validate(json.loads(group.content))
    assert sorted(m.entity.reference for m in model.member) == sorted(
        f"Patient/{p.pk}" for p in patients[:3]
    )
    assert admin.get("/fhir/r4/Group/practitioner-999999").status_code == 404
    assert admin.get("/fhir/r4/Group/nonsense/$export", headers=KICK_OFF).status_code == 404

    status = kick_off(admin, f"/fhir/r4/Group/practitioner-{pedro.pk}/$export")
    work()
    found = exported(admin, manifest(admin, status))
    assert ids(found["Patient"]) == pks(patients[:3])
    assert ids(found["Appointment"]) == pks(Appointment.objects.filter(practitioner=pedro))


def test_a_patient_export_holds_the_patients_compartment(
    admin: Client, patients: list[Patient]
) -> None:
    status = kick_off(admin, "/fhir/r4/Patient/$export")
    work()
    found = exported(admin, manifest(admin, status))
    assert ids(found["Patient"]) == pks(patients)
    assert all(any(s.patient for s in REGISTRY[name].sources) for name in found)


def test_a_post_kick_off_takes_a_parameters_body(admin: Client, patients: list[Patient]) -> None:
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "_type", "valueString": "Patient"},
            {"name": "_outputFormat", "valueString": "application/fhir+ndjson"},
        ],
    }
    response = admin.post(
        "/fhir/r4/$export", body, content_type="application/fhir+json", headers=KICK_OFF
    )
    assert response.status_code == 202
    work()
    found = exported(admin, manifest(admin, path(response["Content-Location"])))
    assert set(found) == {"Patient"}


def test_only_the_token_that_asked_polls_cancels_and_downloads(
    admin: Client,
    clinic: Clinic,
    other_clinic: Clinic,
    alice: User,
    pedro: User,
    patients: list[Patient],
) -> None:
    status = kick_off(admin)
    work()
    file_url = path(manifest(admin, status)["output"][0]["url"])
    add_member(clinic=other_clinic, user=alice, role=Role.ADMIN)
    strangers = [
        _client(other_clinic, alice),  # the same person, for another clinic
        _client(clinic, pedro),  # another token of the same clinic
        _client(clinic, alice),  # another token of the same user
    ]
    for stranger in strangers:
        for url in (status, file_url):
            response = stranger.get(url)
            assert response.status_code == 404
            assert json.loads(response.content)["resourceType"] == "OperationOutcome"
        assert stranger.delete(status).status_code == 404
    assert Client().get(file_url).status_code == 401
    assert admin.get(status).status_code == 200
    assert len(download(admin, file_url)) > 0


def test_delete_cancels_and_removes_the_files(admin: Client, patients: list[Patient]) -> None:
    storage = jobs.export_storage()
    done = kick_off(admin)
    work()
    urls = [path(e["url"]) for e in manifest(admin, done)["output"]]
    names = list(ExportJob.objects.get().files.values_list("name", flat=True))
    assert names and all(storage.exists(name) for name in names)
    assert admin.delete(done).status_code == 202
    assert admin.get(done).status_code == 404
    assert all(admin.get(url).status_code == 404 for url in urls)
    assert not any(storage.exists(name) for name in names)

    queued = kick_off(admin)  # cancelled before any worker took it
    assert admin.delete(queued).status_code == 202
    assert work() == 0
    assert admin.get(queued).status_code == 404 and not ExportJob.objects.exists()


def test_a_job_whose_worker_died_is_resumed_without_duplicates_or_gaps(
    admin: Client, clinic: Clinic, fiona: User, patients: list[Patient]
) -> None:
    more = [
        register_patient(clinic=clinic, by=fiona, first_name="Pat", last_name=f"More{i}")
        for i in range(6)
    ]
    status = kick_off(admin)
    now = timezone.now()
    # The first worker writes one chunk, its cursor saved with the file...
    assert run_slice("dead-worker", now, threading.Event(), seconds=0, chunk=2) == 2
    job = ExportJob.objects.get()
    assert (job.type_index, job.last_pk, job.done) == (0, patients[1].pk, 2)
    # ...then dies holding the claim, halfway through its next file (written, never saved).
    ExportJob.objects.filter(pk=job.pk).update(claimed_by="dead-worker", claimed_at=now)
    orphan = jobs.export_storage().save(
        jobs.file_name(job, 1, "Patient"), ContentFile(b'{"resourceType":"Patient"}\n')
    )
    # While the lease runs, no other worker takes the job.
    assert run_slice("second-worker", now + LEASE / 2, threading.Event()) == 0
    # Once it has run out, another worker carries on from the saved point.
    later = now + LEASE + timedelta(seconds=1)
    assert run_slice("second-worker", later, threading.Event(), seconds=60) > 0
    body = manifest(admin, status)
    found = exported(admin, body)
    assert ids(found["Patient"]) == pks([*patients, *more])  # none twice, none missing
    assert ids(found["Appointment"]) == pks(Appointment.objects.filter(clinic=clinic))
    assert orphan not in ExportJob.objects.get().files.values_list("name", flat=True)
    # Cancelling removes the dead worker's half-written file with the rest.
    assert admin.delete(status).status_code == 202
    assert not jobs.export_storage().exists(orphan)


def test_files_expire_and_are_removed(admin: Client, patients: list[Patient]) -> None:
    storage = jobs.export_storage()
    status = kick_off(admin)
    work()
    job = ExportJob.objects.get()
    assert job.expires_at is not None and job.finished_at is not None
    assert job.expires_at - job.finished_at == jobs.EXPIRY
    names = list(job.files.values_list("name", flat=True))
    work(job.expires_at - timedelta(minutes=1))  # not yet
    assert admin.get(status).status_code == 200
    work(job.expires_at + timedelta(seconds=1))
    assert admin.get(status).status_code == 404
    assert not ExportJob.objects.exists()
    assert not any(storage.exists(name) for name in names)


def test_a_job_that_fails_says_so_at_its_status_url(admin: Client, patients: list[Patient]) -> None:
    def unreadable(ctx: Context) -> Any:
        raise RuntimeError("the table is gone")

    register(
        FhirType(
            name="Basic",
            part=Part.RECORDS,
            sources=(Source(rows=unreadable, build=_flag, patient="pk", updated="updated_at"),),
        )
    )
    try:
        status = kick_off(admin, _type="Patient,Basic")
        work()
    finally:
        REGISTRY.pop("Basic")
    response = admin.get(status)
    assert response.status_code == 500
    issue = json.loads(response.content)["issue"][0]
    assert issue["code"] == "exception" and "RuntimeError" in issue["diagnostics"]
    assert "gone" not in issue["diagnostics"]


@pytest.mark.django_db(transaction=True)
def test_a_curl_like_session_over_a_live_server(
    live_server: Any, clinic: Clinic, alice: User, patients: list[Patient]
) -> None:
    """The README's session, over real HTTP: kick-off, poll, manifest, download, DELETE."""
    raw = issue_api_token(clinic=clinic, user=alice)[1]

    def call(method: str, url: str, **headers: str) -> tuple[int, Any, bytes]:
        request = urllib.request.Request(  # noqa: S310 - the test's own live server
            url, method=method, headers={"Authorization": f"Bearer {raw}", **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    code, headers, _ = call("GET", f"{live_server.url}/fhir/r4/$export?_type=Patient", **KICK_OFF)
    assert code == 202
    status = headers["Content-Location"]
    assert status.startswith(f"{live_server.url}/fhir/r4/$export-status/")
    code, headers, _ = call("GET", status)
    assert code == 202 and headers["X-Progress"]
    work()
    code, headers, body = call("GET", status)
    assert code == 200 and headers["Expires"]
    (entry,) = json.loads(body)["output"]
    assert entry["url"].startswith(live_server.url)
    code, headers, body = call("GET", entry["url"], Accept="application/fhir+ndjson")
    assert code == 200 and headers["Content-Type"] == "application/fhir+ndjson"
    lines = body.decode().splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == pks(patients)
    assert call("DELETE", status)[0] == 202
    assert call("GET", status)[0] == 404


def test_a_job_stops_when_its_user_no_longer_reads_what_it_exports(
    admin: Client, clinic: Clinic, alice: User, patients: list[Patient], flags: str
) -> None:
    status = kick_off(admin, _type=f"Patient,{flags}")
    Membership.objects.filter(clinic=clinic, user=alice).update(role=Role.FRONT_DESK)
    assert work() == 0
    response = admin.get(status)
    assert response.status_code == 500
    assert "no longer reads" in json.loads(response.content)["issue"][0]["diagnostics"]
    assert not ExportJob.objects.get().files.exists()
