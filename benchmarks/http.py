"""The everyday requests over HTTP, as a ratio to the floor (/healthz) of the same run.

    uv run python benchmarks/http.py [--patients 1000] [--appointments 2000] [--requests 50]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mesodesk_bench uv run python benchmarks/http.py

Starts mesodesk the production way (`mesodesk serve`: gunicorn with threaded workers,
MESODESK_ENV=production behind a TLS proxy, which the client plays by sending
`X-Forwarded-Proto: https` from the loopback address gunicorn trusts) on the database
DATABASE_URL names (a schema of its own, dropped afterwards unless --keep) or, without
one, on SQLite in a temporary folder. It loads the patients and appointments through the
API (printing how long that took) and gathers the tables' statistics as autovacuum would
in service (VACUUM ANALYZE: the planner then chooses as in production), then, over one
persistent connection, times --requests rounds of every request in turn (interleaved,
so a busy moment of the machine touches all of them alike; each round in an order of its
own, so that no request always follows the same one): median and p90 of each, and the
median as a ratio to the floor. Then
--clients concurrent clients for --seconds each on read-patient and on the day list
(requests/s and p95), the peak RSS of each web worker, and each request's SQL statements
(counted by running the same request once more in this process, on the same database).

Everything stays on 127.0.0.1; the server is stopped at the end, also on Ctrl-C or error.
DESIGN 12 targets (PostgreSQL, 2 cores): one-row read <= 2x the floor (a lot: no patient
data), read patient <= 3x (and an appointment, which is patient data too, with its access
event), day <= 4x, create patient <= 5x, book consultation <= 6x, book session <= 12x, the pages
<= 10x; >= 400 requests/s on read-patient with 16 clients; workers <= 150 MB.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This script is named http.py, as the issue asked; run as a script its folder comes first
# on sys.path, where it would hide the standard library's `http` package. The folder goes
# to the end instead (bench_database is still found there).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import date, datetime, timedelta  # noqa: E402
from datetime import time as clock  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from bench_database import HEALTHY_INTAKE as INTAKE  # noqa: E402
from bench_database import analyze, configure, percentile  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
HOST = "127.0.0.1"
SLUG = "bench"
API = f"/api/v1/clinics/{SLUG}"
# Open every day but Sunday, 08:00-20:00: room for ~35 short appointments a day for one
# practitioner, as a busy clinic has.
OPENING = {str(d): [["08:00", "20:00"]] for d in range(6)} | {"6": []}
START_TIMEOUT = 120.0
REQUEST_TIMEOUT = 30.0
# DESIGN 12: the median of each request as a multiple of the floor, and its statements.
TARGETS = {
    # The cheapest authenticated read: the token, its membership and one row that is no
    # patient's data (a lot of a product: no access event), as the issue measured it.
    "one-row read (a lot)": (2, 3),
    # A row of patient data and its access event, durable before the answer: the same
    # work as reading a patient, held to the same target.
    "read one appointment": (3, 4),
    "read one patient": (3, 4),
    "practitioner's day with names": (4, 4),
    "create a patient": (5, 8),
    "book a consultation": (6, 10),
    "book a treatment session": (12, 20),
}
PAGE_TARGET = 10


# --- The server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_environ(folder: str, port: int) -> dict[str, str]:
    """What a reverse-proxy deployment sets (README "Production"), on this run's database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    environ = dict(os.environ)
    environ.update(
        MESODESK_ENV="production",
        SECRET_KEY=os.environ["SECRET_KEY"],
        ALLOWED_HOSTS=HOST,
        EMAIL_URL="dummymail://",
        MESODESK_VAR_DIR=folder,
        LOG_LEVEL="warning",
        FORWARDED_ALLOW_IPS=HOST,
        PORT="",
    )
    # As the README's production environment sets it (smaller workers), unless set.
    environ.setdefault("MALLOC_ARENA_MAX", "2")
    if database["ENGINE"].endswith("postgresql"):
        # The benchmark's schema first: the server sees exactly what this process loaded.
        options = database.get("OPTIONS", {}).get("options", "")
        environ["DATABASE_URL"] = os.environ["DATABASE_URL"] + (
            "?options=" + options.replace(" ", "%20").replace("=", "%3D").replace(",", "%2C")
        )
    return environ


@contextmanager
def serving(folder: str, workers: int, threads: int) -> Iterator[tuple[int, subprocess.Popen]]:
    """`mesodesk serve` on a free loopback port until the block ends."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("mesodesk")),
        "serve",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    log = (Path(folder) / "server.log").open("wb")  # closed in the finally below
    server = subprocess.Popen(
        command,
        env=server_environ(folder, port),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                raise SystemExit(f"the server stopped: see {log.name}")
            try:
                conn = http.client.HTTPConnection(HOST, port, timeout=2)
                conn.request("GET", "/healthz", headers=HEADERS)
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not answer in {START_TIMEOUT:.0f} s")
            time.sleep(0.2)
        yield port, server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


def worker_pids(server: subprocess.Popen) -> list[int]:
    """The gunicorn workers: the children of the arbiter."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == server.pid:
                found.append(int(entry.name))
    return sorted(found)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- The client ------------------------------------------------------------------------

# The reverse proxy's word that the request came over HTTPS (gunicorn trusts it from
# FORWARDED_ALLOW_IPS), and the host name the site answers to.
HEADERS = {"X-Forwarded-Proto": "https", "Host": HOST}


class Caller:
    """One persistent HTTP/1.1 connection with a bearer token or a session cookie."""

    def __init__(self, port: int, *, token: str = "", cookie: str = "") -> None:
        self.port = port
        self.headers = dict(HEADERS)
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if cookie:
            self.headers["Cookie"] = cookie
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            # The server closed a kept-alive connection (gunicorn's keepalive): once more.
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        if response.status != expect:
            raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
        ctype = response.getheader("Content-Type", "")
        return json.loads(data) if ctype.startswith("application/json") else data


# --- The clinic ------------------------------------------------------------------------


@dataclass
class Clinic:
    """What the benchmark made in-process: ids and credentials."""

    token: str
    practitioner_token: str
    staff_cookie: str
    portal_cookie: str
    day_practitioner: int
    other_practitioners: list[int]
    rooms: list[int]
    kit: int
    first_day: date
    portal_patient: int = 0
    patients: list[int] = field(default_factory=list)
    appointments: list[int] = field(default_factory=list)
    lots: list[int] = field(default_factory=list)


def signed_in_cookie(user: Any, *, mfa: bool) -> str:
    """A session cookie of `user` as the sign-in pages leave it (with the TOTP step's
    record when `mfa`): made with Django's own test client and allauth's recorder."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt
    from django.conf import settings
    from django.http import HttpRequest
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    if mfa:
        authenticator = Authenticator.objects.create(
            user=user,
            type=Authenticator.Type.TOTP,
            data={"secret": encrypt("MESODESKBENCHTOTPSECRETKEYFORBENCH")},
        )
        request = HttpRequest()
        request.session = session
        request.user = user
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
        session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def first_open_day() -> date:
    """Tomorrow, or Monday if tomorrow is a Sunday (the clinic is closed on Sundays)."""
    day = datetime.now(ZONE).date() + timedelta(days=1)
    return day + timedelta(days=1) if day.weekday() == 6 else day


def open_days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count) if (first + timedelta(n)).weekday() < 6]


def seed() -> Clinic:
    from mesodesk.accounts.services import create_user, issue_api_token
    from mesodesk.clinics.choices import Role
    from mesodesk.clinics.services import (
        add_device,
        add_member,
        add_room,
        create_clinic,
        update_clinic_settings,
    )
    from mesodesk.inventory.services import create_product, receive_lot
    from mesodesk.patients.services import record_intake, register_patient

    clinic = create_clinic(slug=SLUG, name="Bench Clinic", time_zone=ZONE.key)
    update_clinic_settings(clinic=clinic, opening_hours=OPENING)
    desk = create_user(email="desk@bench.test", password=None, first_name="Desk")
    add_member(clinic=clinic, user=desk, role=Role.FRONT_DESK)
    practitioners = []
    for i in range(3):
        user = create_user(email=f"p{i}@bench.test", password=None, first_name=f"P{i}")
        add_member(clinic=clinic, user=user, role=Role.PRACTITIONER)
        practitioners.append(user)
    rooms = [add_room(clinic=clinic, name=f"Room {i}").pk for i in range(3)]
    kit = add_device(clinic=clinic, name="Needles", device_type="manual_needle_kit").pk
    patient_user = create_user(email="patient@bench.test", password=None, first_name="Pat")
    portal = register_patient(
        clinic=clinic, by=desk, first_name="Pat", last_name="Portal", email="patient@bench.test"
    )
    portal.portal_user = patient_user
    portal.save(update_fields=["portal_user"])
    record_intake(clinic=clinic, patient=portal, by=desk, answers=INTAKE)
    # A clinic's stock: 8 products with 5 lots each.
    lots = []
    for p in range(8):
        product = create_product(clinic=clinic, by=practitioners[0], name=f"Cocktail {p}")
        for n in range(5):
            lots.append(
                receive_lot(
                    clinic=clinic,
                    product=product,
                    by=practitioners[0],
                    number=f"L{p}{n:03}",
                    expiry=first_open_day() + timedelta(days=90 + 30 * n),
                    quantity=Decimal("10.00"),
                    supplier="Mesolab",
                ).pk
            )
    return Clinic(
        token=issue_api_token(clinic=clinic, user=desk, name="benchmark")[1],
        practitioner_token=issue_api_token(clinic=clinic, user=practitioners[1], name="plans")[1],
        staff_cookie=signed_in_cookie(practitioners[0], mfa=True),
        portal_cookie=signed_in_cookie(patient_user, mfa=False),
        day_practitioner=practitioners[0].pk,
        other_practitioners=[p.pk for p in practitioners[1:]],
        rooms=rooms,
        kit=kit,
        first_day=first_open_day(),
        portal_patient=portal.pk,
        lots=lots,
    )


def at(day: date, minutes: int) -> str:
    """`day` at 08:00 plus `minutes`, in the clinic's zone, as ISO text."""
    return (datetime.combine(day, clock(8), ZONE) + timedelta(minutes=minutes)).isoformat()


def load(port: int, bench: Clinic, patients: int, appointments: int, days: int) -> float:
    """Registers the patients and books the appointments through the API, on 4
    connections at once; the seconds it took. Per open day, 35 follow-ups (15 minutes) of
    the day's practitioner and consultations of the others until the total is reached."""
    started = time.perf_counter()
    callers = [Caller(port, token=bench.token) for _ in range(4)]

    def run(jobs: list[Any], work: Callable[[Caller, Any], Any]) -> list[Any]:
        results: list[Any] = [None] * len(jobs)

        def lane(k: int) -> None:
            for n in range(k, len(jobs), len(callers)):
                results[n] = work(callers[k], jobs[n])

        threads = [threading.Thread(target=lane, args=(k,)) for k in range(len(callers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    bench.patients = [
        p["id"]
        for p in run(
            list(range(patients)),
            lambda c, n: c.call(
                "POST",
                f"{API}/patients",
                # An address, so that every booking computes and stores real reminders.
                {"first_name": "Pat", "last_name": f"N{n:04}", "email": f"n{n}@bench.test"},
                201,
            ),
        )
    ]
    slots = []
    calendar = open_days(bench.first_day, days)
    per_day = -(-appointments // len(calendar))
    for day in calendar:
        for n in range(per_day):
            if n < 35:
                slots.append(("follow_up", bench.day_practitioner, bench.rooms[0], at(day, 15 * n)))
            else:
                k = n - 35
                practitioner = bench.other_practitioners[k % 2]
                room = bench.rooms[1 + k % 2]
                slots.append(("consultation", practitioner, room, at(day, 30 * (k // 2))))
    slots = slots[:appointments]
    bench.appointments = [
        a["id"]
        for a in run(
            list(enumerate(slots)),
            lambda c, job: c.call(
                "POST",
                f"{API}/appointments",
                {
                    "patient_id": bench.patients[(job[0] * 7) % len(bench.patients)],
                    "kind": job[1][0],
                    "practitioner_id": job[1][1],
                    "room_id": job[1][2],
                    "start": job[1][3],
                },
                201,
            ),
        )
    ]
    for c in callers:
        c.conn.close()
    return time.perf_counter() - started


def prepare_sessions(caller: Caller, bench: Clinic, count: int, first: date) -> list[Any]:
    """`count` patients with an intake and a plan (made by a practitioner) whose first
    session is on a day after the loaded ones (ten a day, one after another): what
    booking a session needs."""
    practitioner = Caller(caller.port, token=bench.practitioner_token)
    jobs = []
    calendar = open_days(first, count // 10 + 10)
    for n in range(count):
        patient = caller.call(
            "POST",
            f"{API}/patients",
            {"first_name": "Ses", "last_name": f"S{n:03}", "email": f"s{n}@bench.test"},
            201,
        )
        caller.call("POST", f"{API}/patients/{patient['id']}/intakes", {"answers": INTAKE}, 201)
        start = at(calendar[n // 10], 60 * (n % 10))
        plan = practitioner.call(
            "POST",
            f"{API}/patients/{patient['id']}/plans",
            {
                "indication": "skin_rejuvenation",
                "areas": ["face"],
                "ingredients": ["hyaluronic_acid"],
                "technique": "manual_needle",
                "schedule_template": "monthly_starter",
                "first_session": start,
            },
            201,
        )
        session = plan["sessions"][0]
        jobs.append(
            {
                "patient_id": patient["id"],
                "kind": "session",
                "start": session["starts_at"],
                "practitioner_id": bench.other_practitioners[0],
                "room_id": bench.rooms[2],
                "device_id": bench.kit,
                "planned_session_id": session["id"],
            }
        )
    practitioner.conn.close()
    return jobs


# --- Measuring -------------------------------------------------------------------------


@dataclass
class Request:
    """One line of the table: how to make the n-th request, and its timings."""

    name: str
    method: str
    path: Callable[[int], str]
    body: Callable[[int], Any] | None = None
    expect: int = 200
    caller: str = "api"
    times: list[float] = field(default_factory=list)
    statements: int | None = None


def requests_of(bench: Clinic, sessions: list[Any], n: int, first_free: date) -> list[Request]:
    busy_day = bench.first_day
    calendar = open_days(first_free, n // 20 + 10)
    # Rounds 0..n, the statements' count (n + 1), and two booked before the rounds
    # (n + 2, n + 3: `measure`) for the first round's reschedule and cancel.
    consult = [at(calendar[k // 20], 30 * (k % 20)) for k in range(n + 4)]
    moved = [at(calendar[k // 20] + timedelta(days=7), 30 * (k % 20)) for k in range(n + 2)]
    booked: list[int] = []
    patients = bench.patients
    chart_patient = patients[0]
    return [
        Request("floor: /healthz", "GET", lambda k: "/healthz"),
        Request(
            "one-row read (a lot)",
            "GET",
            lambda k: f"{API}/lots/{bench.lots[k % len(bench.lots)]}",
        ),
        Request(
            "read one appointment",
            "GET",
            lambda k: f"{API}/appointments/{bench.appointments[k % len(bench.appointments)]}",
        ),
        Request(
            "read one patient",
            "GET",
            lambda k: f"{API}/patients/{patients[(k * 13) % len(patients)]}",
        ),
        Request(
            "practitioner's day with names",
            "GET",
            lambda k: f"{API}/appointments?day={busy_day}&practitioner_id={bench.day_practitioner}",
        ),
        Request(
            "create a patient",
            "POST",
            lambda k: f"{API}/patients",
            lambda k: {
                "first_name": "New",
                "last_name": f"C{k:03}",
                "birth_date": "1990-01-02",
                "email": f"c{k}@bench.test",
            },
            201,
        ),
        Request(
            "book a consultation",
            "POST",
            lambda k: f"{API}/appointments",
            lambda k: {
                "patient_id": patients[(k * 17 + 3) % len(patients)],
                "kind": "consultation",
                "start": consult[k],
                "practitioner_id": bench.other_practitioners[1],
                "room_id": bench.rooms[1],
            },
            201,
        ),
        Request(
            "book a treatment session",
            "POST",
            lambda k: f"{API}/appointments",
            lambda k: sessions[k],
            201,
        ),
        # Of consultations booked in earlier rounds (`measure` books two before the first),
        # so that a round may make its requests in any order: the one booked in the round
        # before is moved, the one moved in the round before is cancelled.
        Request(
            "reschedule",
            "POST",
            lambda k: f"{API}/appointments/{booked[k + 1]}/reschedule",
            lambda k: {"start": moved[k]},
        ),
        Request(
            "cancel",
            "POST",
            lambda k: f"{API}/appointments/{booked[k]}/cancel",
            lambda k: {"reason": "The patient called."},
        ),
        # The day page of the busy day (35 appointments of the practitioner signed in, and
        # the others' consultations), as a clinic's Today looks: the load starts tomorrow,
        # so the real today is empty.
        Request(
            "page: Today (a busy day)",
            "GET",
            lambda k: f"/staff/{SLUG}/?day={busy_day}",
            caller="staff",
        ),
        Request("page: the week", "GET", lambda k: f"/staff/{SLUG}/week/", caller="staff"),
        Request(
            "page: the chart",
            "GET",
            lambda k: f"/staff/{SLUG}/patients/{chart_patient}/",
            caller="staff",
        ),
        Request(
            "page: slot search",
            "GET",
            lambda k: f"/staff/{SLUG}/patients/{chart_patient}/book/?kind=consultation",
            caller="staff",
        ),
        Request("page: portal booking", "GET", lambda k: f"/portal/{SLUG}/book/", caller="portal"),
    ], booked


def measure(port: int, bench: Clinic, plan: list[Request], booked: list[int], rounds: int) -> None:
    """`rounds` rounds, each making every request once, in an order of its own (shuffled,
    the same in every run); a warm-up round first.

    In one fixed order each request always came after the same one, and that told on it:
    the request after the floor (the first to reach the database in a round) took
    0.1-0.25 ms more than it did after another request of the database."""
    callers = {
        "api": Caller(port, token=bench.token),
        "staff": Caller(port, cookie=bench.staff_cookie),
        "portal": Caller(port, cookie=bench.portal_cookie),
    }
    consultation = next(r for r in plan if r.name == "book a consultation")
    for k in (rounds + 2, rounds + 3):  # what the first round moves and cancels
        assert consultation.body is not None
        answer = callers["api"].call("POST", consultation.path(k), consultation.body(k), 201)
        booked.append(answer["id"])
    order = random.Random(15)
    for k in range(rounds + 1):
        for request in order.sample(plan, len(plan)):
            caller = callers[request.caller]
            body = request.body(k) if request.body else None
            path = request.path(k)
            started = time.perf_counter()
            answer = caller.call(request.method, path, body, request.expect)
            elapsed = time.perf_counter() - started
            if request.name == "book a consultation":
                booked.append(answer["id"])
            if k:  # round 0 warms up each worker's connection and caches
                request.times.append(elapsed * 1000)
    for caller in callers.values():
        caller.conn.close()


def count_statements(bench: Clinic, plan: list[Request], booked: list[int], k: int) -> None:
    """Each request once more in this process (Django's test client, the same database,
    autocommit as in the server; a read twice, counted the second time): the SQL
    statements it runs, leaving out transaction
    control (SQLite logs its BEGIN, PostgreSQL does not), as tests/query_counts.py does."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    extra = {"secure": True, "SERVER_NAME": HOST}
    clients = {
        "api": Client(headers={"Authorization": f"Bearer {bench.token}"}),
        "staff": Client(),
        "portal": Client(),
    }
    for name, cookie in (("staff", bench.staff_cookie), ("portal", bench.portal_cookie)):
        key, value = cookie.split("=", 1)
        clients[name].cookies[key] = value
    for request in plan:
        client = clients[request.caller]
        body = request.body(k) if request.body else None
        if request.method == "GET":
            # As a worker in service runs it: not its first (the day list's first in a
            # process also finds the clinic's time zone, api.common.read_listed).
            client.get(request.path(k), **extra)
        with CaptureQueriesContext(connection) as queries:
            if request.method == "GET":
                response = client.get(request.path(k), **extra)
            else:
                response = client.post(
                    request.path(k), body, content_type="application/json", **extra
                )
        if response.status_code != request.expect:
            raise SystemExit(f"{request.name}: {response.status_code} {response.content[:300]!r}")
        if request.name == "book a consultation":
            booked.append(response.json()["id"])
        request.statements = sum(
            1 for q in queries.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])
        )
    connection.close()


def concurrent(port: int, bench: Clinic, clients: int, seconds: float, path: Callable) -> str:
    """`clients` threads, each on its own connection, asking for `path(n)` for `seconds`."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    stop = time.monotonic() + seconds

    def lane(k: int) -> None:
        caller = Caller(port, token=bench.token)
        n = k
        while time.monotonic() < stop:
            started = time.perf_counter()
            caller.call("GET", path(n))
            latencies[k].append((time.perf_counter() - started) * 1000)
            n += clients
        caller.conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=lane, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    every = [x for lane_times in latencies for x in lane_times]
    return (
        f"{len(every) / elapsed:7.0f} requests/s, p50 {statistics.median(every):6.1f} ms, "
        f"p95 {percentile(every, 0.95):6.1f} ms ({len(every)} requests)"
    )


# --- The report ------------------------------------------------------------------------


def report(plan: list[Request]) -> None:
    floor = statistics.median(plan[0].times)
    print(f"\n{'request':34} {'median ms':>9} {'p90 ms':>7} {'x floor':>8} {'SQL':>4}  target")
    for request in plan:
        median = statistics.median(request.times)
        ratio = median / floor
        target = TARGETS.get(request.name)
        if request.name.startswith("page:"):
            target = (PAGE_TARGET, None)
        verdict = ""
        if target:
            statements = request.statements or 0
            ok = ratio <= target[0] and (target[1] is None or statements <= target[1])
            limit = f"<= {target[0]}x" + (f", <= {target[1]} SQL" if target[1] else "")
            verdict = f"{limit:18} {'met' if ok else 'MISSED'}"
        print(
            f"{request.name:34} {median:9.2f} {percentile(request.times, 0.9):7.2f} "
            f"{ratio:8.1f} {request.statements if request.statements is not None else '-':>4}  "
            f"{verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--appointments", type=int, default=2000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--requests", type=int, default=50, help="rounds of every request")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0, help="per concurrent run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2 cores)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not (1 <= args.requests <= 1000 and 1 <= args.clients <= 64 and args.seconds <= 120):
        parser.error("keep it bounded: --requests 1-1000, --clients 1-64, --seconds <= 120")

    # The in-process settings are the server's, so both see the same database and counts.
    os.environ.update(
        MESODESK_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        EMAIL_URL="dummymail://",
        LOG_LEVEL="warning",
    )
    cache_url = os.environ.get("CACHE_URL", "")
    vendor, clean_up = configure(args.keep)
    folder = os.environ["MESODESK_VAR_DIR"]
    # The server uses the cache the caller named, else the production default.
    if cache_url:
        os.environ["CACHE_URL"] = cache_url
    else:
        os.environ.pop("CACHE_URL", None)
    try:
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        bench = seed()
        connection.close()
        print(
            f"mesodesk over HTTP on {vendor}: gunicorn {args.workers} workers x "
            f"{args.threads} threads, {os.cpu_count()} cores, cache {cache_url or 'dbcache'}"
        )
        with serving(folder, args.workers, args.threads) as (port, server):
            seconds = load(port, bench, args.patients, args.appointments, args.days)
            analyze()
            print(
                f"loaded {args.patients} patients and {args.appointments} appointments over "
                f"{args.days} days through the API in {seconds:.1f} s "
                f"({(args.patients + args.appointments) / seconds:.0f} requests/s on 4 connections)"
            )
            after_load = bench.first_day + timedelta(days=args.days + 1)
            setup = Caller(port, token=bench.token)
            sessions = prepare_sessions(setup, bench, args.requests + 2, after_load)
            setup.conn.close()
            plan, booked = requests_of(bench, sessions, args.requests, after_load + timedelta(30))
            measure(port, bench, plan, booked, args.requests)
            count_statements(bench, plan, booked, args.requests + 1)
            report(plan)
            print(f"\n{args.clients} clients for {args.seconds:.0f} s each:")
            patients = bench.patients
            read = concurrent(
                port,
                bench,
                args.clients,
                args.seconds,
                lambda n: f"{API}/patients/{patients[n % len(patients)]}",
            )
            print(f"  read one patient                {read}  (target >= 400 requests/s)")
            day = plan[3].path(0)
            print(
                f"  practitioner's day              "
                f"{concurrent(port, bench, args.clients, args.seconds, lambda n: day)}"
            )
            rss = ", ".join(f"{peak_rss_mb(pid):.0f}" for pid in worker_pids(server))
            print(f"peak RSS of each web worker: {rss} MB (target <= 150 MB)")
    finally:
        clean_up()


if __name__ == "__main__":
    main()
