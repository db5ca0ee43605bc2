"""A scanned GS1 barcode to the lot it names, for the administration form.

`inventory` reads barcodes on its own branch (`inventory.selectors.from_barcode`); until
that lands this small reader does the same with biip: GTIN (01), lot (10), expiry (17),
from the scanner's string or the printed "(01)…(17)…(10)…" line.
"""

from __future__ import annotations

from biip import parse
from biip.gs1_messages import GS1Message
from django.core.exceptions import ValidationError

from mesodesk.clinics.models import Clinic
from mesodesk.inventory.models import Lot, Product


def _read(text: str) -> tuple[str, str]:
    """The GTIN and the lot number a GS1 string carries."""
    text = text.strip()
    try:
        message = GS1Message.parse_hri(text) if text.startswith("(") else parse(text).gs1_message
    except Exception:  # biip raises its own ParseError subclasses and ValueError
        message = None
    gtin = message.element_strings.get(ai="01") if message is not None else None
    if message is None or gtin is None or gtin.gtin is None:
        raise ValidationError({"barcode": "This is no GS1 product barcode with a valid GTIN."})
    lot = message.element_strings.get(ai="10")
    return gtin.gtin.value, lot.value if lot is not None else ""


def lot_of_barcode(clinic: Clinic, text: str) -> Lot:
    """The clinic's lot a scanned package names; ValidationError on `barcode` saying what
    to do when the clinic has no such product or lot in stock."""
    gtin, number = _read(text)
    product = Product.objects.filter(clinic=clinic, gtin__in={gtin, gtin.lstrip("0")}).first()
    if product is None:
        raise ValidationError(
            {"barcode": f"No product has GTIN {gtin}: add it on the stock pages first."}
        )
    lot = Lot.objects.filter(clinic=clinic, product=product, number=number).first()
    if lot is None:
        raise ValidationError(
            {
                "barcode": f"Lot {number or '(none)'} of {product} is not in stock: receive it"
                " on the stock pages first, or choose a lot."
            }
        )
    return lot
