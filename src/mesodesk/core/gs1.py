"""GS1 barcodes on injectables: what a scanned DataMatrix (or its printed text) says.

A GS1 DataMatrix on a vial or box carries Application Identifiers: (01) the GTIN, (17)
the expiry date (YYMMDD; a day of 00 means the end of that month), (10) the lot number.
A scanner types it as one string, the variable-length fields ended by the FNC1 separator
(ASCII 29, "GS"), sometimes after the symbology identifier "]d2"; people copy the human-
readable line "(01)…(17)…(10)…" instead. `biip` parses both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

# biip is imported where it is used: its GS1 tables are 15 MB of every web worker, and
# only charting with a scanner and the product forms read barcodes.
if TYPE_CHECKING:
    from biip.gs1_messages import GS1Message

GROUP_SEPARATOR = "\x1d"


class UnreadableBarcode(ValueError):
    """The text is no GS1 barcode mesodesk can use; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class Scan:
    """What one scanned barcode says: GTIN (14 digits), lot number and expiry, if present."""

    gtin: str
    lot_number: str
    expiry: date | None


def valid_gtin(text: str) -> bool:
    """Whether `text` is a GTIN-8, -12, -13 or -14 with a correct check digit."""
    if not (text.isascii() and text.isdigit() and len(text) in (8, 12, 13, 14)):
        return False
    from biip import ParseError
    from biip.gtin import Gtin

    try:
        Gtin.parse(text)
    except ParseError:
        return False
    return True


def _message(text: str) -> GS1Message:
    from biip import ParseError, parse
    from biip.gs1_messages import GS1Message

    if text.startswith("("):
        try:
            return GS1Message.parse_hri(text)
        except ParseError as error:
            raise UnreadableBarcode(f"The printed barcode text cannot be read: {error}") from None
    result = parse(text)
    if result.gs1_message is None or not result.gs1_message.element_strings:
        raise UnreadableBarcode(
            "This is not a GS1 barcode: scan the square DataMatrix code on the package, "
            "or type the line printed under it, such as (01)…(17)…(10)…."
        )
    return result.gs1_message


def read_scan(text: str) -> Scan:
    """The GTIN, lot and expiry of a scanned GS1 DataMatrix string or its printed text;
    UnreadableBarcode when it is none, or lacks the GTIN."""
    text = text.strip().replace("<GS>", GROUP_SEPARATOR)
    if not text:
        raise UnreadableBarcode("Scan or paste the barcode first.")
    message = _message(text)
    found = {element.ai.ai: element for element in message.element_strings}
    product = found.get("01")
    if product is None:
        raise UnreadableBarcode("The barcode has no product number (GTIN, AI 01).")
    if product.gtin is None:
        raise UnreadableBarcode(
            f"The product number {product.value} is not a valid GTIN (its check digit is wrong)."
        )
    lot = found.get("10")
    expiry = found.get("17")
    return Scan(
        gtin=product.gtin.value.zfill(14),
        lot_number=lot.value if lot is not None else "",
        expiry=expiry.date if expiry is not None else None,
    )
