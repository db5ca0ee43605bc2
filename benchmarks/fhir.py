"""The FHIR server's benchmarks: `$everything` of a patient with 10 charted sessions, and a
system Bulk Data `$export` of a clinic with 10,000 and then 100,000 patients.

    uv run python benchmarks/fhir.py [--patients 10000,100000] [--reads 100] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mesodesk_bench uv run python benchmarks/fhir.py

Runs on the database DATABASE_URL names (a schema of its own, dropped afterwards unless
--keep) or, without one, on SQLite in a temporary folder (bench_database.configure).

`$everything`: one patient's 10 sessions are opened, charted (one administration with 40
points each) and signed through the charting services, then `GET
/fhir/r4/Patient/{id}/$everything` is timed --reads times through Django's test client with
a bearer token (p50, p95). While this branch serves no `$everything` route, the same work
is timed without HTTP (`patient_resources` and the Bundle's JSON) and a note says so.

`$export`: a clinic's patients are bulk-created, each with two completed sessions (the
appointment, its signed record and one administration, loaded as benchmarks/charting.py
loads them: COPY on PostgreSQL); then a system export is kicked off and run to the end by
a worker in a process of its own (`mesodesk.fhir.bulk.worker.run_slice`, as `mesodesk
worker` runs it), which reports the resources written per second and its peak RSS
(VmHWM), with its RSS sampled along the way, so a memory that grows with the export shows.
The clinic then grows to the next size and is exported again. Every type the registry
serves is exported; the summary lists the files' counts by type.
Targets (issue 12): >= 5,000 resources/s; peak RSS <= 200 MB and flat as the export grows.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

from bench_database import analyze, configure, percentile

SESSIONS = 10
PER_PATIENT = 2  # completed sessions of each exported patient
BATCH = 20_000
TARGET_RATE = 5_000
TARGET_RSS_MB = 200


# --- $everything -----------------------------------------------------------------------


def _charted_patient() -> tuple[Any, Any, Any]:
    """A patient with SESSIONS charted and signed sessions; (clinic, practitioner, patient)."""
    from charting_record import _seed_charting
    from mesodesk.charting import services
    from mesodesk.scheduling.models import Appointment

    clinic, doctor, lot, appointments, points = _seed_charting(SESSIONS)
    patient = appointments[0].patient
    Appointment.objects.filter(pk__in=[a.pk for a in appointments]).update(patient=patient)
    for appointment in Appointment.objects.filter(pk__in=[a.pk for a in appointments]):
        record = services.open_record(clinic=clinic, appointment=appointment, by=doctor)
        services.add_administration(
            clinic=clinic,
            record=record,
            by=doctor,
            area="face",
            lot=lot,
            volume_ml=Decimal("1.50"),
            technique="nappage",
            depth_mm=Decimal("2.5"),
            needle_gauge=32,
            needle_length_mm=Decimal("4"),
            map_points=points,
            at=appointment.start + timedelta(minutes=5),
        )
        services.sign_record(clinic=clinic, record=record, by=doctor)
    return clinic, doctor, patient


def everything_benchmark(reads: int) -> tuple[float, float]:
    """p50 and p95 of `$everything` in ms."""
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import Resolver404, resolve

    from mesodesk.accounts.services import issue_api_token
    from mesodesk.fhir.everything import patient_resources
    from mesodesk.fhir.registry import Context

    clinic, doctor, patient = _charted_patient()
    url = f"/fhir/r4/Patient/{patient.pk}/$everything"
    try:
        resolve(url)
        served = True
    except Resolver404:
        served = False
    samples: list[float] = []
    entries = 0
    if served:
        setup_test_environment()
        raw = issue_api_token(clinic=clinic, user=doctor, name="bench")[1]
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        for _ in range(reads):
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        entries = len(json.loads(response.content).get("entry", []))
    else:
        print(
            "  note: no /fhir/r4/Patient/{id}/$everything route on this branch: timed"
            " patient_resources and the Bundle's JSON without HTTP"
        )
        from django.db import connection

        member = doctor.memberships.get(clinic=clinic)
        ctx = Context(clinic=clinic, member=member, base="http://testserver/fhir/r4")
        for _ in range(reads):
            started = time.perf_counter()
            bundle = {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [
                    {"fullUrl": f"{ctx.base}/{r['resourceType']}/{r['id']}", "resource": r}
                    for r in patient_resources(patient, ctx)
                ],
            }
            json.dumps(bundle, separators=(",", ":"))
            samples.append((time.perf_counter() - started) * 1000)
        entries = len(bundle["entry"])
        connection.close()
    p50, p95 = statistics.median(samples), percentile(samples, 0.95)
    print(
        f"  $everything of a patient with {SESSIONS} charted sessions ({entries} resources,"
        f" {reads} reads): p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )
    return p50, p95


# --- $export ---------------------------------------------------------------------------


class ExportClinic:
    """The exported clinic: a practitioner, a room, a lot, and patients loaded in steps."""

    def __init__(self) -> None:
        from mesodesk.accounts.services import create_user, issue_api_token
        from mesodesk.clinics.choices import Role
        from mesodesk.clinics.services import add_member, add_room, create_clinic
        from mesodesk.inventory.services import create_product, receive_lot
        from mesodesk.protocols.selectors import latest_protocol_version

        self.clinic = create_clinic(slug="fhir-bench", name="FHIR Bench", time_zone="UTC")
        self.doctor = create_user(email="doctor@fhir-bench.test", password=None)
        add_member(clinic=self.clinic, user=self.doctor, role=Role.ADMIN)
        self.room = add_room(clinic=self.clinic, name="Room 1")
        product = create_product(clinic=self.clinic, by=self.doctor, name="Cocktail")
        self.lot = receive_lot(
            clinic=self.clinic,
            product=product,
            by=self.doctor,
            number="EXPORT1",
            expiry=datetime.now(UTC).date() + timedelta(days=365),
            quantity=Decimal(10_000_000),
        )
        version = latest_protocol_version()
        assert version is not None, "migrate loads the protocol library"
        self.version_id = version.pk
        self.token = issue_api_token(clinic=self.clinic, user=self.doctor, name="bench")[0]
        self.patients = 0

    def grow(self, patients: int) -> float:
        """Adds patients (with their sessions) until the clinic has `patients`; seconds."""
        from django.db.models import F, Max

        from charting import _reset_sequences, bulk_load
        from mesodesk.charting.models import Administration, SessionRecord
        from mesodesk.patients.models import Patient
        from mesodesk.scheduling.models import Appointment

        started = time.perf_counter()
        ids = count(
            max(
                Appointment.objects.aggregate(m=Max("id"))["m"] or 0,
                SessionRecord.objects.aggregate(m=Max("id"))["m"] or 0,
            )
            + 1
        )
        given_ids = count((Administration.objects.aggregate(m=Max("id"))["m"] or 0) + 1)
        # Every session in the past, one after another (10 minutes each: 200,000 end in
        # 2018): an export leaves out what changed after its transaction time, and a
        # record charted "in the future" would be left out of it, rightly.
        base = datetime(2015, 1, 1, 8, 0, tzinfo=UTC)
        doctor = self.doctor.pk
        while self.patients < patients:
            size = min(BATCH, patients - self.patients)
            people = Patient.objects.bulk_create(
                Patient(
                    clinic=self.clinic,
                    first_name="Pat",
                    last_name=f"Export{self.patients + i}",
                    sex="female",
                    email=f"pat{self.patients + i}@example.org",
                )
                for i in range(size)
            )
            appointments, records, given = [], [], []
            for person in people:
                for _ in range(PER_PATIENT):
                    pk = next(ids)
                    start = base + timedelta(minutes=10 * pk)
                    end = start + timedelta(minutes=10)
                    common = {"id": pk, "clinic_id": self.clinic.pk, "patient_id": person.pk}
                    appointments.append(
                        common
                        | {
                            "kind": "session",
                            "practitioner_id": doctor,
                            "room_id": self.room.pk,
                            "start": start,
                            "end": end,
                            "status": "completed",
                            "created_by_id": doctor,
                            "created_at": start - timedelta(days=14),
                            "arrived_at": start,
                            "started_at": start,
                            "ended_at": end,
                            "ended_by_id": doctor,
                        }
                    )
                    records.append(
                        common
                        | {
                            "appointment_id": pk,
                            "practitioner_id": doctor,
                            "protocol_version_id": self.version_id,
                            "status": "draft",
                            "created_by_id": doctor,
                            "created_at": start,
                        }
                    )
                    given.append(
                        {
                            "id": next(given_ids),
                            "clinic_id": self.clinic.pk,
                            "record_id": pk,
                            "area": "face",
                            "product_id": self.lot.product_id,
                            "lot_id": self.lot.pk,
                            "volume_ml": Decimal("1.50"),
                            "technique": "nappage",
                            "depth_mm": Decimal("2.5"),
                            "created_by_id": doctor,
                            "created_at": start,
                        }
                    )
            bulk_load(Appointment, appointments)
            bulk_load(SessionRecord, records)
            bulk_load(Administration, given)
            # Signed once charted, as a practitioner signs (a signed record takes no more).
            SessionRecord.objects.filter(pk__in=[r["id"] for r in records]).update(
                status="signed", signed_at=F("created_at"), signed_by_id=doctor
            )
            self.patients += size
        _reset_sequences(Appointment, SessionRecord, Administration)
        analyze()
        return time.perf_counter() - started

    def export(self) -> dict[str, Any]:
        """A system export kicked off and run by a worker in its own process."""
        from django.db import connection
        from django.utils import timezone

        from mesodesk.clinics.models import Membership
        from mesodesk.fhir.bulk import jobs
        from mesodesk.fhir.models import ExportJob
        from mesodesk.fhir.registry import Context

        member = Membership.objects.get(clinic=self.clinic, user=self.doctor)
        ctx = Context(clinic=self.clinic, member=member, base="http://bench/fhir/r4")
        ExportJob.objects.filter(clinic=self.clinic).delete()
        job = jobs.start(
            ctx=ctx,
            token=self.token,
            level="system",
            types=[t.name for t in jobs.exportable_types(ctx, "system")],
            since=None,
            request=f"{ctx.base}/$export",
            now=timezone.now(),
        )
        connection.close()  # the worker's process has the database to itself
        child = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker-for", job.key],
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise RuntimeError(f"the worker failed:\n{child.stderr[-3000:]}")
        report: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
        job.refresh_from_db()
        by_type: dict[str, int] = {}
        for name, n in job.files.values_list("type", "count"):
            by_type[name] = by_type.get(name, 0) + n
        report["by_type"] = by_type
        report["files"] = job.files.count()
        report["status"] = job.status
        jobs.remove(job)
        return report


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def worker_process(key: str) -> None:
    """The export worker: slices until job `key` is done; prints one JSON line."""
    from django.utils import timezone

    from mesodesk.fhir.bulk.worker import run_slice
    from mesodesk.fhir.models import ExportJob, ExportStatus

    stop = threading.Event()
    written = 0
    samples: list[tuple[int, int]] = []  # (resources written, RSS kB)
    started, cpu = time.perf_counter(), time.process_time()
    while True:
        written += run_slice("bench-worker", timezone.now(), stop)
        samples.append((written, _rss_kb("VmRSS")))
        status = ExportJob.objects.filter(key=key).values_list("status", flat=True).first()
        if status in (ExportStatus.DONE, ExportStatus.FAILED, None):
            break
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(
        json.dumps(
            {
                "written": written,
                "seconds": seconds,
                "cpu": cpu,
                "hwm_kb": _rss_kb("VmHWM"),
                "samples": samples,
            }
        )
    )


def _along(samples: list[list[int]], written: int) -> str:
    """The RSS at a tenth, half and all of the export."""
    marks = []
    for share in (0.1, 0.5, 1.0):
        at = next((kb for n, kb in samples if n >= share * written), samples[-1][1])
        marks.append(f"{int(share * 100)}% {at / 1024:.0f}")
    return ", ".join(marks)


def export_benchmark(sizes: list[int]) -> list[tuple[int, float, float]]:
    """(patients, resources/s, peak MB) of each size."""
    bench = ExportClinic()
    results = []
    for size in sizes:
        loaded = bench.grow(size)
        print(f"  loaded {size:,} patients, {PER_PATIENT} charted sessions each, in {loaded:.1f} s")
        report = bench.export()
        written, seconds = report["written"], report["seconds"]
        rate = written / seconds
        peak = report["hwm_kb"] / 1024
        print(
            f"  $export of {size:,} patients: {written:,} resources in {report['files']} files"
            f" ({report['status']}) in {seconds:.1f} s: {rate:,.0f} resources/s"
            f" ({written / report['cpu']:,.0f} per second of the worker's own CPU);"
            f" worker peak RSS {peak:.0f} MB (RSS MB along the export: "
            f"{_along(report['samples'], written)})"
        )
        print("    by type: " + ", ".join(f"{k} {v:,}" for k, v in report["by_type"].items()))
        results.append((size, rate, peak))
    return results


def _child_setup() -> None:
    """Django for the worker process, on the parent's database and schema."""
    import django
    from django.conf import settings

    schema = os.environ.get("BENCH_SCHEMA", "")
    if schema:
        settings.DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c search_path={schema},public"
        )
    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="10000,100000", help="export sizes, comma-separated")
    parser.add_argument("--reads", type=int, default=100, help="$everything reads")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--worker-for", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_for:
        _child_setup()
        worker_process(args.worker_for)
        return

    vendor, clean_up = configure(args.keep)
    os.environ["BENCH_SCHEMA"] = f"bench_{os.getpid()}" if vendor == "postgresql" else ""
    try:
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"{vendor}: schema ready in {time.perf_counter() - started:.1f} s")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"machine: {os.cpu_count()} cores, load average {load} (figures shrink with load)")
        print("fhir: $everything")
        p50, p95 = everything_benchmark(args.reads)
        print("fhir: system $export")
        sizes = sorted(int(n) for n in args.patients.split(","))
        results = export_benchmark(sizes)
        print(f"$everything ms: p50 {p50:.1f}, p95 {p95:.1f}")
        for size, rate, peak in results:
            print(
                f"$export {size:,} patients: {rate:,.0f} resources/s (target >= {TARGET_RATE:,}),"
                f" peak RSS {peak:.0f} MB (target <= {TARGET_RSS_MB})"
            )
    finally:
        clean_up()


if __name__ == "__main__":
    sys.exit(main())
