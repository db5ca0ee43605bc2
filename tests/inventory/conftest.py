"""Products, lots and treated patients of Lindenhof for the stock and recall tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from mesodesk.accounts.models import User
from mesodesk.charting.models import Administration, SessionRecord
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_room
from mesodesk.inventory.models import Lot, Product
from mesodesk.inventory.services import (
    create_product,
    discard_vial,
    receive_lot,
    use_in_session,
)
from mesodesk.patients.models import Patient
from mesodesk.patients.services import register_patient
from mesodesk.protocols.selectors import latest_protocol_version
from mesodesk.scheduling.choices import AppointmentStatus
from mesodesk.scheduling.models import Appointment


@pytest.fixture
def cocktail(clinic: Clinic, alice: User) -> Product:
    """A 5 mL hyaluronic-acid and vitamin cocktail, usable 24 hours once opened."""
    return create_product(
        clinic=clinic,
        by=alice,
        name="Revita HA cocktail",
        manufacturer="Mesolab",
        ingredients=["hyaluronic_acid", "vitamin_c"],
        package_size=Decimal("5.00"),
        beyond_use_hours=24,
    )


@pytest.fixture
def lot(clinic: Clinic, alice: User, cocktail: Product) -> Lot:
    """Ten millilitres of the cocktail, expiring at the end of 2027."""
    return receive_lot(
        clinic=clinic,
        product=cocktail,
        by=alice,
        number="RV2401",
        expiry=date(2027, 12, 31),
        quantity=Decimal("10.00"),
    )


def administer(
    *,
    clinic: Clinic,
    lot: Lot,
    patient: Patient,
    practitioner: User,
    start: datetime,
    area: str = "face",
    volume: str = "1.00",
    room: Room | None = None,
) -> Administration:
    """A completed session of `patient` at `start` with one administration from `lot`,
    taken from stock through use_in_session (the charting services, written in parallel,
    call the same): appointment, session record, stock move and opened vial are real rows."""
    room = room or Room.objects.filter(clinic=clinic).first() or add_room(clinic=clinic, name="R1")
    appointment = Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        kind="session",
        practitioner=practitioner,
        room=room,
        start=start,
        end=start + timedelta(minutes=45),
        status=AppointmentStatus.COMPLETED,
        created_by=practitioner,
        ended_at=start + timedelta(minutes=45),
        ended_by=practitioner,
    )
    version = latest_protocol_version()
    assert version is not None
    record = SessionRecord.objects.create(
        clinic=clinic,
        patient=patient,
        appointment=appointment,
        practitioner=practitioner,
        protocol_version=version,
        created_by=practitioner,
    )
    for vial in lot.opened_vials.filter(discarded_at__isnull=True, beyond_use_at__lte=start):
        # As the practitioner would: yesterday's vial goes in the bin, a new one is opened.
        discard_vial(clinic=clinic, vial=vial, by=practitioner, reason="Past beyond-use time")
    use = use_in_session(
        clinic=clinic, lot=lot, quantity=Decimal(volume), by=practitioner, at=start
    )
    return Administration.objects.create(
        clinic=clinic,
        record=record,
        area=area,
        product=lot.product,
        lot=lot,
        opened_vial=use.vial,
        stock_move=use.move,
        volume_ml=Decimal(volume),
        technique="nappage",
        depth_mm=Decimal("2.0"),
        created_by=practitioner,
    )


@pytest.fixture
def patients(clinic: Clinic, fiona: User) -> list[Patient]:
    """Three patients: two with an e-mail address, one with neither e-mail nor phone."""
    return [
        register_patient(
            clinic=clinic,
            by=fiona,
            first_name="Maria",
            last_name="Keller",
            email="maria@example.test",
        ),
        register_patient(
            clinic=clinic,
            by=fiona,
            first_name="Jonas",
            last_name="Brandt",
            email="jonas@example.test",
        ),
        register_patient(clinic=clinic, by=fiona, first_name="Ida", last_name="Roth"),
    ]


@pytest.fixture
def maria(clinic: Clinic, fiona: User, pedro: User, lot: Lot) -> Patient:
    """Maria Keller (e-mail and phone), who had 0.80 mL of the lot on her neck on
    9 November 2026 at 10:00 in Berlin."""
    patient = register_patient(
        clinic=clinic,
        by=fiona,
        first_name="Maria",
        last_name="Keller",
        email="maria@example.test",
        phone="+49 30 1234567",
    )
    administer(
        clinic=clinic,
        lot=lot,
        patient=patient,
        practitioner=pedro,
        start=datetime(2026, 11, 9, 9, 0, tzinfo=UTC),
        area="neck",
        volume="0.80",
    )
    return patient
