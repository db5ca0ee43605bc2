"""A session in treatment at Lindenhof, the products and lots it is charted with
(a plugin of tests/conftest.py: the workspace and API tests use them too).

The appointment is written directly (booking refuses the past, and the visit's services
are another app's): a session of Pat Eligible with Pedro that started ten minutes ago.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.charting import services
from mesodesk.charting.models import SessionRecord
from mesodesk.charting.services import MapPoint
from mesodesk.clinics.models import Clinic, Device, Room
from mesodesk.clinics.services import add_device, add_room
from mesodesk.inventory.choices import LotStatus
from mesodesk.inventory.models import Lot, Product
from mesodesk.inventory.services import create_product, receive_lot
from mesodesk.patients.models import Patient
from mesodesk.scheduling.choices import ENDED_STATUSES, AppointmentKind, AppointmentStatus
from mesodesk.scheduling.models import Appointment
from tests.scheduling.conftest import make_patient

D = Decimal


def today() -> date:
    """Lindenhof's date (Europe/Berlin)."""
    return timezone.localdate(timezone=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def patient(clinic: Clinic, fiona: User) -> Patient:
    return make_patient(clinic, fiona, "Eligible")


@pytest.fixture
def room(clinic: Clinic) -> Room:
    return add_room(clinic=clinic, name="Room 1")


@pytest.fixture
def gun(clinic: Clinic) -> Device:
    return add_device(clinic=clinic, name="Gun A", device_type="meso_gun", model_name="LB212")


def session(
    clinic: Clinic, patient: Patient, practitioner: User, room: Room, **fields: Any
) -> Appointment:
    """A session appointment that started ten minutes ago (in treatment)."""
    now = timezone.now()
    values: dict[str, Any] = {
        "clinic": clinic,
        "patient": patient,
        "kind": AppointmentKind.SESSION,
        "practitioner": practitioner,
        "room": room,
        "start": now - timedelta(minutes=15),
        "end": now + timedelta(minutes=15),
        "status": AppointmentStatus.BOOKED,
        "created_by": practitioner,
        "arrived_at": now - timedelta(minutes=20),
        "started_at": now - timedelta(minutes=10),
    }
    values |= fields
    if values["status"] in ENDED_STATUSES:
        values.setdefault("ended_at", now)
        values.setdefault("ended_by", practitioner)
        if values["status"] == AppointmentStatus.NO_SHOW:
            values["arrived_at"] = values["started_at"] = None
    return Appointment.objects.create(**values)


@pytest.fixture
def appointment(clinic: Clinic, patient: Patient, pedro: User, room: Room) -> Appointment:
    return session(clinic, patient, pedro, room)


@pytest.fixture
def record(clinic: Clinic, appointment: Appointment, pedro: User) -> SessionRecord:
    return services.open_record(clinic=clinic, appointment=appointment, by=pedro)


@pytest.fixture
def cocktail(clinic: Clinic, alice: User) -> Product:
    return create_product(
        clinic=clinic,
        by=alice,
        name="Revita HA cocktail",
        ingredients=["hyaluronic_acid", "vitamin_c"],
        package_size=D("5.00"),
        beyond_use_hours=24,
    )


@pytest.fixture
def biotin(clinic: Clinic, alice: User) -> Product:
    return create_product(clinic=clinic, by=alice, name="Biotin vial", ingredients=["biotin"])


@pytest.fixture
def make_lot(clinic: Clinic, alice: User) -> Callable[..., Lot]:
    def make(
        product: Product,
        number: str,
        *,
        expiry: date | None = None,
        quantity: str = "10.00",
        status: str | None = None,
    ) -> Lot:
        lot = receive_lot(
            clinic=clinic,
            product=product,
            by=alice,
            number=number,
            expiry=expiry or today() + timedelta(days=365),
            quantity=D(quantity),
        )
        if status is not None:
            Lot.objects.filter(pk=lot.pk).update(status=status)
            lot.refresh_from_db()
        return lot

    return make


@pytest.fixture
def lot(cocktail: Product, make_lot: Callable[..., Lot]) -> Lot:
    return make_lot(cocktail, "RV2401")


@pytest.fixture
def biotin_lot(biotin: Product, make_lot: Callable[..., Lot]) -> Lot:
    return make_lot(biotin, "BT77")


@pytest.fixture
def expired_lot(cocktail: Product, make_lot: Callable[..., Lot]) -> Lot:
    return make_lot(cocktail, "RV2201", expiry=today() - timedelta(days=30))


@pytest.fixture
def recalled_lot(cocktail: Product, make_lot: Callable[..., Lot]) -> Lot:
    return make_lot(cocktail, "RV2302", status=LotStatus.RECALLED)


def cheek_points(n: int = 3) -> list[MapPoint]:
    return [MapPoint("face_front", "cheek_l", 0.68 + i * 0.01, 0.5) for i in range(n)]


def nappage(clinic: Clinic, record: SessionRecord, by: User, lot: Lot, **changes: Any) -> Any:
    """2 mL of the lot in the face by nappage at 2.5 mm with three points on the left cheek."""
    arguments: dict[str, Any] = {
        "clinic": clinic,
        "record": record,
        "by": by,
        "area": "face",
        "lot": lot,
        "volume_ml": D("2.00"),
        "technique": "nappage",
        "depth_mm": D("2.5"),
        "needle_gauge": 32,
        "needle_length_mm": D("4"),
        "map_points": cheek_points(),
    }
    return services.add_administration(**(arguments | changes))
