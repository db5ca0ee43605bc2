"""E-mail for reminders: plain-text messages through Django's default mailer (`EMAIL_URL`).

With the SMTP backend the worker writes each message itself (`plain_message`) onto the
connection that Django's backend opened (host, port, TLS and login from `EMAIL_URL`):
building the same message through `EmailMessage` costs five times as much (the modern
header parser re-parses every address and folds every header), and a worker would spend
most of its time there. Every other backend (console, file, memory) gets an `EmailMessage`.
"""

from __future__ import annotations

import base64
import contextlib
import smtplib
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an e-mail."""

    filename: str
    content: bytes
    mimetype: str


def connection_lost(error: BaseException) -> bool:
    """Whether `error` means the mail server cannot be reached (so the rest of a batch
    would fail too), rather than one message being refused."""
    return isinstance(error, ConnectionError | TimeoutError | smtplib.SMTPServerDisconnected) or (
        isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)
    )


def _encoded(text: str) -> str:
    """A header value as it goes on the wire: as is when ASCII, else an RFC 2047 word."""
    return text if text.isascii() else Header(text, "utf-8").encode()


def _one_line(text: str, field: str) -> str:
    if "\r" in text or "\n" in text:
        raise ValueError(f"{field} must be one line")
    return text


def plain_message(*, sender: str, to: str, subject: str, body: str, message_id: str) -> bytes:
    """The bytes of a plain-text UTF-8 e-mail (base64 body, CRLF line ends), ready for
    DATA. Put together from the standard library's pieces (formataddr, formatdate, Header,
    base64) rather than through a MIME object, whose header folding alone costs more than
    all of this: the header values here are one short line each."""
    name, address = parseaddr(sender)
    headers = (
        'Content-Type: text/plain; charset="utf-8"',
        "MIME-Version: 1.0",
        "Content-Transfer-Encoding: base64",
        f"Subject: {_encoded(_one_line(subject, 'subject'))}",
        f"From: {formataddr((name, address), charset='utf-8') if name else address}",
        f"To: {_one_line(to, 'to')}",
        f"Date: {formatdate(usegmt=True)}",
        f"Message-ID: {_one_line(message_id, 'message_id')}",
    )
    encoded = base64.encodebytes(body.encode()).replace(b"\n", b"\r\n")
    return "\r\n".join(headers).encode("ascii") + b"\r\n\r\n" + encoded


class MailSender:
    """One connection to the default mailer, opened on the first message of a batch."""

    def __init__(self) -> None:
        self._backend: Any = None
        self._sender = settings.DEFAULT_FROM_EMAIL
        self._envelope_from = parseaddr(self._sender)[1]

    def send(
        self,
        *,
        to: str,
        subject: str,
        body: str,
        message_id: str,
        attachment: Attachment | None = None,
    ) -> None:
        """Sends one message; raises what the backend raises (OSError for SMTP trouble).
        A message with an `attachment` (a notice's calendar file) is a MIME message built
        by Django: few messages carry one, so the fast path is kept for the rest."""
        if self._backend is None:
            backend = mailers.default
            backend.open()
            self._backend = backend
        if (
            attachment is None
            and isinstance(self._backend, SmtpBackend)
            and self._backend.connection is not None
        ):
            raw = plain_message(
                sender=self._sender, to=to, subject=subject, body=body, message_id=message_id
            )
            self._backend.connection.sendmail(self._envelope_from, [to], raw)
            return
        email = EmailMessage(
            subject=subject,
            body=body,
            from_email=self._sender,
            to=[to],
            headers={"Message-ID": message_id},
        )
        if attachment is not None:
            email.attach(attachment.filename, attachment.content, attachment.mimetype)
        self._backend.send_messages([email])

    def reset(self) -> None:
        """Drops a connection that failed; the next message opens a new one."""
        self.close()

    def close(self) -> None:
        if self._backend is not None:
            with contextlib.suppress(OSError):
                self._backend.close()
            self._backend = None
