"""Text messages: one small interface, three backends that ship with mesodesk, and room for
a provider's adapter behind the same interface (set SMS_BACKEND to its dotted path).

- ConsoleSmsBackend (default): prints each message to standard output.
- FileSmsBackend: appends each message to a file per day in SMS_FILE_PATH.
- LocmemSmsBackend: keeps them in `outbox` (tests)."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True, slots=True)
class TextMessage:
    """One SMS: to a phone number, a body, and an id the provider may echo back."""

    to: str
    body: str
    message_id: str


class SmsError(Exception):
    """A message was not accepted; the text says why without naming the recipient."""


class BaseSmsBackend:
    """Sends text messages; raises SmsError for a message that was not accepted."""

    def send(self, message: TextMessage) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Releases what the backend holds (a provider's HTTP session, say)."""


def _format(message: TextMessage) -> str:
    return f"To: {message.to}\nMessage-ID: {message.message_id}\n\n{message.body}\n{'-' * 40}\n"


class ConsoleSmsBackend(BaseSmsBackend):
    _lock = threading.Lock()

    def send(self, message: TextMessage) -> None:
        with self._lock:
            sys.stdout.write(_format(message))
            sys.stdout.flush()


class FileSmsBackend(BaseSmsBackend):
    def __init__(self) -> None:
        self.folder = Path(settings.SMS_FILE_PATH)
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: TextMessage) -> None:
        path = self.folder / f"sms-{timezone.now():%Y%m%d}.log"
        with path.open("a", encoding="utf-8") as out:
            out.write(_format(message))


class LocmemSmsBackend(BaseSmsBackend):
    outbox: ClassVar[list[TextMessage]] = []

    def send(self, message: TextMessage) -> None:
        self.outbox.append(message)


def sms_backend() -> BaseSmsBackend:
    """A new instance of the configured backend."""
    backend: BaseSmsBackend = import_string(settings.SMS_BACKEND)()
    return backend
