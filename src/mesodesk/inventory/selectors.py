"""Reads of products, lots and stock; always within one clinic."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from mesodesk.clinics.models import Clinic
from mesodesk.inventory.choices import LotStatus
from mesodesk.inventory.models import Lot, Product


def usable_lots(clinic: Clinic, product: Product, *, on: date) -> QuerySet[Lot]:
    """The product's lots that may be charted on `on` (the clinic's local date): available,
    not expired, with stock left; the soonest expiry first (first expiry, first out)."""
    return (
        Lot.objects.filter(
            clinic=clinic,
            product=product,
            status=LotStatus.AVAILABLE,
            expiry__gte=on,
            quantity_on_hand__gt=0,
        )
        .select_related("product")
        .order_by("expiry", "id")
    )
