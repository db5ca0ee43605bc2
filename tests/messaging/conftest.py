"""A real SMTP server on loopback, a patient with an e-mail address, and a booked session.

`smtp` is aiosmtpd in a thread of this process, on a free port; `mail_to_smtp` points
Django's default mailer at it. Dates are in the future (booking refuses the past).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from pytest_django import Settings

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_room
from mesodesk.messaging.choices import NOTICES
from mesodesk.messaging.models import Reminder
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake, register_patient
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.helpers import free_port
from tests.scheduling.conftest import intake

BERLIN = ZoneInfo("Europe/Berlin")

# aiosmtpd logs every connection at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Inbox:
    """What the SMTP server received, in order."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(message_from_bytes(envelope.original_content))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


class SmtpServer:
    """aiosmtpd on 127.0.0.1:port, which can be stopped and started again on that port;
    `inbox` handles what arrives (an Inbox unless given)."""

    def __init__(self, port: int, inbox: Any = None) -> None:
        self.port = port
        self.inbox = inbox if inbox is not None else Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_to_smtp(settings: Settings, smtp: SmtpServer) -> SmtpServer:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp.port, "timeout": 5},
        }
    }
    return smtp


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


ADVIL_AND_FISH_OIL = [
    {"name": "Advil 200 mg", "prescribed": False},
    {"name": "fish oil", "prescribed": False},
]


@pytest.fixture
def lena(clinic: Clinic, fiona: User) -> Patient:
    """A patient with an e-mail address who takes Advil and fish oil (eligible)."""
    patient = register_patient(
        clinic=clinic,
        by=fiona,
        first_name="Lena",
        last_name="Vogt",
        email="lena@example.test",
        phone="+49 170 0000000",
    )
    record_intake(
        clinic=clinic, patient=patient, by=fiona, answers=intake(medications=ADVIL_AND_FISH_OIL)
    )
    return patient


def next_weekday(weekday: int, *, weeks: int = 3) -> date:
    """A date `weeks` weeks or more ahead (in Berlin) that falls on `weekday` (0 = Monday)."""
    today = timezone.now().astimezone(BERLIN).date() + timedelta(weeks=weeks)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


BookSession = Callable[..., Appointment]


@pytest.fixture
def book_session(clinic: Clinic, fiona: User, pedro: User, room: Room) -> BookSession:
    """book_session(patient, day, "10:00") books a session with Pedro in Room 1, and counts
    its booking confirmation as sent: these tests are about the reminders of the timeline
    (the notices have test_notices.py)."""

    def book(patient: Patient, day: date, hh_mm: str = "10:00") -> Appointment:
        start = datetime.combine(day, time.fromisoformat(hh_mm), BERLIN)
        booked = book_appointment(
            clinic=clinic,
            patient=patient,
            by=fiona,
            kind="session",
            start=start,
            practitioner=pedro,
            room=room,
        )
        Reminder.objects.filter(appointment=booked, kind__in=NOTICES).delete()
        return booked

    return book
