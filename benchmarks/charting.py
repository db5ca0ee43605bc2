"""The treatment record's benchmarks: saving and signing a session record with 40
injection points, then "who received lot X" with 10,000 and with 1,000,000
administrations in the database.

    uv run python benchmarks/charting.py [--records 300] [--reads 300] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mesodesk_bench \
        uv run python benchmarks/charting.py

Runs on the database named by DATABASE_URL; without one, on SQLite in a temporary folder.
On PostgreSQL it creates the database if it is missing and works in a schema of its own
(`bench_<pid>`), dropped at the end (unless --keep). The schema is made by `migrate`, so
the triggers that lock signed records are there and fire for every write.

Charting (benchmarks/charting_record.py): for each of `--records` completed sessions, one
record is opened (`charting.services.open_record`), then saved: one administration of
1.5 mL from a lot, by nappage at 2.5 mm, with 40 points on the face map
(`add_administration`: the lot's gates, its stock move and the 40 points in one
transaction); then signed (`sign_record`). Each step is timed on its own. Target
(DESIGN 12): a save <= 50 ms p95.

Recall: the searched clinic holds lot X, given in 150 sessions (one administration each);
every other administration is of other lots, of the searched clinic and of 50 other
clinics, four per session (draft session records of completed appointments), bulk-loaded
(executemany on SQLite, COPY on PostgreSQL) until the table holds 10,000 and then
1,000,000 rows. Each read is `inventory.selectors.recipients` — one statement through the
index charting_admin_by_lot — and its plan is printed. Targets (DESIGN 12): p95 <= 20 ms at
1,000,000 and <= 1.5x the figure at 10,000. The last two lines are the summary.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from bench_database import analyze, configure, percentile
from charting_record import POINTS, record_benchmark

SEED = 20261203
SIZES = (10_000, 1_000_000)
RECIPIENTS = 150  # administrations from lot X, the same at every size
OTHER_CLINICS = 50
PATIENTS_PER_CLINIC = 100
LOTS_PER_CLINIC = 40
PER_SESSION = 4
BATCH = 50_000
AREAS = ("face", "neck", "scalp", "decollete")


# --- Loading rows fast -----------------------------------------------------------------


def _columns(model: Any) -> list[Any]:
    return list(model._meta.concrete_fields)


def _value(field: Any, row: dict[str, Any]) -> Any:
    value = row[field.attname] if field.attname in row else field.get_default()
    if value is None and getattr(field, "auto_now", False):
        # save() would stamp it (updated_at); COPY does not call save().
        from django.utils import timezone

        value = timezone.now()
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def bulk_load(model: Any, rows: list[dict[str, Any]]) -> None:
    """Writes `rows` (attname -> value, ids included; every other column its default) in
    one transaction: COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection, transaction

    fields = _columns(model)
    table = model._meta.db_table
    quoted = ", ".join(f'"{f.column}"' for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([_value(f, row) for f in fields])
        else:
            marks = ", ".join("?" for _ in fields)
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'  # noqa: S608
            raw = cursor.cursor
            for i in range(0, len(rows), BATCH):
                raw.executemany(
                    sql, [[_sqlite(_value(f, r)) for f in fields] for r in rows[i : i + BATCH]]
                )


def _sqlite(value: Any) -> Any:
    # As Django stores them on SQLite: naive UTC datetimes, decimals and dates as text.
    if isinstance(value, datetime):
        return str(value.astimezone(UTC).replace(tzinfo=None))
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def _reset_sequences(*models: Any) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )


# --- Recall: who received lot X --------------------------------------------------------


@dataclass
class Place:
    """A clinic's ids the generated sessions use."""

    clinic_id: int
    practitioner_id: int
    room_id: int
    patient_ids: list[int]
    lot_ids: list[int]
    product_of: dict[int, int]


@dataclass
class RecallBench:
    clinic: Any
    lot: Any
    places: list[Place]
    version_id: int


def seed_recall() -> RecallBench:
    """The searched clinic with lot X among its lots, and 50 other clinics, each with a
    practitioner, a room, patients, one product and its lots (bulk-created)."""
    from mesodesk.accounts.models import User
    from mesodesk.accounts.services import create_user
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.models import Clinic, Membership, Room
    from mesodesk.clinics.services import add_member, add_room, create_clinic
    from mesodesk.inventory.models import Lot, Product
    from mesodesk.inventory.services import create_product, receive_lot
    from mesodesk.patients.models import Patient
    from mesodesk.protocols.selectors import latest_protocol_version

    version = latest_protocol_version()
    assert version is not None, "migrate loads the protocol library"
    clinic = create_clinic(slug="bench", name="Bench Clinic", time_zone="Europe/Berlin")
    doctor = create_user(email="doctor@bench.test", password=None, first_name="Doc")
    add_member(clinic=clinic, user=doctor, role=Role.PRACTITIONER)
    room = add_room(clinic=clinic, name="Room 1")
    product = create_product(clinic=clinic, by=doctor, name="Cocktail")
    expiry = date(2030, 12, 31)
    lot_x = receive_lot(
        clinic=clinic, product=product, by=doctor, number="X", expiry=expiry, quantity=Decimal(999)
    )
    others = Clinic.objects.bulk_create(
        Clinic(slug=f"other-{i}", name=f"Other {i}", time_zone="Europe/London")
        for i in range(OTHER_CLINICS)
    )
    users = User.objects.bulk_create(
        User(email=f"p@other-{i}.test", password="!")  # noqa: S106 - no password at all
        for i in range(OTHER_CLINICS)
    )
    Membership.objects.bulk_create(
        Membership(clinic=c, user=u, role=Role.PRACTITIONER)
        for c, u in zip(others, users, strict=True)
    )
    rooms = Room.objects.bulk_create(Room(clinic=c, name="Room") for c in others)
    products = Product.objects.bulk_create(Product(clinic=c, name="Cocktail") for c in others)
    everyone = [clinic, *others]
    patients = Patient.objects.bulk_create(
        Patient(clinic=c, first_name="Pat", last_name=f"P{i}")
        for c in everyone
        for i in range(PATIENTS_PER_CLINIC)
    )
    lots = Lot.objects.bulk_create(
        Lot(
            clinic=c,
            product=p,
            number=f"L{i}",
            expiry=expiry,
            quantity_received=Decimal(1000),
            quantity_on_hand=Decimal(1000),
            received_by=doctor if c == clinic else u,
        )
        for c, p, u in [(clinic, product, doctor), *zip(others, products, users, strict=True)]
        for i in range(LOTS_PER_CLINIC)
    )
    by_clinic: dict[int, list[Any]] = {}
    for p in patients:
        by_clinic.setdefault(p.clinic_id, []).append(p.pk)
    lots_of: dict[int, list[Any]] = {}
    for lot in lots:
        lots_of.setdefault(lot.clinic_id, []).append(lot)
    staff = [(clinic, doctor, room), *zip(others, users, rooms, strict=True)]
    places = [
        Place(
            clinic_id=c.pk,
            practitioner_id=u.pk,
            room_id=r.pk,
            patient_ids=by_clinic[c.pk],
            lot_ids=[lot.pk for lot in lots_of[c.pk]],
            product_of={lot.pk: lot.product_id for lot in lots_of[c.pk]},
        )
        for c, u, r in staff
    ]
    return RecallBench(clinic=clinic, lot=lot_x, places=places, version_id=version.pk)


@dataclass
class Session:
    """One generated session: its appointment, record and administrations, as rows."""

    appointment: dict[str, Any]
    record: dict[str, Any]
    administrations: list[dict[str, Any]]


def sessions(bench: RecallBench, rng: random.Random) -> Iterator[Session]:
    """Lot X's 150 sessions first (in the searched clinic), then endless sessions of other
    lots: one in five the searched clinic's, the rest other clinics'. Each at its own
    30-minute slot in the past, so nothing overlaps."""
    # After the rows already there (the record benchmark's, in the same database).
    from django.db.models import Max

    from mesodesk.charting.models import Administration, SessionRecord
    from mesodesk.scheduling.models import Appointment

    last = max(
        Appointment.objects.aggregate(m=Max("id"))["m"] or 0,
        SessionRecord.objects.aggregate(m=Max("id"))["m"] or 0,
    )
    ids = count(last + 1)
    admin_ids = count((Administration.objects.aggregate(m=Max("id"))["m"] or 0) + 1)
    base = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
    home = bench.places[0]

    def one(place: Place, n: int, lots: list[tuple[int, int]]) -> Session:
        pk = next(ids)
        start = base + timedelta(minutes=30 * pk)
        end = start + timedelta(minutes=30)
        appointment = {
            "id": pk,
            "clinic_id": place.clinic_id,
            "patient_id": place.patient_ids[n % len(place.patient_ids)],
            "kind": "session",
            "practitioner_id": place.practitioner_id,
            "room_id": place.room_id,
            "start": start,
            "end": end,
            "status": "completed",
            "created_by_id": place.practitioner_id,
            "created_at": start - timedelta(days=14),
            "ended_at": end,
            "ended_by_id": place.practitioner_id,
        }
        record = {
            "id": pk,
            "clinic_id": place.clinic_id,
            "patient_id": appointment["patient_id"],
            "appointment_id": pk,
            "practitioner_id": place.practitioner_id,
            "protocol_version_id": bench.version_id,
            "status": "draft",
            "created_by_id": place.practitioner_id,
            "created_at": start,
        }
        administrations = [
            {
                "id": next(admin_ids),
                "clinic_id": place.clinic_id,
                "record_id": pk,
                "area": AREAS[k % len(AREAS)],
                "product_id": product_id,
                "lot_id": lot_id,
                "volume_ml": Decimal("0.50"),
                "technique": "nappage",
                "depth_mm": Decimal("2.0"),
                "created_by_id": place.practitioner_id,
                "created_at": start,
            }
            for k, (lot_id, product_id) in enumerate(lots)
        ]
        return Session(appointment, record, administrations)

    x = (bench.lot.pk, bench.lot.product_id)
    for n in range(RECIPIENTS):
        yield one(home, n, [x])
    others = [lot for lot in home.lot_ids if lot != bench.lot.pk]
    for n in count():
        place = home if n % 5 == 0 else bench.places[1 + n % (len(bench.places) - 1)]
        pool = others if place is home else place.lot_ids
        chosen = rng.sample(pool, PER_SESSION)
        yield one(place, n, [(lot, place.product_of[lot]) for lot in chosen])


def load_sessions(stream: Iterator[Session], administrations: int) -> None:
    """Loads sessions from `stream` until `administrations` more rows are in the table, a
    chunk at a time (memory stays flat)."""
    from mesodesk.charting.models import Administration, SessionRecord
    from mesodesk.scheduling.models import Appointment

    left = administrations
    while left > 0:
        appointments, records, given = [], [], []
        while len(given) < min(left, 4 * BATCH):
            session = next(stream)
            appointments.append(session.appointment)
            records.append(session.record)
            given.extend(session.administrations)
        bulk_load(Appointment, appointments)
        bulk_load(SessionRecord, records)
        bulk_load(Administration, given)
        left -= len(given)
    _reset_sequences(Appointment, SessionRecord, Administration)
    analyze()


def recall_plan(bench: RecallBench) -> str:
    """The database's plan for the statement `recipients` runs, on one line."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mesodesk.inventory.selectors import recipients

    with CaptureQueriesContext(connection) as captured:
        recipients(bench.clinic, bench.lot)
    (statement,) = [q["sql"] for q in captured.captured_queries]
    explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(explain + statement)
        lines = [" ".join(str(c) for c in row).strip() for row in cursor.fetchall()]
    return " | ".join(lines)


def measure_recall(bench: RecallBench, reads: int) -> tuple[float, float, float, int]:
    """p50 and p95 wall-clock ms of `recipients`, and its p95 in CPU time of this process
    (on a busy machine the wall clock also counts time spent waiting for a core)."""
    from mesodesk.inventory.selectors import recipients

    for _ in range(30):  # warm caches and the connection
        recipients(bench.clinic, bench.lot)
    gc.collect()
    timings, cpu, found = [], [], 0
    for _ in range(reads):
        t, c = time.perf_counter(), time.process_time()
        found = len(recipients(bench.clinic, bench.lot))
        timings.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(timings), percentile(timings, 0.95), percentile(cpu, 0.95), found


def recall_benchmark(reads: int) -> tuple[float, float]:
    """Loads 10,000 then 1,000,000 administrations and times "who received lot X" at each;
    prints a table and returns the p95 at each size (ms)."""
    from mesodesk.charting.models import Administration

    rng = random.Random(SEED)
    bench = seed_recall()
    stream = sessions(bench, rng)
    results = []
    for size in SIZES:
        t = time.perf_counter()
        load_sessions(stream, size - Administration.objects.count())
        total = Administration.objects.count()
        print(f"loaded up to {total:,} administrations in {time.perf_counter() - t:.1f} s")
        p50, p95, cpu95, found = measure_recall(bench, reads)
        assert found == RECIPIENTS, found
        print(f"  plan: {recall_plan(bench)}")
        results.append((total, p50, p95, cpu95))
    print()
    print(f"{'administrations':>16} {'recall p50 ms':>14} {'recall p95 ms':>14} {'cpu p95 ms':>11}")
    for total, p50, p95, cpu95 in results:
        print(f"{total:>16,} {p50:>14.2f} {p95:>14.2f} {cpu95:>11.2f}")
    (_, _, small, _), (_, _, big, _) = results
    ratio = big / small
    ok = big <= 20 and ratio <= 1.5
    print(
        f"recall targets: p95 <= 20 ms at 1M and <= 1.5x 10k: {'met' if ok else 'NOT met'}"
        f" (ratio {ratio:.2f})"
    )
    return small, big


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300, help="records saved and signed")
    parser.add_argument("--reads", type=int, default=300, help="recall reads per size")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    vendor, clean_up = configure(args.keep)
    try:
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"{vendor}: schema ready in {time.perf_counter() - started:.1f} s")
        print(f"charting: a record with {POINTS} points")
        save, sign = record_benchmark(args.records)
        small, big = recall_benchmark(args.reads)
        print(
            f"record p95 ms: save ({POINTS} points) {save:.2f}, sign {sign:.2f} (target save <= 50)"
        )
        print(f"recall p95 ms: 10k {small:.2f}, 1M {big:.2f}")
    finally:
        clean_up()


if __name__ == "__main__":
    sys.exit(main())
