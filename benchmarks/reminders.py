"""Reminder worker throughput: N due reminders sent through a real SMTP server on loopback.

    uv run python benchmarks/reminders.py [--count 5000] [--workers 2] [--batch 200] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mesodesk_bench \
        uv run python benchmarks/reminders.py

Runs on the database named by DATABASE_URL; without one, on SQLite in a temporary folder.
On PostgreSQL it creates the database if it is missing and works in a schema of its own
(`bench_<pid>`), dropped at the end (unless --keep), so nothing else in it is touched.

It queues N appointment reminders due now (bulk insert; 200 patients, each with a booked
appointment and e-mail chosen), starts aiosmtpd in a process of its own (so it does not
compete with the workers for the GIL), runs W worker processes (forked, each a `Worker`
doing `run_once` until the outbox has nothing left to send), and counts: rows sent,
Message-IDs received, lost (rows whose Message-ID never arrived) and duplicates (receipts
beyond the first). Target (issue 5): >= 1,000 msg/s, 0 lost, 0 duplicates, on SQLite and
on PostgreSQL.

Then a crash (issue 14): one more batch is queued, a worker is killed with SIGKILL a third
of the way through it, and a second worker (a one-second lease) sweeps its claims back and
sends the rest. Each message is recorded as sent as soon as the server accepts it, so at
most the message in flight arrives twice. The last line is the summary.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import signal
import socket
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from typing import Any

from bench_database import configure

PATIENTS = 200
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
FORK = mp.get_context("fork")


# --- The SMTP server, in its own process ------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Collect:
    """Keeps each message's Message-ID (found in the raw bytes: parsing costs time) and
    counts them where the parent process sees it."""

    def __init__(self, received: Synchronized[int]) -> None:
        self.ids: list[str] = []
        self.received = received

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = MESSAGE_ID.search(envelope.original_content)
        self.ids.append(found.group(1).decode() if found else "")
        self.received.value += 1
        return "250 OK"


def smtp_server(
    port: int, ready: Event, stop: Event, results: Connection, received: Synchronized[int]
) -> None:
    """aiosmtpd on 127.0.0.1:port until `stop`; then sends back the Message-IDs received."""
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = _Collect(received)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    results.send((handler.ids, time.process_time()))
    results.close()


# --- Database set-up ------------------------------------------------------------------


def seed_clinic() -> tuple[list[Any], list[Any]]:
    """A clinic with PATIENTS patients, each with e-mail chosen and a booked appointment."""
    from mesodesk.accounts.models import User
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.models import Clinic, Membership, Room
    from mesodesk.messaging.models import ContactPreferences
    from mesodesk.patients.models import Patient
    from mesodesk.scheduling.models import Appointment

    now = datetime.now(UTC)
    clinic = Clinic.objects.create(slug="bench", name="Bench Clinic", time_zone="Europe/Berlin")
    doctor = User.objects.create(email="doctor@bench.test", password="!")  # noqa: S106
    Membership.objects.create(clinic=clinic, user=doctor, role=Role.PRACTITIONER)
    room = Room.objects.create(clinic=clinic, name="Room 1")
    patients = Patient.objects.bulk_create(
        Patient(clinic=clinic, first_name=f"Pat{i}", last_name="Bench", email=f"p{i}@bench.test")
        for i in range(PATIENTS)
    )
    ContactPreferences.objects.bulk_create(
        ContactPreferences(clinic=clinic, patient=p, email=True, sms=False) for p in patients
    )
    first = now + timedelta(days=30)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            clinic=clinic,
            patient=p,
            kind="consultation",
            practitioner=doctor,
            room=room,
            start=first + timedelta(hours=i),
            end=first + timedelta(hours=i, minutes=30),
            created_by=doctor,
        )
        for i, p in enumerate(patients)
    )
    return patients, appointments


def queue_reminders(
    patients: list[Any], appointments: list[Any], count: int, *, tag: str = "bench"
) -> list[str]:
    """`count` appointment reminders due now, over the patients; their Message-IDs."""
    from mesodesk.messaging.models import Reminder
    from mesodesk.messaging.render import message_id

    now = datetime.now(UTC)
    clinic = patients[0].clinic
    rows = Reminder.objects.bulk_create(
        (
            Reminder(
                clinic=clinic,
                patient=patients[i % PATIENTS],
                appointment=appointments[i % PATIENTS],
                kind="appointment",
                channel="email",
                moment=appointments[i % PATIENTS].start,
                send_at=now - timedelta(milliseconds=count - i),
                expires_at=now + timedelta(hours=1),
                next_attempt_at=now - timedelta(milliseconds=count - i),
                idempotency_key=f"{tag}:{i:08d}",
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        ),
        batch_size=2000,
    )
    return [message_id(r) for r in rows]


# --- The workers ----------------------------------------------------------------------


def work(batch: int, index: int, cpu: Any, lease: float = 300.0) -> None:
    """One worker process: passes until nothing is left to send (none pending or in flight)."""
    from django.db import connections

    from mesodesk.messaging.choices import ReminderStatus
    from mesodesk.messaging.models import Reminder
    from mesodesk.messaging.worker import Worker, WorkerSettings

    settings = WorkerSettings(batch=batch, lease=timedelta(seconds=lease))
    worker = Worker(settings, name=f"bench-{index}")
    left = (ReminderStatus.PENDING, ReminderStatus.SENDING)
    while True:
        result = worker.run_once()
        if result.claimed == 0:
            if not Reminder.objects.filter(status__in=left).exists():
                break
            time.sleep(0.01)
    connections.close_all()
    cpu[index] = time.process_time()


def kill_mid_batch(
    patients: list[Any], appointments: list[Any], batch: int, received: Synchronized[int]
) -> list[str]:
    """Queues one batch, kills its worker with SIGKILL a third of the way through, and lets
    a second worker sweep the dead one's claims back (a one-second lease) and send the
    rest. The batch's Message-IDs."""
    from django.db import connections

    expected = queue_reminders(patients, appointments, batch, tag="crash")
    connections.close_all()
    before = received.value
    cpu = FORK.Array("d", 2)
    victim = FORK.Process(target=work, args=(batch, 0, cpu, 1.0))
    victim.start()
    deadline = time.monotonic() + 60
    while received.value < before + batch // 3 and time.monotonic() < deadline:
        time.sleep(0.0005)
    os.kill(victim.pid, signal.SIGKILL)  # type: ignore[arg-type]
    victim.join()
    time.sleep(1.1)  # the lease runs out
    survivor = FORK.Process(target=work, args=(batch, 1, cpu, 1.0))
    survivor.start()
    survivor.join()
    if survivor.exitcode != 0:
        sys.exit("the second worker failed")
    return expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000, help="reminders to send (5000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--batch", type=int, default=200, help="rows claimed at a time (200)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    port = free_port()
    ready, stop = FORK.Event(), FORK.Event()
    receive, send = FORK.Pipe(duplex=False)
    received_count = FORK.Value("q", 0)
    server = FORK.Process(
        target=smtp_server, args=(port, ready, stop, send, received_count), daemon=True
    )
    server.start()
    if not ready.wait(30):
        sys.exit("the SMTP server did not start")

    vendor, clean_up = configure(
        args.keep, {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "LOG_LEVEL": "warning"}
    )
    try:
        from django.core.management import call_command
        from django.db import connections

        from mesodesk.messaging.models import Reminder

        call_command("migrate", verbosity=0)
        t = time.perf_counter()
        patients, appointments = seed_clinic()
        expected = queue_reminders(patients, appointments, args.count)
        queued = time.perf_counter() - t
        # Forked workers open their own connections; none may share the parent's.
        connections.close_all()

        cpu = FORK.Array("d", args.workers)
        started = time.perf_counter()
        workers = [
            FORK.Process(target=work, args=(args.batch, i, cpu)) for i in range(args.workers)
        ]
        for process in workers:
            process.start()
        for process in workers:
            process.join()
        elapsed = time.perf_counter() - started
        if any(process.exitcode != 0 for process in workers):
            sys.exit("a worker failed")

        statuses = Counter(Reminder.objects.values_list("status", flat=True))
        sent = statuses["sent"]
        rate = sent / elapsed
        cpu_per_message = sum(cpu) * 1000 / max(sent, 1)

        crash = kill_mid_batch(patients, appointments, args.batch, received_count)

        stop.set()
        ids, server_cpu = receive.recv()
        received = Counter(ids)
        server.join(timeout=30)
        crash_ids = set(crash)
        lost = sum(1 for mid in [*expected, *crash] if mid not in received)
        duplicates = sum(n - 1 for mid, n in received.items() if mid not in crash_ids)
        crash_duplicates = sum(received[mid] - 1 for mid in crash_ids if received[mid] > 1)

        print()
        print(f"{'database':<12} {vendor}")
        print(f"{'queued':<12} {args.count:,} reminders in {queued:.2f} s")
        print(f"{'workers':<12} {args.workers} processes, batch {args.batch}")
        print(f"{'statuses':<12} {', '.join(f'{k} {v:,}' for k, v in sorted(statuses.items()))}")
        print(f"{'received':<12} {received.total():,} messages, {len(received):,} Message-IDs")
        print(f"{'elapsed':<12} {elapsed:.2f} s")
        per = 1000 / max(sent + len(crash), 1)
        print(
            f"{'cpu':<12} workers {cpu_per_message:.2f} ms/msg, SMTP server "
            f"{server_cpu * per:.2f} ms/msg ({os.cpu_count()} cores; load "
            f"{os.getloadavg()[0]:.1f})"
        )
        print(
            f"{'kill -9':<12} a worker killed a third into a batch of {args.batch}: "
            f"{crash_duplicates} sent twice (at most 1, the message in flight)"
        )
        met = rate >= 1000 and not lost and not duplicates and crash_duplicates <= 1
        print(
            "target: >= 1,000 msg/s, 0 lost, 0 duplicates, <= 1 after a kill: "
            f"{'met' if met else 'NOT met'}"
        )
        print(
            f"reminders: {sent} sent, {lost} lost, {duplicates} duplicates, {rate:.0f} msg/s; "
            f"after kill -9: {crash_duplicates} duplicates"
        )
    finally:
        stop.set()
        clean_up()


if __name__ == "__main__":
    sys.exit(main())
