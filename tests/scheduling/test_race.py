"""Twenty receptionists book the same practitioner at the same moment: one booking, nineteen
clean conflicts, nothing else.

Each thread has its own database connection (Django's connections are per thread) and all
of them start together at a barrier. On PostgreSQL they really run in parallel and the
exclusion constraint decides; on SQLite writers queue on the immediate transactions and the
busy timeout. The test commits for real (`transaction=True`), so the threads see the cast.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from django.db import connections

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_room
from mesodesk.patients.models import Patient
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.errors import BookingConflict
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.scheduling.conftest import make_patient

ATTEMPTS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_bookings_of_one_slot_give_one_booking_and_nineteen_conflicts(
    clinic: Clinic, fiona: User, pedro: User, at: Callable[..., datetime]
) -> None:
    # Different patients and rooms: only the practitioner is contended.
    patients: list[Patient] = [make_patient(clinic, fiona, f"Racer {i}") for i in range(ATTEMPTS)]
    rooms = [add_room(clinic=clinic, name=f"Room {i}") for i in range(ATTEMPTS)]
    barrier = threading.Barrier(ATTEMPTS)

    def attempt(i: int) -> str:
        try:
            barrier.wait(timeout=30)
            book_appointment(
                clinic=clinic,
                patient=patients[i],
                by=fiona,
                kind=AppointmentKind.SESSION,
                start=at("10:00"),
                practitioner=pedro,
                room=rooms[i],
            )
            return "booked"
        except BookingConflict as conflict:
            return f"conflict:{conflict.resource}"
        except Exception as error:
            return f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        outcomes = Counter(pool.map(attempt, range(ATTEMPTS)))

    assert outcomes == {"booked": 1, "conflict:practitioner": ATTEMPTS - 1}
    assert Appointment.objects.filter(clinic=clinic, status=AppointmentStatus.BOOKED).count() == 1
