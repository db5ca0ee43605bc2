"""A reminder's e-mail as it goes on the wire, and which errors stop a batch."""

from __future__ import annotations

import smtplib
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest

from mesodesk.messaging.mail import connection_lost, plain_message


def _decoded(value: str) -> str:
    return str(make_header(decode_header(value)))


def test_a_message_reads_back_with_its_headers_and_body_intact() -> None:
    raw = plain_message(
        sender="Praxis Müller <noreply@praxis.test>",
        to="lena@example.test",
        subject="Ihr Termin bei Praxis Müller",
        body="Grüße\nzweite Zeile\n",
        message_id="<reminder.abc@praxis.test>",
    )
    assert b"\r\n\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    message = message_from_bytes(raw)
    assert _decoded(message["Subject"]) == "Ihr Termin bei Praxis Müller"
    assert _decoded(message["From"]) == "Praxis Müller <noreply@praxis.test>"
    assert message["To"] == "lena@example.test"
    assert message["Message-ID"] == "<reminder.abc@praxis.test>"
    assert message.get_content_charset() == "utf-8"
    assert message.get_payload(decode=True).decode() == "Grüße\nzweite Zeile\n"


@pytest.mark.parametrize("field", ["subject", "to", "message_id"])
def test_a_header_value_with_a_line_break_is_refused(field: str) -> None:
    values = {
        "sender": "x@y.test",
        "to": "a@b.test",
        "subject": "Hello",
        "body": "",
        "message_id": "<m@y.test>",
    }
    values[field] += "\r\nBcc: everyone@example.test"
    with pytest.raises(ValueError, match=field):
        plain_message(**values)


def test_only_an_unreachable_server_stops_the_rest_of_a_batch() -> None:
    assert connection_lost(ConnectionRefusedError(111, "refused"))
    assert connection_lost(TimeoutError())
    assert connection_lost(smtplib.SMTPServerDisconnected("gone"))
    assert not connection_lost(smtplib.SMTPRecipientsRefused({"a@b.test": (550, b"no")}))
    assert not connection_lost(smtplib.SMTPDataError(554, b"rejected"))
