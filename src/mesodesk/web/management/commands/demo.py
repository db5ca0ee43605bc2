"""`mesodesk demo`: a whole demo clinic on this machine, in one process."""

from __future__ import annotations

import errno
import os
import signal
import sys
from typing import Any, NoReturn, Protocol

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.core.servers.basehttp import (
    ThreadedWSGIServer,
    WSGIRequestHandler,
    get_internal_wsgi_application,
)
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from mesodesk.messaging.worker import ThreadedWorker, WorkerSettings
from mesodesk.protocols.services import load_protocol_library
from mesodesk.web import demo

HOST = "127.0.0.1"


class Worker(Protocol):
    """Something that runs beside the web server in the demo process (the reminder worker)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...


def background_workers() -> list[Worker]:
    """What `demo` runs beside the web server: the reminder worker, in a thread."""
    return [ThreadedWorker(WorkerSettings(poll=2.0))]


def _fail(message: str, code: int) -> NoReturn:
    sys.stderr.write(f"mesodesk: {message}\n")
    raise SystemExit(code)


class Command(BaseCommand):
    help = (
        "Create var/, migrate the database, load the protocol library, seed a demo clinic "
        "and serve it at http://127.0.0.1:PORT. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (8000)")
        parser.add_argument("--no-serve", action="store_true", help="prepare the database and exit")

    def handle(self, *args: Any, port: int, no_serve: bool, **options: Any) -> None:
        if settings.PRODUCTION:
            _fail(
                "demo creates accounts with a published password; not with MESODESK_ENV=production",
                2,
            )
        if not 0 < port < 65536:
            _fail(f"--port must be between 1 and 65535, got {port}", 2)
        # Bind first, so a busy port is reported before any work is done.
        server = None if no_serve else self._bind(port)
        if server is not None and "MESODESK_BASE_URL" not in os.environ:
            # Links in the demo's messages point at this server, whatever its port.
            settings.MESODESK_BASE_URL = f"http://{HOST}:{port}"
        self._say("Data folder", str(settings.VAR_DIR))
        self._migrate()
        version = load_protocol_library()
        self._say("Protocol library", version.version)
        clinic = demo.seed_demo()
        self._say("Demo clinic", f"{clinic.name} ({clinic.time_zone})")
        if server is None:
            return
        self._print_welcome(port)
        self._serve(server)

    def _say(self, label: str, text: str) -> None:
        self.stdout.write(f"  {label:<18} {text}")

    def _bind(self, port: int) -> ThreadedWSGIServer:
        try:
            return ThreadedWSGIServer((HOST, port), WSGIRequestHandler, ipv6=False)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                _fail(f"port {port} is already in use; try --port {port + 1}", 1)
            if error.errno == errno.EACCES:
                _fail(f"port {port} needs privileges; try --port 8000", 1)
            _fail(f"cannot serve on {HOST}:{port}: {error.strerror}", 1)

    def _migrate(self) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        vendor = connection.vendor
        if not plan:
            self._say("Database", f"{vendor}, up to date")
        else:
            self._say("Database", f"{vendor}, applying {len(plan)} migrations …")
        # Also runs the post-migrate steps: cache table, protocol library.
        call_command("migrate", interactive=False, verbosity=0)
        if plan:
            self._say("", "done")

    def _print_welcome(self, port: int) -> None:
        base = f"http://{HOST}:{port}"
        width = max(len(login.email) for login in demo.DEMO_STAFF)
        lines = [
            "",
            "mesodesk demo is running.",
            "",
            f"  Home     {base}/   (today's sign-in codes for the demo staff)",
            f"  Staff    {base}/staff/",
            f"  Portal   {base}/portal/{demo.DEMO_CLINIC_SLUG}/   (patients sign up here)",
            f"  Outbox   {base}/reminders/{demo.DEMO_CLINIC_SLUG}/outbox/",
            f"  Admin    {base}/admin/",
            "",
            f"  Demo logins (password: {demo.DEMO_PASSWORD}; authenticator secret:"
            f" {demo.DEMO_TOTP_SECRET})",
        ]
        for login in demo.DEMO_STAFF:
            note = " — can sign in to the admin" if login.can_use_admin else ""
            lines.append(f"    {login.email:<{width}}  {login.role.label}{note}")
        lines += [
            "",
            "E-mails (sign-up links, reminders) are printed here; the reminder worker runs in",
            "this process and sends each reminder at its moment.",
            "",
            "Press Ctrl-C to stop.",
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _serve(self, server: ThreadedWSGIServer) -> None:
        server.set_app(demo.mark_demo_requests(get_internal_wsgi_application()))
        # A service manager's SIGTERM stops the demo the same way as Ctrl-C does.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        workers = background_workers()
        try:
            for worker in workers:
                worker.start()
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            for worker in reversed(workers):
                worker.stop()
            server.server_close()
        self.stdout.write("Stopped.")
