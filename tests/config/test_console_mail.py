"""The embedded mode's console mailer prints e-mails as people read them: links whole."""

from __future__ import annotations

import io

from django.core.mail import EmailMessage

from mesodesk.config.console_mail import EmailBackend

LINK = "http://127.0.0.1:8000/accounts/confirm-email/MTA:1vQm9X:" + "a" * 60 + "/"


def test_a_long_link_and_accents_are_printed_whole_not_quoted_printable() -> None:
    stream = io.StringIO()
    message = EmailMessage(
        subject="Lindenhof Ästhetik: Confirm your e-mail address",
        body=f"Hello Zoë,\n\nTo confirm, open this link:\n\n{LINK}\n\nLindenhof Ästhetik\n",
        from_email="Lindenhof Ästhetik <noreply@clinic.example.org>",
        to=["zoe@example.test"],
    )
    message.attach("session.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    assert message.message().as_bytes().count(b"=\n") > 0  # the wire form cuts the link

    EmailBackend(stream=stream).send_messages([message])

    printed = stream.getvalue()
    assert f"\n{LINK}\n" in printed
    assert "Subject: Lindenhof Ästhetik: Confirm your e-mail address" in printed
    assert "From: Lindenhof Ästhetik <noreply@clinic.example.org>" in printed
    assert "Hello Zoë," in printed
    assert "=C3" not in printed and "=\n" not in printed
    assert "Attached: session.ics (text/calendar)" in printed
    assert "BEGIN:VCALENDAR" not in printed
