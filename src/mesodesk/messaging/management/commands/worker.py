"""`mesodesk worker`: sends due reminders until stopped (SIGTERM or Ctrl-C finish the batch
in hand, then exit)."""

from __future__ import annotations

import signal
from datetime import timedelta
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesodesk.messaging.delivery import undeliverable_sms
from mesodesk.messaging.worker import Worker, WorkerSettings


def _positive(kind: type, name: str) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise CommandError(f"--{name} must be a number, got {text!r}") from None
        if value <= 0:
            raise CommandError(f"--{name} must be more than 0, got {text}")
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Send due reminders from the outbox (e-mail through EMAIL_URL, SMS through "
        "SMS_BACKEND) until stopped. Several may run at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = WorkerSettings()
        parser.add_argument(
            "--once", action="store_true", help="do one pass over due reminders and exit"
        )
        parser.add_argument(
            "--batch",
            type=_positive(int, "batch"),
            default=defaults.batch,
            help=f"reminders claimed at a time ({defaults.batch})",
        )
        parser.add_argument(
            "--poll",
            type=_positive(float, "poll"),
            default=defaults.poll,
            help=f"seconds between looks at an empty outbox ({defaults.poll:g})",
        )
        parser.add_argument(
            "--lease",
            type=_positive(float, "lease"),
            default=defaults.lease.total_seconds(),
            help="seconds after which another worker's claim counts as abandoned "
            f"({defaults.lease.total_seconds():g})",
        )
        parser.add_argument(
            "--backoff",
            type=_positive(float, "backoff"),
            default=defaults.backoff.total_seconds(),
            help="seconds before the first retry of a failed send, doubling each time "
            f"({defaults.backoff.total_seconds():g})",
        )
        parser.add_argument(
            "--max-attempts",
            type=_positive(int, "max-attempts"),
            default=defaults.max_attempts,
            help=f"sends tried before a reminder counts as failed ({defaults.max_attempts})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problem = undeliverable_sms()
        if problem is not None:
            raise CommandError(problem)
        worker = Worker(
            WorkerSettings(
                batch=options["batch"],
                poll=options["poll"],
                lease=timedelta(seconds=options["lease"]),
                backoff=timedelta(seconds=options["backoff"]),
                max_attempts=options["max_attempts"],
            )
        )
        if options["once"]:
            result = worker.run_once()
            self.stdout.write(
                f"{result.claimed} claimed, {result.sent} sent, {result.retried} to retry, "
                f"{result.expired} expired, {result.cancelled} cancelled, {result.failed} failed"
            )
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            worker.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker.run()
