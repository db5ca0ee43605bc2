"""A scanned GS1 barcode to the lot it names, for the administration form: the stock's
own reader (`inventory.selectors.from_barcode`, biip), with what to do when the clinic
has no such product or lot in stock."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from mesodesk.clinics.models import Clinic
from mesodesk.inventory.models import Lot
from mesodesk.inventory.selectors import from_barcode


def lot_of_barcode(clinic: Clinic, text: str) -> Lot:
    """The clinic's lot a scanned package names; ValidationError on `barcode` saying what
    to do when the clinic has no such product or lot in stock."""
    scanned = from_barcode(clinic, text)
    if scanned.product is None:
        raise ValidationError(
            {"barcode": f"No product has GTIN {scanned.gtin}: add it on the stock pages first."}
        )
    if scanned.lot is None:
        raise ValidationError(
            {
                "barcode": f"Lot {scanned.number or '(none)'} of {scanned.product} is not in"
                " stock: receive it on the stock pages first, or choose a lot."
            }
        )
    return scanned.lot
