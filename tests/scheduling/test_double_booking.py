"""The database refuses double bookings of a practitioner, room or device, whatever writes
to it; the booking service turns that refusal into a BookingConflict, never an error 500."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.patients.models import Patient
from mesodesk.planning.models import PlannedSession
from mesodesk.planning.services import create_plan
from mesodesk.scheduling import rules
from mesodesk.scheduling.choices import ENDED_STATUSES, AppointmentKind, AppointmentStatus
from mesodesk.scheduling.errors import BookingConflict
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment, cancel_appointment
from tests.scheduling.conftest import BERLIN

SESSION = timedelta(minutes=50)

At = Callable[..., datetime]


def insert(
    clinic: Clinic,
    patient: Patient,
    practitioner: User,
    room: Room,
    start: datetime,
    *,
    device: Device | None = None,
    length: timedelta = SESSION,
    status: str = AppointmentStatus.BOOKED,
    planned_session: PlannedSession | None = None,
) -> Appointment:
    """An appointment written with the ORM directly, as a script would: no service checks."""
    with transaction.atomic():
        return Appointment.objects.create(
            clinic=clinic,
            patient=patient,
            kind=AppointmentKind.SESSION,
            practitioner=practitioner,
            room=room,
            device=device,
            start=start,
            end=start + length,
            status=status,
            ended_at=start + length if status in ENDED_STATUSES else None,
            planned_session=planned_session,
            created_by=practitioner,
        )


def refused_for(call: Callable[[], object]) -> str | None:
    """Which resource the database named when it refused `call`."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        call()
    return rules.conflicting_resource(caught.value)


def test_the_database_refuses_a_second_booking_of_the_same_practitioner(
    clinic: Clinic,
    eligible: Patient,
    another: Patient,
    pedro: User,
    room: Room,
    room_2: Room,
    at: At,
) -> None:
    insert(clinic, eligible, pedro, room, at("10:00"))
    resource = refused_for(lambda: insert(clinic, another, pedro, room_2, at("10:30")))
    assert resource == "practitioner"


def test_the_database_refuses_a_second_booking_of_the_same_room(
    clinic: Clinic,
    eligible: Patient,
    another: Patient,
    pedro: User,
    petra: User,
    room: Room,
    at: At,
) -> None:
    insert(clinic, eligible, pedro, room, at("10:00"))
    resource = refused_for(lambda: insert(clinic, another, petra, room, at("09:20")))
    assert resource == "room"


def test_the_database_refuses_a_second_booking_of_the_same_device(
    clinic: Clinic,
    eligible: Patient,
    another: Patient,
    pedro: User,
    petra: User,
    room: Room,
    room_2: Room,
    meso_gun: Device,
    at: At,
) -> None:
    insert(clinic, eligible, pedro, room, at("10:00"), device=meso_gun)
    resource = refused_for(
        lambda: insert(clinic, another, petra, room_2, at("10:49"), device=meso_gun)
    )
    assert resource == "device"


def test_the_database_refuses_a_patient_in_two_booked_appointments_at_once(
    clinic: Clinic, eligible: Patient, pedro: User, petra: User, room: Room, room_2: Room, at: At
) -> None:
    insert(clinic, eligible, pedro, room, at("10:00"))
    overlapping = refused_for(lambda: insert(clinic, eligible, petra, room_2, at("10:49")))
    later = insert(clinic, eligible, petra, room_2, at("10:50"))
    moved = refused_for(
        lambda: Appointment.objects.filter(pk=later.pk).update(start=at("10:30"), end=at("11:20"))
    )
    assert (overlapping, moved) == ("patient", "patient")


def test_the_database_books_a_planned_session_once_until_it_is_cancelled(
    clinic: Clinic,
    eligible: Patient,
    pedro: User,
    petra: User,
    room: Room,
    room_2: Room,
    meso_gun: Device,
    at: At,
) -> None:
    plan = create_plan(
        clinic=clinic,
        patient=eligible,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=at("10:00"),
    )
    session = plan.sessions.get(number=1)
    first = insert(clinic, eligible, pedro, room, at("10:00"), planned_session=session)
    # Another day, so only the planned session is in the way.
    twice = refused_for(
        lambda: insert(
            clinic, eligible, petra, room_2, at("10:00", days=1), planned_session=session
        )
    )
    cancel_appointment(clinic=clinic, appointment=first, by=pedro, reason="Unwell")
    again = insert(clinic, eligible, petra, room_2, at("10:00", days=1), planned_session=session)
    assert twice == "planned_session"
    assert again.planned_session == session


def test_back_to_back_appointments_are_allowed(
    clinic: Clinic, eligible: Patient, pedro: User, room: Room, meso_gun: Device, at: At
) -> None:
    first = insert(clinic, eligible, pedro, room, at("10:00"), device=meso_gun)
    second = insert(clinic, eligible, pedro, room, at("10:50"), device=meso_gun)
    assert first.end == second.start
    assert Appointment.objects.filter(clinic=clinic, status=AppointmentStatus.BOOKED).count() == 2


def test_a_cancelled_appointment_frees_its_time_for_the_database(
    clinic: Clinic, eligible: Patient, pedro: User, room: Room, at: At
) -> None:
    first = insert(clinic, eligible, pedro, room, at("10:00"))
    cancel_appointment(clinic=clinic, appointment=first, by=pedro, reason="Patient is unwell")
    second = insert(clinic, eligible, pedro, room, at("10:00"))
    assert second.pk != first.pk


def test_the_database_refuses_to_move_or_reinstate_into_a_double_booking(
    clinic: Clinic,
    eligible: Patient,
    another: Patient,
    pedro: User,
    room: Room,
    room_2: Room,
    at: At,
) -> None:
    insert(clinic, eligible, pedro, room, at("10:00"))
    later = insert(clinic, another, pedro, room_2, at("11:00"))
    moved = refused_for(
        lambda: Appointment.objects.filter(pk=later.pk).update(start=at("10:30"), end=at("11:20"))
    )
    completed = insert(
        clinic, another, pedro, room_2, at("10:00"), status=AppointmentStatus.COMPLETED
    )
    reinstated = refused_for(
        lambda: Appointment.objects.filter(pk=completed.pk).update(
            status=AppointmentStatus.BOOKED, ended_at=None
        )
    )
    assert (moved, reinstated) == ("practitioner", "practitioner")


def test_the_database_refuses_an_appointment_longer_than_a_day(
    clinic: Clinic, eligible: Patient, pedro: User, room: Room, at: At
) -> None:
    with pytest.raises(IntegrityError):
        insert(clinic, eligible, pedro, room, at("10:00"), length=timedelta(days=1, minutes=1))


def test_the_service_reports_a_taken_practitioner_as_a_booking_conflict(
    clinic: Clinic, eligible: Patient, fiona: User, pedro: User, room: Room, room_2: Room, at: At
) -> None:
    def book(start: datetime, room: Room) -> None:
        kind = AppointmentKind.CONSULTATION
        book_appointment(
            clinic=clinic,
            patient=eligible,
            by=fiona,
            kind=kind,
            start=start,
            practitioner=pedro,
            room=room,
        )

    book(at("10:00"), room)
    with pytest.raises(BookingConflict) as caught:
        book(at("10:15"), room_2)
    assert caught.value.resource == "practitioner"
    assert "already booked" in caught.value.message_dict["practitioner"][0]


def test_the_service_reports_the_databases_refusal_as_a_booking_conflict(
    clinic: Clinic,
    eligible: Patient,
    another: Patient,
    pedro: User,
    room: Room,
    room_2: Room,
    at: At,
) -> None:
    # What a booking that lost a race meets: its own check saw nothing, the database did.
    insert(clinic, another, pedro, room_2, at("10:00"))
    appointment = Appointment(
        clinic=clinic,
        patient=eligible,
        kind=AppointmentKind.CONSULTATION,
        practitioner=pedro,
        room=room,
        start=at("10:10"),
        end=at("10:40"),
        created_by=pedro,
    )
    booking = rules.Booking(start=at("10:10"), end=at("10:40"), zone=BERLIN)
    with pytest.raises(BookingConflict) as caught, transaction.atomic():
        rules.save_or_conflict(appointment, booking=booking, device=None)
    assert caught.value.resource == "practitioner"
    assert Appointment.objects.filter(clinic=clinic).count() == 1
