"""Lindenhof with a week of appointments around today, a charted session with a lot, an
adverse event and stock moves; Harbour with one appointment of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.charting.models import Administration, SessionRecord
from mesodesk.charting.services import open_record
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.clinics.selectors import clinic_today
from mesodesk.clinics.services import add_device, add_member, add_room
from mesodesk.inventory.models import Lot
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from mesodesk.safety.models import AdverseEvent
from mesodesk.safety.services import record_adverse_event
from mesodesk.scheduling.choices import AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.charting.fixtures import nappage, session
from tests.helpers import give_consents
from tests.workspace.clinic_fixtures import admin, desk, doctor, outsider

__all__ = ["admin", "desk", "doctor", "outsider"]

# Words of the chart that must never reach a staff calendar.
NOTE = "Hyaluronic cocktail, patient anxious about bruising"


@dataclass
class World:
    anna: Patient
    room: Room
    gun: Device
    upcoming: Appointment
    cancelled: Appointment
    past: Appointment
    far_future: Appointment
    long_ago: Appointment
    charted: Appointment
    record: SessionRecord
    given: Administration
    event: AdverseEvent
    lot: Lot


def _cancelled(**fields: object) -> dict[str, object]:
    return {
        "status": AppointmentStatus.CANCELLED,
        "cancelled_at": timezone.now(),
        "arrived_at": None,
        "started_at": None,
        **fields,
    }


@pytest.fixture
def world(clinic: Clinic, fiona: User, pedro: User, alice: User, lot: Lot) -> World:
    anna = register_patient(clinic=clinic, by=fiona, first_name="Anna", last_name="Müller")
    give_consents(anna)
    room = add_room(clinic=clinic, name="Garden room")
    gun = add_device(clinic=clinic, name="Gun A", device_type="meso_gun", model_name="LB212")
    now = timezone.now()

    def at(days: float, **fields: object) -> Appointment:
        start = now + timedelta(days=days)
        values: dict[str, object] = {
            "start": start,
            "end": start + timedelta(minutes=45),
            "arrived_at": None,
            "started_at": None,
        }
        return session(clinic, anna, pedro, room, **(values | fields))

    charted = session(clinic, anna, pedro, room, device=gun)
    record = open_record(clinic=clinic, appointment=charted, by=pedro)
    record.notes = NOTE
    record.save(update_fields=["notes"])
    given = nappage(clinic, record, pedro, lot)
    event = record_adverse_event(
        clinic=clinic,
        patient=anna,
        by=pedro,
        event="bruising",
        onset=clinic_today(clinic),
        grade=1,
        session_record=record,
        administrations=[given],
    )
    return World(
        anna=anna,
        room=room,
        gun=gun,
        upcoming=at(2, device=gun, kind=AppointmentKind.CONSULTATION),
        cancelled=at(5, **_cancelled(cancelled_by=fiona)),
        past=at(
            -10,
            status=AppointmentStatus.COMPLETED,
            arrived_at=now - timedelta(days=10),
            started_at=now - timedelta(days=10),
        ),
        far_future=at(200),
        long_ago=at(
            -40,
            status=AppointmentStatus.COMPLETED,
            arrived_at=now - timedelta(days=40),
            started_at=now - timedelta(days=40),
        ),
        charted=charted,
        record=record,
        given=given,
        event=event,
        lot=lot,
    )


@pytest.fixture
def harbour_appointment(other_clinic: Clinic) -> Appointment:
    from mesodesk.accounts.services import create_user

    doc = create_user(email="hugo@harbour.test", password="correct horse battery")
    add_member(clinic=other_clinic, user=doc, role=Role.PRACTITIONER)
    patient = register_patient(
        clinic=other_clinic, by=doc, first_name="Hannah", last_name="Harbour"
    )
    room = add_room(clinic=other_clinic, name="Harbour room")
    start = timezone.now() + timedelta(days=3)
    return session(
        other_clinic,
        patient,
        doc,
        room,
        start=start,
        end=start + timedelta(minutes=30),
        arrived_at=None,
        started_at=None,
    )
