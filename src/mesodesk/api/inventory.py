"""Products, lots, stock moves and recalls.

Every member reads stock; admins and practitioners change it. Which patients received a
lot (`/lots/{lot_id}/recipients`) is clinical: admins and practitioners only, and every
read writes an access event per patient listed. Quantities are decimal numbers in the
product's unit (mL), to 0.01.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from mesodesk.api.auth import token_checked_by_read
from mesodesk.api.common import caller, local, member, read_one, rendered, responses
from mesodesk.api.direct import answered_directly
from mesodesk.api.types import Id, IsoDate, Reason, library_codes
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.inventory import selectors, services
from mesodesk.inventory.models import Lot, Product, StockMove
from mesodesk.inventory.services import local_date

router = Router(tags=["inventory"])

CENT = Decimal("0.01")
Quantity = Field(gt=0, max_digits=10, decimal_places=2)


class ProductIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    manufacturer: str = Field("", max_length=200)
    ingredients: list[library_codes("ingredients")] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Library ingredient codes."
    )
    unit: str = "ml"
    package_size: Decimal | None = Field(None, gt=0, max_digits=10, decimal_places=2)
    gtin: str = Field("", max_length=14, description="8, 12, 13 or 14 digits; kept as 14.")
    lot_tracking_required: bool = True
    refrigerated: bool = False
    beyond_use_hours: int | None = Field(None, ge=1, description="Once opened.")
    reorder_level: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)


class ProductUpdateIn(ProductIn):
    active: bool = True


class ProductOut(Schema):
    id: int
    name: str
    manufacturer: str
    ingredients: list[str]
    unit: str
    package_size: Decimal | None
    gtin: str
    lot_tracking_required: bool
    refrigerated: bool
    beyond_use_hours: int | None
    reorder_level: Decimal | None
    active: bool
    on_hand: Decimal = Field(description="What may be charted today: usable lots' quantity.")
    usable_lots: int
    below_reorder: bool


class LotIn(Schema):
    product_id: Id
    number: str = Field(min_length=1, max_length=64)
    expiry: IsoDate
    quantity: Decimal = Quantity
    supplier: str = Field("", max_length=200)


class LotOut(Schema):
    id: int
    product_id: int
    product: str
    number: str
    expiry: date
    status: str
    quantity_received: Decimal
    quantity_left: Decimal
    supplier: str
    status_reason: str
    recall_reference: str
    received_at: datetime


class ReasonIn(Schema):
    reason: Reason


class ReleaseIn(Schema):
    reason: Reason | None = None


class RecallIn(Schema):
    reason: Reason
    reference: str = Field("", max_length=200, description="The recall notice's number.")


class WasteIn(Schema):
    quantity: Decimal = Quantity
    reason: Reason


class AdjustIn(Schema):
    quantity: Decimal = Field(
        max_digits=10, decimal_places=2, description="Signed: above zero adds, below takes off."
    )
    reason: Reason


class StockMoveOut(Schema):
    id: int
    lot_id: int
    kind: str
    quantity: Decimal
    quantity_before: Decimal
    quantity_after: Decimal
    reason: str
    by: str
    at: datetime


class RecipientOut(Schema):
    administration_id: int
    patient_id: int
    patient_name: str
    appointment_id: int
    session_date: date = Field(description="In the clinic's time zone.")
    session_start: datetime
    area: str
    volume_ml: Decimal
    practitioner_id: int
    practitioner: str
    entered_in_error: bool = Field(description="Recorded by mistake; listed, flagged.")


class ContactOut(Schema):
    queued: int = Field(description="Patients a message was queued for now.")
    already: int = Field(description="Patients asked before: nothing queued again.")
    unreachable: list[int] = Field(description="Patient ids with no address: call them.")


class BarcodeOut(Schema):
    gtin: str
    product_id: int | None
    lot_id: int | None
    number: str
    expiry: date | None


class LotQuery(Schema):
    number: str | None = Field(None, description="Exactly this lot number (any product).")
    product_id: int | None = None
    status: str | None = None


def _product_out(product: Product, clinic: Clinic) -> ProductOut:
    on_hand = getattr(product, "on_hand", None)
    if on_hand is None:
        today = local_date(clinic, timezone.now())
        product = selectors.stock_levels(clinic, on=today).get(pk=product.pk)
        on_hand = product.on_hand  # type: ignore[attr-defined]
    # SQLite sums decimals without their scale: 0 comes back as "0", not "0.00".
    on_hand = Decimal(on_hand).quantize(CENT)
    return ProductOut(
        id=product.pk,
        name=product.name,
        manufacturer=product.manufacturer,
        ingredients=list(product.ingredients),
        unit=product.unit,
        package_size=product.package_size,
        gtin=product.gtin,
        lot_tracking_required=product.lot_tracking_required,
        refrigerated=product.refrigerated,
        beyond_use_hours=product.beyond_use_hours,
        reorder_level=product.reorder_level,
        active=product.active,
        on_hand=on_hand,
        usable_lots=product.usable_lots,  # type: ignore[attr-defined]
        below_reorder=product.reorder_level is not None and on_hand < product.reorder_level,
    )


def _lot_out(lot: Lot, clinic: Clinic) -> LotOut:
    return LotOut(**_lot_fields(lot, clinic, lot.product.name))


def _lot_fields(lot: Lot, clinic: Clinic, product: str) -> dict[str, Any]:
    """LotOut's fields of `lot`, whose product is named `product`."""
    return {
        "id": lot.pk,
        "product_id": lot.product_id,
        "product": product,
        "number": lot.number,
        "expiry": lot.expiry,
        "status": lot.status,
        "quantity_received": lot.quantity_received,
        "quantity_left": lot.quantity_on_hand,
        "supplier": lot.supplier,
        "status_reason": lot.status_reason,
        "recall_reference": lot.recall_reference,
        "received_at": local(lot.received_at, clinic),
    }


def _move_out(move: StockMove, clinic: Clinic) -> StockMoveOut:
    return StockMoveOut(
        id=move.pk,
        lot_id=move.lot_id,
        kind=move.kind,
        quantity=move.quantity,
        quantity_before=move.quantity_before,
        quantity_after=move.quantity_after,
        reason=move.reason,
        by=move.by.email,
        at=local(move.at, clinic),  # type: ignore[arg-type]
    )


def _manager(membership: Membership) -> None:
    if not selectors.may_manage_stock(membership):
        raise PermissionDenied("Only admins and practitioners change stock.")


# --- products -------------------------------------------------------------------------


@router.get(
    "/clinics/{clinic}/products",
    response=responses(list[ProductOut]),
    summary="Products with their stock on hand",
)
def list_products(request: HttpRequest, clinic: str) -> list[ProductOut]:
    clinic_obj = member(request, clinic).clinic
    today = local_date(clinic_obj, timezone.now())
    return [_product_out(p, clinic_obj) for p in selectors.stock_levels(clinic_obj, on=today)]


@router.post(
    "/clinics/{clinic}/products",
    response=responses(ProductOut, 400, status=201),
    summary="Add a product (admins and practitioners)",
)
def create_product(request: HttpRequest, clinic: str, body: ProductIn) -> Status[ProductOut]:
    membership = member(request, clinic)
    _manager(membership)
    product = services.create_product(
        clinic=membership.clinic,
        by=caller(request),
        **body.dict(),
    )
    return Status(201, _product_out(product, membership.clinic))


@router.get(
    "/clinics/{clinic}/products/{product_id}",
    response=responses(ProductOut),
    summary="Read a product",
)
def read_product(request: HttpRequest, clinic: str, product_id: int) -> ProductOut:
    clinic_obj = member(request, clinic).clinic
    return _product_out(selectors.get_product(clinic_obj, product_id), clinic_obj)


@router.put(
    "/clinics/{clinic}/products/{product_id}",
    response=responses(ProductOut, 400),
    summary="Change a product: every field (admins and practitioners)",
)
def update_product(
    request: HttpRequest, clinic: str, product_id: int, body: ProductUpdateIn
) -> ProductOut:
    membership = member(request, clinic)
    product = selectors.get_product(membership.clinic, product_id)
    _manager(membership)
    updated = services.update_product(
        clinic=membership.clinic,
        product=product,
        by=caller(request),
        **body.dict(),
    )
    return _product_out(updated, membership.clinic)


# --- lots -----------------------------------------------------------------------------


@router.get(
    "/clinics/{clinic}/lots",
    response=responses(list[LotOut]),
    summary="Lots, soonest expiry first (?number= finds a lot number across products)",
)
def list_lots(request: HttpRequest, clinic: str, query: Query[LotQuery]) -> list[LotOut]:
    clinic_obj = member(request, clinic).clinic
    if query.number is not None:
        found = selectors.lots_by_number(clinic_obj, query.number)
    else:
        found = selectors.lots(clinic_obj)
    if query.product_id is not None:
        found = found.filter(product_id=query.product_id)
    if query.status:
        found = found.filter(status=query.status)
    return [_lot_out(lot, clinic_obj) for lot in found[:500]]


@router.post(
    "/clinics/{clinic}/lots",
    response=responses(LotOut, 400, status=201),
    summary="Receive a lot (admins and practitioners)",
)
def receive_lot(request: HttpRequest, clinic: str, body: LotIn) -> Status[LotOut]:
    membership = member(request, clinic)
    product = selectors.get_product(membership.clinic, body.product_id)
    _manager(membership)
    lot = services.receive_lot(
        clinic=membership.clinic,
        product=product,
        by=caller(request),
        number=body.number,
        expiry=body.expiry,
        quantity=body.quantity,
        supplier=body.supplier,
    )
    return Status(201, _lot_out(lot, membership.clinic))


@router.get(
    "/clinics/{clinic}/lots/{lot_id}",
    response=responses(LotOut),
    summary="Read a lot",
)
@token_checked_by_read
@answered_directly
def read_lot(request: HttpRequest, clinic: str, lot_id: int) -> HttpResponse:
    # The caller's token and the row: one statement on PostgreSQL (api.common.read_one).
    membership, row = read_one(request, clinic, selectors.lot_read(lot_id))
    if row is None:
        raise Http404("No such lot.")
    clinic_obj = membership.clinic
    lot, product = selectors.lot_from_row(clinic_obj, row)
    # Rendered as ninja would render LotOut validated (tests/api/test_rendered_answers.py).
    return rendered(request, _lot_fields(lot, clinic_obj, product))


def _lot_change(request: HttpRequest, clinic: str, lot_id: int) -> tuple[Membership, Lot]:
    membership = member(request, clinic)
    lot = selectors.get_lot(membership.clinic, lot_id)
    _manager(membership)
    return membership, lot


@router.post(
    "/clinics/{clinic}/lots/{lot_id}/quarantine",
    response=responses(LotOut, 400),
    summary="Hold a lot back, with a reason (charting refuses it meanwhile)",
)
def quarantine(request: HttpRequest, clinic: str, lot_id: int, body: ReasonIn) -> LotOut:
    membership, lot = _lot_change(request, clinic, lot_id)
    held = services.quarantine(
        clinic=membership.clinic,
        lot=lot,
        by=caller(request),
        reason=body.reason,
    )
    return _lot_out(held, membership.clinic)


@router.post(
    "/clinics/{clinic}/lots/{lot_id}/release",
    response=responses(LotOut, 400),
    summary="End a lot's quarantine",
)
def release(request: HttpRequest, clinic: str, lot_id: int, body: ReleaseIn) -> LotOut:
    membership, lot = _lot_change(request, clinic, lot_id)
    released = services.release(
        clinic=membership.clinic,
        lot=lot,
        by=caller(request),
        reason=body.reason or "",
    )
    return _lot_out(released, membership.clinic)


@router.post(
    "/clinics/{clinic}/lots/{lot_id}/recall",
    response=responses(LotOut, 400),
    summary="Recall a lot, with a reason and the notice's reference (final)",
)
def recall(request: HttpRequest, clinic: str, lot_id: int, body: RecallIn) -> LotOut:
    membership, lot = _lot_change(request, clinic, lot_id)
    recalled = services.recall(
        clinic=membership.clinic,
        lot=lot,
        by=caller(request),
        reason=body.reason,
        reference=body.reference,
    )
    return _lot_out(recalled, membership.clinic)


@router.get(
    "/clinics/{clinic}/lots/{lot_id}/recipients",
    response=responses(list[RecipientOut]),
    summary="Every administration from a lot: who received it (admins and practitioners)",
)
def lot_recipients(request: HttpRequest, clinic: str, lot_id: int) -> list[RecipientOut]:
    """Patient, appointment, session date, area, volume and practitioner of every
    administration from the lot, by session; those entered in error are flagged. Each
    call writes an access event per patient listed."""
    membership = member(request, clinic)
    clinic_obj = membership.clinic
    lot = selectors.get_lot(clinic_obj, lot_id)
    if not selectors.may_see_recipients(membership):
        raise PermissionDenied("Only admins and practitioners see who received a lot.")
    rows = selectors.recipients_for_read(clinic_obj, lot, user=caller(request), request=request)
    out = []
    for row in rows:
        start = local(row.session_start, clinic_obj)
        out.append(
            RecipientOut(
                administration_id=row.administration_id,
                patient_id=row.patient_id,
                patient_name=row.patient_name,
                appointment_id=row.appointment_id,
                session_date=start.date(),  # type: ignore[union-attr]
                session_start=start,  # type: ignore[arg-type]
                area=row.area,
                volume_ml=row.volume_ml,
                practitioner_id=row.practitioner_id,
                practitioner=row.practitioner,
                entered_in_error=row.entered_in_error,
            )
        )
    return out


@router.post(
    "/clinics/{clinic}/lots/{lot_id}/recipients/contact",
    response=responses(ContactOut),
    summary="Ask a recalled lot's patients to contact the clinic (once each)",
)
def contact_recipients(request: HttpRequest, clinic: str, lot_id: int) -> ContactOut:
    """Queues one neutral message per patient ("please contact the clinic about your
    treatment of <date>"; no product, lot or reason in it). Calling it again queues
    nothing for patients already asked."""
    membership, lot = _lot_change(request, clinic, lot_id)
    result = services.ask_recipients_to_contact(
        clinic=membership.clinic,
        lot=lot,
        by=caller(request),
    )
    return ContactOut(queued=result.queued, already=result.already, unreachable=result.unreachable)


# --- stock moves ----------------------------------------------------------------------


@router.get(
    "/clinics/{clinic}/stock-moves",
    response=responses(list[StockMoveOut]),
    summary="Stock moves, newest first (?lot_id= for one lot's)",
)
def list_moves(
    request: HttpRequest, clinic: str, lot_id: int | None = None, limit: int = 200
) -> list[StockMoveOut]:
    clinic_obj = member(request, clinic).clinic
    lot = selectors.get_lot(clinic_obj, lot_id) if lot_id is not None else None
    moves = selectors.stock_moves(clinic_obj, lot=lot)[: max(1, min(limit, 1000))]
    return [_move_out(m, clinic_obj) for m in moves]


@router.post(
    "/clinics/{clinic}/lots/{lot_id}/waste",
    response=responses(StockMoveOut, 400, status=201),
    summary="Waste some of a lot, with a reason",
)
def waste(request: HttpRequest, clinic: str, lot_id: int, body: WasteIn) -> Status[StockMoveOut]:
    membership, lot = _lot_change(request, clinic, lot_id)
    move = services.waste(
        clinic=membership.clinic,
        lot=lot,
        quantity=body.quantity,
        by=caller(request),
        reason=body.reason,
    )
    return Status(201, _move_out(move, membership.clinic))


@router.post(
    "/clinics/{clinic}/lots/{lot_id}/adjust",
    response=responses(StockMoveOut, 400, status=201),
    summary="Correct a lot's quantity after a count, up or down, with a reason",
)
def adjust(request: HttpRequest, clinic: str, lot_id: int, body: AdjustIn) -> Status[StockMoveOut]:
    membership, lot = _lot_change(request, clinic, lot_id)
    move = services.adjust(
        clinic=membership.clinic,
        lot=lot,
        quantity=body.quantity,
        by=caller(request),
        reason=body.reason,
    )
    return Status(201, _move_out(move, membership.clinic))


# --- barcodes -------------------------------------------------------------------------


@router.get(
    "/clinics/{clinic}/barcode",
    response=responses(BarcodeOut),
    summary="What a scanned GS1 DataMatrix string names: product, lot, number, expiry",
)
def read_barcode(request: HttpRequest, clinic: str, text: str) -> BarcodeOut:
    """`text` is the scanned string (FNC1 as the GS character, %1D in a URL) or the
    printed "(01)…(17)…(10)…" line; 422 `unreadable` with the reason otherwise."""
    clinic_obj = member(request, clinic).clinic
    scanned = selectors.from_barcode(clinic_obj, text)
    return BarcodeOut(
        gtin=scanned.gtin,
        product_id=scanned.product.pk if scanned.product else None,
        lot_id=scanned.lot.pk if scanned.lot else None,
        number=scanned.number,
        expiry=scanned.expiry,
    )
