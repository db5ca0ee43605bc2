"""Products and lots of Lindenhof for the stock tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.models import Lot, Product
from mesodesk.inventory.services import create_product, receive_lot


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
