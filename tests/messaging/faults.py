"""Helpers for the worker's fault tests: an outbox of due reminders, a real SMTP server that
takes its time, `mesodesk worker` processes, and a private PostgreSQL cluster that a test
may restart (never the machine's shared one).

Everything listens on loopback, on free ports, and is stopped by the code that started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import time as clock
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.utils import timezone

from mesodesk.accounts.services import create_user
from mesodesk.clinics.choices import Role
from mesodesk.clinics.services import add_member, add_room, create_clinic
from mesodesk.messaging.choices import MessageChannel, ReminderKind, ReminderStatus
from mesodesk.messaging.models import ContactPreferences, Reminder
from mesodesk.messaging.render import message_id
from mesodesk.patients.services import register_patient
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.helpers import MESODESK, free_port, mesodesk_env
from tests.messaging.conftest import SmtpServer

REPO = Path(__file__).resolve().parents[2]
PATIENT_EMAIL = "ida.fault@example.test"


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Polls `condition` every 50 ms; fails the test with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


# --- The outbox -------------------------------------------------------------------------


PATIENT_PHONE = "+4917012345678"


def seed_outbox(
    count: int,
    *,
    expires_in: float = 3600.0,
    prefix: str = "fault",
    channel: MessageChannel = MessageChannel.EMAIL,
) -> list[str]:
    """A clinic, a patient who wants e-mail (or text messages), a booked appointment a
    month ahead and `count` appointment reminders due now (sending them is all the worker
    has left to do). Returns the Message-IDs the reminders go out with, in the order they
    are due.

    Runs in the test process (against the test database) or in `mesodesk shell -c` (against
    any other database)."""
    clinic = create_clinic(slug=f"{prefix}-clinic", name="Fault Clinic", time_zone="Europe/Berlin")
    desk = create_user(email=f"desk@{prefix}.test", password=None, first_name="Desk")
    add_member(clinic=clinic, user=desk, role=Role.FRONT_DESK)
    doctor = create_user(email=f"doctor@{prefix}.test", password=None, first_name="Doc")
    add_member(clinic=clinic, user=doctor, role=Role.PRACTITIONER)
    patient = register_patient(
        clinic=clinic,
        by=desk,
        first_name="Ida",
        last_name="Fault",
        email=PATIENT_EMAIL,
        phone=PATIENT_PHONE,
    )
    # No quiet hours: these tests run at any hour, and a retry must not wait for morning.
    ContactPreferences.objects.create(
        clinic=clinic,
        patient=patient,
        email=channel == MessageChannel.EMAIL,
        sms=channel == MessageChannel.SMS,
        quiet_start=clock(0),
        quiet_end=clock(0),
    )
    now = timezone.now()
    start = now + timedelta(days=30)
    appointment = Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        kind=AppointmentKind.CONSULTATION,
        practitioner=doctor,
        room=add_room(clinic=clinic, name="Room 1"),
        start=start,
        end=start + timedelta(minutes=30),
        status=AppointmentStatus.BOOKED,
        created_by=desk,
    )
    rows = Reminder.objects.bulk_create(
        Reminder(
            clinic=clinic,
            patient=patient,
            appointment=appointment,
            kind=ReminderKind.APPOINTMENT,
            channel=channel,
            moment=start,
            send_at=now - timedelta(seconds=count - i),
            expires_at=now + timedelta(seconds=expires_in),
            next_attempt_at=now - timedelta(seconds=count - i),
            idempotency_key=f"{prefix}:{i:06d}",
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    )
    return [message_id(row) for row in rows]


def outbox_counts() -> dict[str, int]:
    """How many reminders have each status."""
    counts = dict.fromkeys(ReminderStatus.values, 0)
    for status in Reminder.objects.values_list("status", flat=True):
        counts[status] += 1
    return counts


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL for the database a Django connection's settings name."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "postgres", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(settings_dict.get("HOST") or "127.0.0.1", safe="")
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


# --- A real SMTP server, slow on purpose ----------------------------------------------


@dataclass
class Inbox:
    """What the SMTP server received: each Message-ID with the monotonic times it arrived,
    and every recipient and raw message (to look for what must not leak)."""

    delay: float = 0.0
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    raw: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content)
        with self.lock:
            self.arrivals.setdefault(str(message["Message-ID"]), []).append(time.monotonic())
            self.raw.append(envelope.original_content)
        return "250 OK"

    def received(self) -> int:
        """Messages received, duplicates included."""
        with self.lock:
            return sum(len(times) for times in self.arrivals.values())

    def ids(self) -> set[str]:
        with self.lock:
            return set(self.arrivals)

    def duplicates(self) -> int:
        with self.lock:
            return sum(len(times) - 1 for times in self.arrivals.values())


class SlowSmtpServer(SmtpServer):
    """The tests' SMTP server with an inbox that takes `delay` seconds per message (so a
    batch takes long enough to be interrupted) and counts arrivals per Message-ID."""

    inbox: Inbox

    def __init__(self, *, delay: float = 0.0, port: int | None = None) -> None:
        super().__init__(port or free_port(), Inbox(delay=delay))

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@contextlib.contextmanager
def smtp_server(*, delay: float = 0.0, started: bool = True) -> Iterator[SlowSmtpServer]:
    server = SlowSmtpServer(delay=delay)
    if started:
        server.start()
    try:
        yield server
    finally:
        server.stop()


# --- `mesodesk worker` processes --------------------------------------------------------


class WorkerProcess:
    """A `mesodesk worker` subprocess; its log (stderr) goes to a file in `folder`."""

    def __init__(self, folder: Path, database: str, smtp_url: str, *args: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / f"worker-{time.monotonic_ns()}.log"
        self._log = self.log_path.open("wb")
        env = mesodesk_env(
            folder / "var",
            DATABASE_URL=database,
            EMAIL_URL=smtp_url,
            CACHE_URL="locmemcache://",
            LOG_LEVEL="info",
        )
        self.process = subprocess.Popen(
            [str(MESODESK), "worker", *args],
            env=env,
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Kills the process if it still runs (only this one, by its pid)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


@contextlib.contextmanager
def worker_process(
    folder: Path, database: str, smtp_url: str, *args: str
) -> Iterator[WorkerProcess]:
    worker = WorkerProcess(folder, database, smtp_url, *args)
    try:
        yield worker
    except BaseException as error:
        error.add_note(f"worker log:\n{worker.log()[-3000:]}")
        raise
    finally:
        worker.stop()


# --- A private PostgreSQL cluster -------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian's layout), if any."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


def why_no_private_postgres() -> str | None:
    """Why this machine cannot run a private cluster, or None if it can."""
    if postgres_bin() is None:
        return "no PostgreSQL server binaries under /usr/lib/postgresql"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run initdb as"
    return None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1:port, its files in a temporary folder.

    initdb refuses to run as root: as root, the cluster belongs to the `postgres` OS user
    (its folder is made outside pytest's tmp_path, which that user cannot enter)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="mesodesk-pg-"))
        self.data = self.folder / "data"
        self.sockets = self.folder / "sockets"
        self.sockets.mkdir()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            for path in (self.folder, self.sockets):
                shutil.chown(path, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/mesodesk"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            action,
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            *extra,
        )

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")
        self._pg_ctl("start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "mesodesk")

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def private_postgres(bin_dir: Path) -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres(bin_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def run_mesodesk(folder: Path, database: str, *args: str, timeout: float = 60) -> str:
    """Runs `mesodesk ARGS` against `database` (this checkout importable, for `shell -c`
    code that uses the tests' helpers); returns its standard output."""
    env = mesodesk_env(
        folder / "var", DATABASE_URL=database, CACHE_URL="locmemcache://", PYTHONPATH=str(REPO)
    )
    done = subprocess.run(
        [str(MESODESK), *args],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
