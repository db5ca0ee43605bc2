"""Slot search and booking with 10,000 and with 1,000,000 appointments in the database.

    uv run python benchmarks/booking.py [--searches 300] [--bookings 300] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mesodesk_bench \
        uv run python benchmarks/booking.py

Runs on the database named by DATABASE_URL; without one, on SQLite in a temporary folder.
On PostgreSQL it creates the database if it is missing and works in a schema of its own
(`bench_<pid>`), dropped at the end (unless --keep), so nothing else in it is touched.
The schema is made by `migrate`, so the constraints and triggers that forbid double
booking are there and checked for every row loaded.

The searched clinic has 10 practitioners (three part-time), 8 rooms, 3 meso guns and a
closure day; its next eight weeks are about three-quarters booked. The other rows are its
own past years and 200 other clinics spread over 2018-2032, bulk-loaded in (clinic,
start) order (executemany on SQLite, COPY on PostgreSQL). Each search asks for the first
20 session slots with a meso gun over 8 weeks from a day in the first two weeks; each
booking books a session through `book_appointment` with every check. Targets (DESIGN 12):
p95 <= 20 ms at 1,000,000 and <= 1.5x the figure at 10,000. The last line is the summary.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from itertools import count, islice
from typing import Any
from zoneinfo import ZoneInfo

from bench_database import HEALTHY_INTAKE, analyze, configure, percentile

SEED = 20261121
ZONE = ZoneInfo("Europe/Berlin")
OTHER_CLINICS = 200
PRACTITIONERS_PER_OTHER_CLINIC = 5
PATIENTS_PER_CLINIC = 20
SIZES = (10_000, 1_000_000)
BATCH = 50_000
COLUMNS = (
    "clinic_id",
    "patient_id",
    "kind",
    "practitioner_id",
    "room_id",
    "device_id",
    "start",
    "end",
    "status",
    "created_by_id",
    "created_at",
    "cancelled_at",
    "cancel_reason",
    "ended_at",
)


# --- Database set-up ------------------------------------------------------------------


# --- The searched clinic --------------------------------------------------------------


@dataclass
class Bench:
    """The searched clinic and what it has."""

    clinic: Any
    front_desk: Any
    practitioners: list[Any]
    rooms: list[Any]
    guns: list[Any]
    patients: list[Any]
    window_start: date


def next_monday(weeks_ahead: int = 1) -> date:
    today = datetime.now(ZONE).date()
    return today + timedelta(days=7 * weeks_ahead - today.weekday())


def seed_bench_clinic() -> Bench:
    from mesodesk.accounts.services import create_user
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.services import (
        add_closure,
        add_device,
        add_member,
        add_room,
        add_working_hours,
        create_clinic,
    )
    from mesodesk.patients.services import record_intake, register_patient

    clinic = create_clinic(slug="bench", name="Bench Clinic", time_zone=ZONE.key)
    desk = create_user(email="desk@bench.test", password=None, first_name="Desk")
    add_member(clinic=clinic, user=desk, role=Role.FRONT_DESK)
    practitioners = []
    for i in range(10):
        user = create_user(email=f"p{i}@bench.test", password=None, first_name=f"P{i}")
        add_member(clinic=clinic, user=user, role=Role.PRACTITIONER)
        practitioners.append(user)
    for user in practitioners[7:]:  # three part-timers: Monday to Wednesday, 09:00-14:00
        for weekday in (0, 1, 2):
            add_working_hours(
                clinic=clinic, practitioner=user, weekday=weekday, start=clock(9), end=clock(14)
            )
    rooms = [add_room(clinic=clinic, name=f"Room {i}") for i in range(8)]
    guns = [add_device(clinic=clinic, name=f"Gun {i}", device_type="meso_gun") for i in range(3)]
    add_device(clinic=clinic, name="RF 1", device_type="rf_facial")
    window_start = next_monday()
    add_closure(clinic=clinic, date=window_start + timedelta(days=24), reason="Holiday")
    patients = []
    for i in range(PATIENTS_PER_CLINIC):
        patient = register_patient(clinic=clinic, by=desk, first_name="Pat", last_name=f"B{i}")
        record_intake(clinic=clinic, patient=patient, by=desk, answers=HEALTHY_INTAKE)
        patients.append(patient)
    return Bench(clinic, desk, practitioners, rooms, guns, patients, window_start)


def _free(busy: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return all(end <= s or e <= start for s, e in busy)


def busy_window_rows(bench: Bench, rng: random.Random, weeks: int = 10) -> list[tuple[Any, ...]]:
    """About three-quarters of each practitioner's hours booked for `weeks` weeks."""
    from mesodesk.clinics.selectors import clinic_hours, closures_between, working_hours

    hours = clinic_hours(bench.clinic)
    first, last = bench.window_start, bench.window_start + timedelta(weeks=weeks)
    closed = closures_between(bench.clinic, first, last)
    personal = working_hours(bench.clinic, [p.pk for p in bench.practitioners])
    kinds = [("session", 50)] * 6 + [("consultation", 30)] * 3 + [("follow_up", 15)]
    now = datetime.now(UTC)
    rows: list[tuple[Any, ...]] = []
    day = first
    while day < last:
        if day not in closed:
            room_busy: dict[int, list[tuple[datetime, datetime]]] = {r.pk: [] for r in bench.rooms}
            gun_busy: dict[int, list[tuple[datetime, datetime]]] = {g.pk: [] for g in bench.guns}
            patient_busy: dict[int, list[tuple[datetime, datetime]]] = {
                p.pk: [] for p in bench.patients
            }
            for practitioner in bench.practitioners:
                week = personal[practitioner.pk]
                spans = week[day.weekday()] if any(week.values()) else hours[day.weekday()]
                for open_at, close_at in spans:
                    t = datetime.combine(day, open_at, ZONE)
                    close = datetime.combine(day, close_at, ZONE)
                    while t < close:
                        kind, minutes = rng.choice(kinds)
                        end = t + timedelta(minutes=minutes)
                        if end > close:
                            break
                        room = next(
                            (r for r in bench.rooms if _free(room_busy[r.pk], t, end)), None
                        )
                        if rng.random() < 0.75 and room is not None:
                            gun = None
                            if kind == "session" and rng.random() < 0.5:
                                gun = next(
                                    (g for g in bench.guns if _free(gun_busy[g.pk], t, end)), None
                                )
                            room_busy[room.pk].append((t, end))
                            if gun is not None:
                                gun_busy[gun.pk].append((t, end))
                            # A patient free then: the database refuses a patient in two
                            # booked appointments at once (migration 0003).
                            patient = rng.choice(
                                [p for p in bench.patients if _free(patient_busy[p.pk], t, end)]
                            )
                            patient_busy[patient.pk].append((t, end))
                            rows.append(
                                (
                                    bench.clinic.pk,
                                    patient.pk,
                                    kind,
                                    practitioner.pk,
                                    room.pk,
                                    gun.pk if gun else None,
                                    t.astimezone(UTC),
                                    end.astimezone(UTC),
                                    "booked",
                                    bench.front_desk.pk,
                                    now,
                                    None,
                                    "",
                                )
                            )
                            t = end
                        else:
                            t += timedelta(minutes=rng.choice((15, 30, 45)))
        day += timedelta(days=1)
    return rows


# --- Everyone else: other clinics and the searched clinic's past years ----------------


@dataclass
class Staff:
    clinic_id: int
    practitioner_id: int
    room_id: int
    patient_ids: list[int]
    base: datetime
    patient_offset: int = 0


def seed_other_clinics(bench: Bench, rng: random.Random) -> tuple[list[Staff], list[Staff]]:
    """200 other clinics with their staff, rooms and patients (bulk-created), and the
    searched clinic's own practitioners, whose past years fill its history."""
    from mesodesk.accounts.models import User
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.models import Clinic, Membership, Room
    from mesodesk.patients.models import Patient

    clinics = Clinic.objects.bulk_create(
        Clinic(slug=f"other-{i}", name=f"Other {i}", time_zone="Europe/London")
        for i in range(OTHER_CLINICS)
    )
    n = PRACTITIONERS_PER_OTHER_CLINIC
    users = User.objects.bulk_create(
        User(email=f"p{j}@other-{i}.test", password="!")  # noqa: S106 - no password at all
        for i in range(OTHER_CLINICS)
        for j in range(n)
    )
    Membership.objects.bulk_create(
        Membership(clinic=clinics[k // n], user=user, role=Role.PRACTITIONER)
        for k, user in enumerate(users)
    )
    rooms = Room.objects.bulk_create(
        Room(clinic=clinics[k // n], name=f"Room {k % n}") for k in range(len(users))
    )
    patients = Patient.objects.bulk_create(
        Patient(clinic=c, first_name="Pat", last_name=f"O{i}")
        for c in clinics
        for i in range(PATIENTS_PER_CLINIC)
    )
    by_clinic: dict[int, list[int]] = {}
    for p in patients:
        by_clinic.setdefault(p.clinic_id, []).append(p.pk)
    others = [
        Staff(
            clinic_id=clinics[k // n].pk,
            practitioner_id=user.pk,
            room_id=rooms[k].pk,
            patient_ids=by_clinic[clinics[k // n].pk],
            base=datetime(rng.randint(2018, 2032), 1, 1, 8, tzinfo=UTC),
            patient_offset=(k % n) * (PATIENTS_PER_CLINIC // n),
        )
        for k, user in enumerate(users)
    ]
    # The searched clinic's history ends two months before the searched weeks.
    end = datetime.combine(bench.window_start - timedelta(days=60), clock(8), UTC)
    own = [
        Staff(
            clinic_id=bench.clinic.pk,
            practitioner_id=p.pk,
            room_id=bench.rooms[i % len(bench.rooms)].pk,
            patient_ids=[x.pk for x in bench.patients],
            base=end,
            patient_offset=i * (PATIENTS_PER_CLINIC // len(bench.rooms)),
        )
        for i, p in enumerate(bench.practitioners[: len(bench.rooms)])
    ]
    return others, own


def filler(others: list[Staff], own: list[Staff], rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """Endless rows that never overlap: one in five is the searched clinic's past (thirty-
    minute appointments, back in time from two months ago), the rest other clinics'
    fifty-minute sessions, forward from a year between 2018 and 2032."""
    now = datetime.now(UTC)

    def row(staff: Staff, start: datetime, minutes: int, n: int) -> tuple[Any, ...]:
        end = start + timedelta(minutes=minutes)
        roll = rng.random()
        status = "cancelled" if roll < 0.07 else ("completed" if start < now else "booked")
        # Staff of one clinic whose streams start the same year book at the same times:
        # each starts at its own patient, so no patient is booked twice at once.
        return (
            staff.clinic_id,
            staff.patient_ids[(n + staff.patient_offset) % len(staff.patient_ids)],
            "session" if minutes == 50 else "consultation",
            staff.practitioner_id,
            staff.room_id,
            None,
            start,
            end,
            status,
            staff.practitioner_id,
            start - timedelta(days=14),
            start - timedelta(days=1) if status == "cancelled" else None,
            "Patient called" if status == "cancelled" else "",
            end if status == "completed" else None,
        )

    def past(staff: Staff) -> Iterator[tuple[Any, ...]]:
        for n in count():
            day, slot = divmod(n, 16)
            yield row(staff, staff.base - timedelta(days=day + 1, minutes=-30 * slot), 30, n)

    def forward(staff: Staff) -> Iterator[tuple[Any, ...]]:
        for n in count():
            day, slot = divmod(n, 8)
            yield row(staff, staff.base + timedelta(days=day, hours=slot), 50, n)

    own_streams = [past(s) for s in own]
    other_streams = [forward(s) for s in others]
    for k in count():
        if k % 5 == 0:
            yield next(own_streams[(k // 5) % len(own_streams)])
        else:
            yield next(other_streams[k % len(other_streams)])


def load(rows: list[tuple[Any, ...]]) -> None:
    """Writes the rows in (clinic, start) order, in batches, in one transaction."""
    from django.db import connection, transaction

    rows.sort(key=lambda r: (r[0], r[6]))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(f'"{c}"' for c in COLUMNS)
            with cursor.cursor.copy(f"COPY scheduling_appointment ({quoted}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            quoted = ", ".join(f'"{c}"' for c in COLUMNS)
            marks = ", ".join("?" for _ in COLUMNS)
            sql = f"INSERT INTO scheduling_appointment ({quoted}) VALUES ({marks})"  # noqa: S608
            raw = cursor.cursor
            for i in range(0, len(rows), BATCH):
                raw.executemany(sql, [_sqlite_row(r) for r in rows[i : i + BATCH]])
    # Statistics, as a table in service has them (and so autovacuum does not start in the
    # middle of the measurements).
    analyze()


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # As Django stores datetimes on SQLite: naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]".
    return tuple(
        str(v.astimezone(UTC).replace(tzinfo=None)) if isinstance(v, datetime) else v for v in row
    )


# --- Measurements ---------------------------------------------------------------------


def measure_search(bench: Bench, searches: int) -> tuple[float, float, int]:
    from mesodesk.scheduling.selectors import find_slots

    def one(i: int) -> int:
        return len(
            find_slots(
                clinic=bench.clinic,
                kind="session",
                start_date=bench.window_start + timedelta(days=i % 14),
                days=56,
                device_type="meso_gun",
                limit=20,
            )
        )

    for i in range(50):  # warm caches and connections
        one(i)
    gc.collect()
    timings, found = [], 0
    for i in range(searches):
        t = time.perf_counter()
        found = one(i)
        timings.append((time.perf_counter() - t) * 1000)
    return statistics.median(timings), percentile(timings, 0.95), found


def measure_bookings(bench: Bench, bookings: int, first_day: date) -> float:
    """Sessions booked one after another through the service, each in its transaction."""
    from mesodesk.scheduling.services import book_appointment

    def plan() -> Iterator[tuple[datetime, int]]:
        day = first_day
        while True:
            if day.weekday() < 5:
                for slot in range(10):
                    start = datetime.combine(day, clock(9), ZONE) + timedelta(minutes=50 * slot)
                    for p in range(7):  # the full-time practitioners, each in their room
                        yield start, p
            day += timedelta(days=1)

    work = list(islice(plan(), bookings))
    t = time.perf_counter()
    for i, (start, p) in enumerate(work):
        book_appointment(
            clinic=bench.clinic,
            patient=bench.patients[i % len(bench.patients)],
            by=bench.front_desk,
            kind="session",
            start=start,
            practitioner=bench.practitioners[p],
            room=bench.rooms[p],
        )
    return bookings / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    vendor, clean_up = configure(args.keep)
    try:
        from django.core.management import call_command

        from mesodesk.scheduling.models import Appointment

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        rng = random.Random(SEED)
        bench = seed_bench_clinic()
        window = busy_window_rows(bench, rng)
        load(list(window))
        others, own = seed_other_clinics(bench, rng)
        rows = filler(others, own, rng)
        print(
            f"{vendor}: schema and searched clinic ready in {time.perf_counter() - started:.1f} s"
            f" ({len(window)} appointments in its next 10 weeks)"
        )
        results = []
        for phase, size in enumerate(SIZES):
            t = time.perf_counter()
            load(list(islice(rows, size - Appointment.objects.count())))
            total = Appointment.objects.count()
            print(f"loaded up to {total:,} appointments in {time.perf_counter() - t:.1f} s")
            p50, p95, found = measure_search(bench, args.searches)
            rate = measure_bookings(
                bench, args.bookings, bench.window_start + timedelta(weeks=12 + 4 * phase)
            )
            results.append((total, p50, p95, rate, found))

        print()
        print(
            f"{'appointments':>14} {'search p50 ms':>14} {'search p95 ms':>14} {'bookings/s':>11}"
        )
        for total, p50, p95, rate, _ in results:
            print(f"{total:>14,} {p50:>14.2f} {p95:>14.2f} {rate:>11.0f}")
        (_, _, small, _, _), (_, _, big, rate, _) = results
        ratio = big / small
        ok = big <= 20 and ratio <= 1.5
        print(
            f"targets: p95 <= 20 ms at 1M and <= 1.5x 10k: {'met' if ok else 'NOT met'}"
            f" (ratio {ratio:.2f})"
        )
        print(f"slot search p95: 10k {small:.2f} ms, 1M {big:.2f} ms; bookings/s {rate:.0f}")
    finally:
        clean_up()


if __name__ == "__main__":
    sys.exit(main())
