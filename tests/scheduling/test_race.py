"""Twenty receptionists book the same practitioner at the same moment: one booking, nineteen
clean conflicts, nothing else. Two receptionists book the same plan's series at once: each
session is booked once, the second finds them all taken.

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
from mesodesk.clinics.services import add_device, add_room
from mesodesk.patients.models import Patient
from mesodesk.planning.services import create_plan
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.errors import BookingConflict
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment, book_series
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


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_series_bookings_of_one_plan_book_each_session_once(
    clinic: Clinic, fiona: User, pedro: User, petra: User, at: Callable[..., datetime]
) -> None:
    # Different practitioners, rooms and guns: only the plan and its patient are contended.
    patient = make_patient(clinic, fiona, "Series")
    plan = create_plan(
        clinic=clinic,
        patient=patient,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid"],
        technique="meso_gun",
        schedule_template="monthly_starter",
        first_session=at("10:00"),
    )
    staff = [
        (
            pedro,
            add_room(clinic=clinic, name="Room A"),
            add_device(clinic=clinic, name="Gun A", device_type="meso_gun"),
        ),
        (
            petra,
            add_room(clinic=clinic, name="Room B"),
            add_device(clinic=clinic, name="Gun B", device_type="meso_gun"),
        ),
    ]
    barrier = threading.Barrier(len(staff))

    def attempt(i: int) -> str:
        practitioner, room, gun = staff[i]
        try:
            barrier.wait(timeout=30)
            series = book_series(
                clinic=clinic,
                plan=plan,
                by=fiona,
                practitioner=practitioner,
                room=room,
                device=gun,
            )
            return f"booked {len(series)}, skipped {[s.reason for s in series.skipped]}"
        except Exception as error:
            return f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(staff)) as pool:
        outcomes = sorted(pool.map(attempt, range(len(staff))))

    assert outcomes == ["booked 0, skipped ['booked', 'booked', 'booked']", "booked 3, skipped []"]
    booked = Appointment.objects.filter(clinic=clinic, status=AppointmentStatus.BOOKED)
    assert sorted(booked.values_list("planned_session__number", flat=True)) == [1, 2, 3]
    assert len({a.practitioner_id for a in booked}) == 1
