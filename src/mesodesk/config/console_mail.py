"""The console mailer of the embedded mode (`EMAIL_URL=consolemail://`, the demo's): each
e-mail printed as a person reads it.

Django's own console backend prints the message as it goes on the wire: a body with
non-ASCII text or long lines is quoted-printable, so a link is cut with `=` at the line
end and does not work when copied. Here the headers are decoded and each text part is
printed as text, links whole; attachments are named, not dumped.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage as ParsedMessage
from typing import Any

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

_HEADERS = ("Date", "From", "To", "Cc", "Reply-To", "Subject")


def readable(raw: bytes) -> str:
    """An e-mail (its bytes) as text: the headers people read, then each text part decoded,
    then the names of its attachments."""
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, ParsedMessage)
    lines = [f"{name}: {parsed[name]}" for name in _HEADERS if parsed[name] is not None]
    attachments = []
    for part in parsed.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            attachments.append(f"{part.get_filename() or 'unnamed'} ({part.get_content_type()})")
        elif part.get_content_type() == "text/plain":
            lines += ["", str(part.get_content()).replace("\r\n", "\n").rstrip()]
    lines += [f"Attached: {name}" for name in attachments]
    return "\n".join(lines)


class EmailBackend(DjangoConsoleBackend):
    """Django's console backend, printing each message readably (`readable`)."""

    def write_message(self, message: Any) -> None:
        self.stream.write(readable(message.message().as_bytes()) + "\n")
        self.stream.write("-" * 79 + "\n")
