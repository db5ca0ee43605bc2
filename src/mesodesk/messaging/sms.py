"""Text messages: one small interface, the backends that ship with mesodesk, and room for
another provider's adapter behind the same interface (set SMS_BACKEND to its dotted path).

- ConsoleSmsBackend (default): prints each message to standard output.
- FileSmsBackend: appends each message to a file per day in SMS_FILE_PATH.
- LocmemSmsBackend: keeps them in `outbox` (tests).
- mesodesk.messaging.twilio.TwilioSmsBackend: Twilio's Messages API, for real.

The first three never reach a phone (`delivers = False`): production refuses them while a
clinic offers text messages (messaging.delivery)."""

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
    """One SMS: to a phone number, a body, an id the provider may echo back, and where a
    provider may report its delivery status (empty: nowhere)."""

    to: str
    body: str
    message_id: str
    status_callback: str = ""


@dataclass(frozen=True, slots=True)
class SmsReceipt:
    """What a provider said on accepting a message: its id there and the message's status
    (Twilio: `queued`, `accepted`, later `sent`, `delivered`, `undelivered`, `failed`)."""

    provider_id: str
    status: str


class SmsError(Exception):
    """A message was not accepted; the text says why without naming the recipient.

    `transient`: the provider could not be reached or asked us to wait (a timeout, HTTP 429
    or 5xx), so the message is retried until its moment has passed; otherwise the provider
    refused this message, and refusals count towards the worker's --max-attempts."""

    def __init__(self, text: str, *, transient: bool = False) -> None:
        super().__init__(text)
        self.transient = transient


class BaseSmsBackend:
    """Sends text messages; raises SmsError for a message that was not accepted."""

    # Whether messages reach a phone; the development backends say False.
    delivers: ClassVar[bool] = True

    def send(self, message: TextMessage) -> SmsReceipt | None:
        """Sends one message; the provider's receipt, if it gives one."""
        raise NotImplementedError

    def close(self) -> None:
        """Releases what the backend holds (a provider's HTTP session, say)."""


def _format(message: TextMessage) -> str:
    return f"To: {message.to}\nMessage-ID: {message.message_id}\n\n{message.body}\n{'-' * 40}\n"


class ConsoleSmsBackend(BaseSmsBackend):
    delivers = False
    _lock = threading.Lock()

    def send(self, message: TextMessage) -> None:
        with self._lock:
            sys.stdout.write(_format(message))
            sys.stdout.flush()


class FileSmsBackend(BaseSmsBackend):
    delivers = False

    def __init__(self) -> None:
        self.folder = Path(settings.SMS_FILE_PATH)
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: TextMessage) -> None:
        path = self.folder / f"sms-{timezone.now():%Y%m%d}.log"
        with path.open("a", encoding="utf-8") as out:
            out.write(_format(message))


class LocmemSmsBackend(BaseSmsBackend):
    delivers = False
    outbox: ClassVar[list[TextMessage]] = []

    def send(self, message: TextMessage) -> None:
        self.outbox.append(message)


def sms_backend_class() -> type[BaseSmsBackend]:
    """The configured backend's class."""
    backend: type[BaseSmsBackend] = import_string(settings.SMS_BACKEND)
    return backend


def sms_backend() -> BaseSmsBackend:
    """A new instance of the configured backend. In production, a backend that never
    reaches a phone is refused (SmsError, transient: the message waits for a provider)
    rather than printing numbers and texts into a log."""
    backend = sms_backend_class()
    if settings.PRODUCTION and not backend.delivers:
        raise SmsError(f"{backend.__name__} does not deliver; set SMS_BACKEND", transient=True)
    return backend()
