"""`mesodesk serve`: the production web server (gunicorn with threaded workers)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from gunicorn.app.base import BaseApplication

from mesodesk.config import env
from mesodesk.messaging.delivery import undeliverable_sms

# Method, path without the query string (which may hold search terms), status, bytes and
# milliseconds: enough to operate the server, nothing about the patient.
ACCESS_LOG_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class _Gunicorn(BaseApplication):
    def __init__(self, application: Any, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def default_bind() -> str:
    """`0.0.0.0:$PORT` where a platform sets PORT, else the loopback port 8000."""
    port = env.read_int(os.environ, "PORT", 0, minimum=0)
    return f"0.0.0.0:{port}" if port else "127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Run the production web server: gunicorn with threaded workers, static files served "
        "by WhiteNoise. Put a TLS-terminating proxy in front of it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=None,
            help="HOST:PORT to listen on (0.0.0.0:$PORT when PORT is set, else 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="worker processes (default $WEB_CONCURRENCY, else 2)",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")

    def handle(
        self,
        *args: Any,
        bind: str | None,
        workers: int | None,
        threads: int,
        **options: Any,
    ) -> None:
        problem = undeliverable_sms()
        if problem is not None:
            raise CommandError(problem)
        if getattr(settings, "STATIC_ROOT", None):
            # Hashed, compressed copies for WhiteNoise; only changed files are copied.
            call_command("collectstatic", interactive=False, verbosity=0)
        from mesodesk.wsgi import application

        database = settings.DATABASES["default"]
        if database["ENGINE"].endswith("sqlite3"):
            # Each server thread keeps its connection (config.env.SQLITE_SERVER_CONN_MAX_AGE).
            database["CONN_MAX_AGE"] = env.SQLITE_SERVER_CONN_MAX_AGE
        # No connection may be shared with the forked workers.
        connections.close_all()
        options_ = {
            "bind": [bind or default_bind()],
            "workers": workers or env.read_int(os.environ, "WEB_CONCURRENCY", 2, minimum=1),
            "worker_class": "gthread",
            "threads": threads,
            "accesslog": "-",
            "errorlog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "timeout": 60,
            "graceful_timeout": 20,
            "proc_name": "mesodesk",
        }
        _Gunicorn(application, options_).run()
