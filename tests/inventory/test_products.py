"""Adding and changing products: checked fields, GTINs as barcodes carry them, history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.inventory.models import Product
from mesodesk.inventory.services import create_product, update_product

pytestmark = pytest.mark.django_db


def _fields(product: Product, **changes: object) -> dict[str, object]:
    fields = {
        "name": product.name,
        "manufacturer": product.manufacturer,
        "ingredients": product.ingredients,
        "unit": product.unit,
        "package_size": product.package_size,
        "gtin": product.gtin,
        "lot_tracking_required": product.lot_tracking_required,
        "refrigerated": product.refrigerated,
        "beyond_use_hours": product.beyond_use_hours,
        "reorder_level": product.reorder_level,
        "active": product.active,
    }
    return fields | changes


def test_a_gtin_is_kept_as_the_fourteen_digits_a_barcode_carries(
    clinic: Clinic, alice: User
) -> None:
    product = create_product(clinic=clinic, by=alice, name="Vial", gtin="4006381333931")
    assert product.gtin == "04006381333931"


def test_a_gtin_with_a_wrong_check_digit_is_refused(clinic: Clinic, alice: User) -> None:
    with pytest.raises(ValidationError) as refused:
        create_product(clinic=clinic, by=alice, name="Vial", gtin="4006381333932")
    assert refused.value.error_dict["gtin"][0].code == "invalid_gtin"


def test_an_update_is_in_the_history_with_who_made_it(
    clinic: Clinic, pedro: User, cocktail: Product
) -> None:
    updated = update_product(
        clinic=clinic, product=cocktail, by=pedro, **_fields(cocktail, reorder_level=Decimal(20))
    )
    assert updated.reorder_level == Decimal("20.00")
    latest = cocktail.history.order_by("-history_id").first()
    assert (latest.history_user, latest.reorder_level) == (pedro, Decimal("20.00"))


def test_an_update_may_not_take_another_products_name_or_gtin(
    clinic: Clinic, alice: User, cocktail: Product
) -> None:
    create_product(clinic=clinic, by=alice, name="Numbing cream", gtin="09501101530003")
    with pytest.raises(ValidationError) as refused:
        update_product(
            clinic=clinic, product=cocktail, by=alice, **_fields(cocktail, name="numbing CREAM")
        )
    assert refused.value.error_dict["name"][0].code == "duplicate"
    with pytest.raises(ValidationError) as refused:
        update_product(
            clinic=clinic, product=cocktail, by=alice, **_fields(cocktail, gtin="9501101530003")
        )
    assert refused.value.error_dict["gtin"][0].code == "duplicate"


def test_unknown_ingredients_and_nonsense_figures_are_refused(
    clinic: Clinic, alice: User, cocktail: Product
) -> None:
    for changes, field in (
        ({"ingredients": ["unicorn_dust"]}, "ingredients"),
        ({"package_size": Decimal("-1")}, "package_size"),
        ({"reorder_level": Decimal("-1")}, "reorder_level"),
        ({"beyond_use_hours": 0}, "beyond_use_hours"),
        ({"name": "  "}, "name"),
    ):
        with pytest.raises(ValidationError) as refused:
            update_product(
                clinic=clinic, product=cocktail, by=alice, **_fields(cocktail, **changes)
            )
        assert field in refused.value.error_dict


def test_another_clinics_product_cannot_be_updated(
    other_clinic: Clinic, clinic: Clinic, alice: User, cocktail: Product
) -> None:
    with pytest.raises(Product.DoesNotExist):
        update_product(clinic=other_clinic, product=cocktail, by=alice, **_fields(cocktail))
