"""Text messages through Twilio's Messages API, against a local HTTP server on 127.0.0.1
that checks each request as Twilio would (path, Basic auth, form fields) and answers as
Twilio does; delivery reports signed as Twilio signs them."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from mesodesk.messaging.choices import MessageChannel, ReminderStatus
from mesodesk.messaging.models import Reminder
from mesodesk.messaging.sms import SmsError, TextMessage
from mesodesk.messaging.twilio import TwilioSmsBackend, signature, status_callback_url
from mesodesk.messaging.worker import Worker, WorkerSettings
from tests.messaging.faults import PATIENT_PHONE, seed_outbox

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "twilio-auth-token-for-tests"
SENDER = "+15005550006"


@dataclass
class FakeTwilio:
    """Answers POST /2010-04-01/Accounts/{ACCOUNT}/Messages.json; `answers` queues what to
    answer next (status, JSON, seconds to wait first), else 201 with a new sid."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, dict[str, Any], float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def twilio(settings: Settings) -> Iterator[FakeTwilio]:
    fake = FakeTwilio()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
            if self.path != f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json":
                fake.problems.append(f"path {self.path}")
            if self.headers.get("Authorization") != expected_auth:
                fake.problems.append("authorization")
            if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
                fake.problems.append("content type")
            fake.requests.append(form)
            status, body, delay = (
                fake.answers.pop(0)
                if fake.answers
                else (201, {"sid": f"SM{len(fake.requests):032d}", "status": "queued"}, 0.0)
            )
            time.sleep(delay)
            data = json.dumps(body).encode()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)  # the client may have given up waiting
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SMS_BACKEND = "mesodesk.messaging.twilio.TwilioSmsBackend"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM = SENDER
    settings.TWILIO_API_URL = fake.url
    settings.TWILIO_TIMEOUT = 1
    settings.MESODESK_BASE_URL = "https://clinic.example.org"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def sms_row(db: None) -> Reminder:
    """A text-message reminder due now for a patient who chose SMS (no quiet hours)."""
    seed_outbox(1, channel=MessageChannel.SMS)
    return Reminder.objects.get()


def test_the_backend_posts_the_message_as_twilio_expects_and_returns_its_receipt(
    twilio: FakeTwilio,
) -> None:
    receipt = TwilioSmsBackend().send(
        TextMessage("+4917012345678", "See you at 10:00.", "<id@x>", "https://x/cb/")
    )
    assert twilio.problems == []
    assert twilio.requests == [
        {
            "To": "+4917012345678",
            "From": SENDER,
            "Body": "See you at 10:00.",
            "StatusCallback": "https://x/cb/",
        }
    ]
    assert (receipt.provider_id, receipt.status) == (f"SM{1:032d}", "queued")


def test_a_messaging_service_sends_in_place_of_a_number(
    twilio: FakeTwilio, settings: Settings
) -> None:
    settings.TWILIO_FROM = "MG0123456789abcdef0123456789abcdef"
    TwilioSmsBackend().send(TextMessage("+4917012345678", "Hi", "<id@x>"))
    assert twilio.requests[0]["MessagingServiceSid"] == settings.TWILIO_FROM
    assert "From" not in twilio.requests[0]


def test_refusals_name_the_status_and_code_never_the_number(twilio: FakeTwilio) -> None:
    twilio.answers = [
        (400, {"code": 21211, "message": "The 'To' number +4917012345678 is not valid."}, 0),
        (503, {"code": 20503, "message": "Service unavailable"}, 0),
        (429, {"code": 20429, "message": "Too many requests"}, 0),
    ]
    backend = TwilioSmsBackend()
    message = TextMessage("+4917012345678", "Hi", "<id@x>")
    errors = []
    for _ in range(3):
        with pytest.raises(SmsError) as caught:
            backend.send(message)
        errors.append((str(caught.value), caught.value.transient))
    assert errors == [
        ("Twilio HTTP 400 error 21211", False),
        ("Twilio HTTP 503 error 20503", True),
        ("Twilio HTTP 429 error 20429", True),
    ]


def test_a_server_that_does_not_answer_in_time_is_a_transient_error(twilio: FakeTwilio) -> None:
    twilio.answers = [(201, {"sid": "SMlate", "status": "queued"}, 2.5)]
    started = time.monotonic()
    with pytest.raises(SmsError, match="unreachable") as caught:
        TwilioSmsBackend().send(TextMessage("+4917012345678", "Hi", "<id@x>"))
    assert caught.value.transient
    assert time.monotonic() - started < 2.5


def test_the_worker_sends_through_twilio_and_records_the_receipt(
    twilio: FakeTwilio, sms_row: Reminder
) -> None:
    result = Worker(WorkerSettings(), name="w").run_once()
    assert result.sent == 1
    sms_row.refresh_from_db()
    assert (sms_row.status, sms_row.provider_message_id, sms_row.delivery_status) == (
        ReminderStatus.SENT,
        f"SM{1:032d}",
        "queued",
    )
    sent = twilio.requests[0]
    assert sent["To"] == PATIENT_PHONE
    assert sent["StatusCallback"] == (
        "https://clinic.example.org/reminders/fault-clinic/sms/twilio/status/"
    )


def test_an_unavailable_provider_is_retried_through_the_outbox_until_it_answers(
    twilio: FakeTwilio, sms_row: Reminder
) -> None:
    twilio.answers = [(503, {"code": 20503}, 0)] * 9
    worker = Worker(WorkerSettings(max_attempts=2, backoff=timedelta(seconds=1)), name="w")
    now = timezone.now()
    for attempt in range(3):
        worker.run_once(now + timedelta(minutes=attempt * 10))
    sms_row.refresh_from_db()
    # Transient: past --max-attempts, still waiting, the error without the number.
    assert (sms_row.status, sms_row.attempts) == (ReminderStatus.PENDING, 3)
    assert sms_row.last_error == "SmsError: Twilio HTTP 503 error 20503"
    twilio.answers = []
    worker.run_once(now + timedelta(minutes=40))
    sms_row.refresh_from_db()
    assert sms_row.status == ReminderStatus.SENT


def test_a_number_twilio_refuses_fails_after_the_attempts(
    twilio: FakeTwilio, sms_row: Reminder
) -> None:
    twilio.answers = [(400, {"code": 21211, "message": "+4917012345678 is not valid"}, 0)] * 2
    worker = Worker(WorkerSettings(max_attempts=2, backoff=timedelta(seconds=1)), name="w")
    now = timezone.now()
    worker.run_once(now)
    worker.run_once(now + timedelta(minutes=10))
    sms_row.refresh_from_db()
    assert sms_row.status == ReminderStatus.FAILED
    assert "4917012345678" not in sms_row.last_error


def test_a_signed_delivery_report_records_the_status(
    twilio: FakeTwilio, sms_row: Reminder, client: Client
) -> None:
    Worker(WorkerSettings(), name="w").run_once()
    sms_row.refresh_from_db()
    url = status_callback_url("fault-clinic")
    form = {
        "MessageSid": sms_row.provider_message_id,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "AccountSid": ACCOUNT,
    }
    path = "/reminders/fault-clinic/sms/twilio/status/"
    forged = client.post(path, form, headers={"X-Twilio-Signature": "bm90IGl0"})
    assert forged.status_code == 403
    sms_row.refresh_from_db()
    assert sms_row.delivery_status == "queued"

    signed = client.post(path, form, headers={"X-Twilio-Signature": signature(url, form, TOKEN)})
    assert signed.status_code == 204
    sms_row.refresh_from_db()
    assert sms_row.delivery_status == "undelivered"
    assert sms_row.last_error == "SMS undelivered: provider error 30003"


def test_twilios_published_signature_example_is_reproduced() -> None:
    # Twilio's documentation ("Webhooks security"), with its example auth token.
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert signature(url, params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
