"""Every change to products, lots and stock goes through these functions.

Quantities are Decimals in the product's unit (mL). A lot's quantity on hand only changes
together with a StockMove that records it before and after, under a lock on the lot row;
the database's check constraint refuses a negative quantity whatever happens.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.core.gs1 import valid_gtin
from mesodesk.core.library import load_library
from mesodesk.inventory.choices import MOVES_NEEDING_A_REASON, LotStatus, MoveKind, Unit
from mesodesk.inventory.errors import LotRefused
from mesodesk.inventory.models import Lot, OpenedVial, Product, StockMove
from mesodesk.inventory.selectors import recipients, usable_lots
from mesodesk.refusals import refusal as _refusal


def _positive(quantity: Decimal, field: str = "quantity") -> Decimal:
    if not isinstance(quantity, Decimal):
        quantity = Decimal(str(quantity))
    if not quantity.is_finite() or quantity <= 0:
        raise _refusal(field, "Give a quantity above zero.", "not_positive")
    if quantity != quantity.quantize(Decimal("0.01")):
        raise _refusal(field, "Give the quantity to 0.01 at the finest.", "too_precise")
    return quantity


def _not_negative(quantity: Decimal, field: str) -> Decimal:
    if not isinstance(quantity, Decimal):
        quantity = Decimal(str(quantity))
    if not quantity.is_finite() or quantity < 0:
        raise _refusal(field, "Give zero or more.", "negative")
    if quantity != quantity.quantize(Decimal("0.01")):
        raise _refusal(field, "Give the quantity to 0.01 at the finest.", "too_precise")
    return quantity


def local_date(clinic: Clinic, at: datetime) -> date:
    """`at` as a date in the clinic's zone: a lot is usable until the end of its expiry day."""
    return at.astimezone(zoneinfo.ZoneInfo(clinic.time_zone)).date()


def _product_fields(
    clinic: Clinic,
    *,
    name: str,
    manufacturer: str,
    ingredients: list[str] | None,
    unit: str,
    package_size: Decimal | None,
    gtin: str,
    beyond_use_hours: int | None,
    reorder_level: Decimal | None,
    exclude: int | None = None,
) -> dict[str, object]:
    """The cleaned fields of a product, or the refusal naming the first bad one."""
    name = name.strip()
    if not name:
        raise _refusal("name", "Give the product's name.", "required")
    codes = list(dict.fromkeys(ingredients or []))
    known = load_library().ingredients
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise _refusal(
            "ingredients", f"Unknown ingredient codes: {', '.join(unknown)}.", "unknown_ingredient"
        )
    if unit not in Unit.values:
        raise _refusal("unit", f"Unknown unit {unit!r}.", "invalid")
    if package_size is not None:
        package_size = _positive(package_size, "package_size")
    if reorder_level is not None:
        reorder_level = _not_negative(reorder_level, "reorder_level")
    if beyond_use_hours is not None and beyond_use_hours <= 0:
        raise _refusal("beyond_use_hours", "Give at least one hour, or none.", "not_positive")
    gtin = gtin.strip()
    if gtin and not valid_gtin(gtin):
        raise _refusal(
            "gtin", "A GTIN is 8, 12, 13 or 14 digits with a valid check digit.", "invalid_gtin"
        )
    gtin = gtin.zfill(14) if gtin else ""
    others = Product.objects.filter(clinic=clinic)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.filter(name__iexact=name).exists():
        raise _refusal("name", "The clinic has a product of that name.", "duplicate")
    if gtin and others.filter(gtin=gtin).exists():
        raise _refusal("gtin", "Another product of the clinic has this GTIN.", "duplicate")
    return {
        "name": name,
        "manufacturer": manufacturer.strip(),
        "ingredients": codes,
        "unit": unit,
        "package_size": package_size,
        "gtin": gtin,
        "beyond_use_hours": beyond_use_hours,
        "reorder_level": reorder_level,
    }


@transaction.atomic
def create_product(
    *,
    clinic: Clinic,
    by: User,
    name: str,
    manufacturer: str = "",
    ingredients: list[str] | None = None,
    unit: str = Unit.ML,
    package_size: Decimal | None = None,
    gtin: str = "",
    lot_tracking_required: bool = True,
    refrigerated: bool = False,
    beyond_use_hours: int | None = None,
    reorder_level: Decimal | None = None,
) -> Product:
    """A product the clinic stocks; its ingredients must be the library's, its GTIN (kept
    as 14 digits, as GS1 barcodes carry it) valid and the clinic's only one."""
    fields = _product_fields(
        clinic,
        name=name,
        manufacturer=manufacturer,
        ingredients=ingredients,
        unit=unit,
        package_size=package_size,
        gtin=gtin,
        beyond_use_hours=beyond_use_hours,
        reorder_level=reorder_level,
    )
    product = Product(
        clinic=clinic,
        lot_tracking_required=lot_tracking_required,
        refrigerated=refrigerated,
        **fields,
    )
    product.full_clean(validate_constraints=False)
    product._history_user = by  # type: ignore[attr-defined] # read by simple-history
    product.save()
    return product


@transaction.atomic
def update_product(
    *,
    clinic: Clinic,
    product: Product,
    by: User,
    name: str,
    manufacturer: str = "",
    ingredients: list[str] | None = None,
    unit: str = Unit.ML,
    package_size: Decimal | None = None,
    gtin: str = "",
    lot_tracking_required: bool = True,
    refrigerated: bool = False,
    beyond_use_hours: int | None = None,
    reorder_level: Decimal | None = None,
    active: bool = True,
) -> Product:
    """Changes a product (every field is given, as a form sends them); the change is in
    its history with who made it. Lots already received keep their own numbers and dates;
    the unit of a product that has lots cannot change (their quantities count in it)."""
    locked = Product.objects.select_for_update().filter(clinic=clinic, pk=product.pk).first()
    if locked is None:
        raise Product.DoesNotExist("product not found")
    fields = _product_fields(
        clinic,
        name=name,
        manufacturer=manufacturer,
        ingredients=ingredients,
        unit=unit,
        package_size=package_size,
        gtin=gtin,
        beyond_use_hours=beyond_use_hours,
        reorder_level=reorder_level,
        exclude=locked.pk,
    )
    if fields["unit"] != locked.unit and locked.lots.exists():
        raise _refusal("unit", "The product has lots counted in its unit.", "has_lots")
    for key, value in fields.items():
        setattr(locked, key, value)
    locked.lot_tracking_required = lot_tracking_required
    locked.refrigerated = refrigerated
    locked.active = active
    locked.full_clean(validate_constraints=False)
    locked._history_user = by  # type: ignore[attr-defined] # read by simple-history
    locked.save()
    return locked


def _move(lot: Lot, *, kind: MoveKind, quantity: Decimal, by: User, reason: str = "") -> StockMove:
    """Applies a signed quantity to a locked lot and records the move."""
    if kind in MOVES_NEEDING_A_REASON and not reason.strip():
        raise _refusal("reason", "Say why.", "required")
    before = lot.quantity_on_hand
    after = before + quantity
    if after < 0:
        raise LotRefused(
            f"Only {before} {lot.product.get_unit_display()} of lot {lot.number} are left.",
            "not_enough",
        )
    lot.quantity_on_hand = after
    fields = ["quantity_on_hand"]
    if after == 0 and lot.status == LotStatus.AVAILABLE:
        lot.status = LotStatus.DEPLETED
        fields.append("status")
    elif after > 0 and lot.status == LotStatus.DEPLETED:
        lot.status = LotStatus.AVAILABLE
        fields.append("status")
    lot._history_user = by  # type: ignore[attr-defined] # read by simple-history
    lot.save(update_fields=fields)
    return StockMove.objects.create(
        clinic=lot.clinic,
        lot=lot,
        kind=kind,
        quantity=quantity,
        quantity_before=before,
        quantity_after=after,
        reason=reason.strip(),
        by=by,
    )


def _locked_lot(clinic: Clinic, lot: Lot) -> Lot:
    locked = (
        Lot.objects.select_for_update()
        .select_related("product", "clinic")
        .filter(clinic=clinic, pk=lot.pk)
        .first()
    )
    if locked is None:
        raise Lot.DoesNotExist("lot not found")
    return locked


@transaction.atomic
def receive_lot(
    *,
    clinic: Clinic,
    product: Product,
    by: User,
    number: str,
    expiry: date,
    quantity: Decimal,
    supplier: str = "",
) -> Lot:
    """A delivery of a new lot, with its `received` stock move."""
    if product.clinic_id != clinic.pk:
        raise Product.DoesNotExist("product not found")
    number = number.strip()
    if not number:
        raise _refusal("number", "Give the lot number printed on the package.", "required")
    quantity = _positive(quantity)
    if Lot.objects.filter(clinic=clinic, product=product, number=number).exists():
        raise _refusal("number", f"Lot {number} of {product} is already in stock.", "duplicate")
    lot = Lot(
        clinic=clinic,
        product=product,
        number=number,
        expiry=expiry,
        quantity_received=quantity,
        quantity_on_hand=Decimal(0),
        supplier=supplier.strip(),
        received_by=by,
    )
    lot._history_user = by  # type: ignore[attr-defined] # read by simple-history
    lot.save()
    _move(lot, kind=MoveKind.RECEIVED, quantity=quantity, by=by)
    return lot


@dataclass(frozen=True)
class Use:
    """What one administration took from stock."""

    move: StockMove
    vial: OpenedVial | None


def _used_from(vial: OpenedVial) -> Decimal:
    used = vial.administrations.filter(entered_in_error_at__isnull=True).aggregate(
        total=Sum("volume_ml")
    )["total"]
    return used or Decimal(0)


def _current_vial(lot: Lot, *, by: User, at: datetime, quantity: Decimal) -> OpenedVial | None:
    """The opened vial this use draws from, opening a new one when none is open or the open
    one is used up; refuses an open vial past its beyond-use time (it must be discarded)."""
    product = lot.product
    if product.beyond_use_hours is None and product.package_size is None:
        return None
    vial = lot.opened_vials.filter(discarded_at__isnull=True).order_by("-opened_at", "-id").first()
    if vial is not None and vial.beyond_use_at is not None and at >= vial.beyond_use_at:
        raise LotRefused(
            f"The opened vial of lot {lot.number} was usable until "
            f"{vial.beyond_use_at:%Y-%m-%d %H:%M} UTC: discard it and open a new one.",
            "beyond_use",
        )
    if vial is not None and (
        product.package_size is None or _used_from(vial) + quantity <= product.package_size
    ):
        return vial
    hours = product.beyond_use_hours
    return OpenedVial.objects.create(
        clinic=lot.clinic,
        lot=lot,
        opened_at=at,
        opened_by=by,
        beyond_use_at=at + timedelta(hours=hours) if hours is not None else None,
    )


@transaction.atomic
def use_in_session(
    *, clinic: Clinic, lot: Lot, quantity: Decimal, by: User, at: datetime | None = None
) -> Use:
    """Takes `quantity` of a lot for an administration, or refuses with the reason and the
    lots that may be used instead (LotRefused): a lot that is expired on the clinic's date,
    recalled, quarantined or depleted, an opened vial past its beyond-use time, or more than
    is left. Two uses of the last millilitre at once: the second waits for the lock and is
    refused (and the database would refuse a negative quantity regardless)."""
    quantity = _positive(quantity)
    at = at or timezone.now()
    locked = _locked_lot(clinic, lot)
    today = local_date(clinic, at)

    def refuse(message: str, code: str) -> LotRefused:
        others = usable_lots(clinic, locked.product, on=today).exclude(pk=locked.pk)
        return LotRefused(message, code, list(others))

    if locked.status == LotStatus.RECALLED:
        raise refuse(f"Lot {locked.number} has been recalled.", "recalled")
    if locked.status == LotStatus.QUARANTINED:
        raise refuse(f"Lot {locked.number} is in quarantine.", "quarantined")
    if locked.expiry < today or locked.status == LotStatus.EXPIRED:
        raise refuse(f"Lot {locked.number} expired on {locked.expiry:%Y-%m-%d}.", "expired")
    if locked.quantity_on_hand < quantity:
        unit = locked.product.get_unit_display()
        raise refuse(
            f"Only {locked.quantity_on_hand} {unit} of lot {locked.number} are left.",
            "not_enough",
        )
    try:
        vial = _current_vial(locked, by=by, at=at, quantity=quantity)
    except LotRefused as refused:
        raise refuse(refused.messages[0], refused.code or "refused") from None
    move = _move(locked, kind=MoveKind.USED, quantity=-quantity, by=by)
    return Use(move=move, vial=vial)


@transaction.atomic
def return_to_stock(
    *, clinic: Clinic, lot: Lot, quantity: Decimal, by: User, reason: str
) -> StockMove:
    """Puts back what was taken and not given (an administration entered in error before
    the product was drawn up), with a reason."""
    quantity = _positive(quantity)
    if not reason.strip():
        raise _refusal("reason", "Say why it goes back into stock.", "required")
    locked = _locked_lot(clinic, lot)
    return _move(locked, kind=MoveKind.RETURNED, quantity=quantity, by=by, reason=reason)


@transaction.atomic
def discard_vial(*, clinic: Clinic, vial: OpenedVial, by: User, reason: str) -> StockMove | None:
    """Throws away an opened vial (past its beyond-use time, contaminated): what was left
    in it is recorded as wasted, when the product says how much a vial holds."""
    if vial.clinic_id != clinic.pk:
        raise OpenedVial.DoesNotExist("vial not found")
    if not reason.strip():
        raise _refusal("reason", "Say why the vial is discarded.", "required")
    locked = _locked_lot(clinic, vial.lot)
    vial = OpenedVial.objects.select_for_update().get(pk=vial.pk)
    if vial.discarded_at is not None:
        raise _refusal("vial", "The vial was discarded already.", "discarded")
    vial.discarded_at = timezone.now()
    vial.save(update_fields=["discarded_at"])
    size = locked.product.package_size
    if size is None:
        return None
    left = min(max(size - _used_from(vial), Decimal(0)), locked.quantity_on_hand)
    if left == 0:
        return None
    return _move(locked, kind=MoveKind.WASTED, quantity=-left, by=by, reason=reason)


@transaction.atomic
def waste(*, clinic: Clinic, lot: Lot, quantity: Decimal, by: User, reason: str) -> StockMove:
    """Takes product off the shelf that will never be given (dropped, spoiled, past its
    date), with a reason; refused beyond what is left."""
    quantity = _positive(quantity)
    locked = _locked_lot(clinic, lot)
    return _move(locked, kind=MoveKind.WASTED, quantity=-quantity, by=by, reason=reason)


@transaction.atomic
def adjust(*, clinic: Clinic, lot: Lot, quantity: Decimal, by: User, reason: str) -> StockMove:
    """Corrects the quantity on hand after a count, up (a positive `quantity`) or down (a
    negative one), with a reason; never below zero."""
    if not isinstance(quantity, Decimal):
        quantity = Decimal(str(quantity))
    if not quantity.is_finite() or quantity == 0:
        raise _refusal("quantity", "Give the change: above zero adds, below takes off.", "zero")
    _positive(abs(quantity))
    locked = _locked_lot(clinic, lot)
    return _move(locked, kind=MoveKind.ADJUSTED, quantity=quantity, by=by, reason=reason)


def _set_status(lot: Lot, status: LotStatus, *, by: User | None, event: str) -> None:
    """Saves a new status; the history row names who and, in its change reason, why."""
    lot.status = status
    lot._history_user = by  # type: ignore[attr-defined] # read by simple-history
    # simple-history keeps up to 100 characters of the reason.
    lot._change_reason = event[:100]  # type: ignore[attr-defined]
    lot.save(update_fields=["status", "status_reason", "recall_reference"])


@transaction.atomic
def quarantine(*, clinic: Clinic, lot: Lot, by: User, reason: str) -> Lot:
    """Holds a lot back (a temperature excursion, a suspicion) until it is released or
    recalled: charting refuses it meanwhile. A recalled lot stays recalled."""
    reason = reason.strip()
    if not reason:
        raise _refusal("reason", "Say why the lot is held back.", "required")
    locked = _locked_lot(clinic, lot)
    if locked.status == LotStatus.RECALLED:
        raise _refusal("lot", f"Lot {locked.number} has been recalled already.", "recalled")
    if locked.status == LotStatus.QUARANTINED:
        raise _refusal("lot", f"Lot {locked.number} is in quarantine already.", "quarantined")
    locked.status_reason = reason
    _set_status(locked, LotStatus.QUARANTINED, by=by, event=f"Quarantined: {reason}")
    return locked


@transaction.atomic
def release(*, clinic: Clinic, lot: Lot, by: User, reason: str = "") -> Lot:
    """Ends a quarantine: the lot is available again (depleted if nothing is left, expired
    if its date passed meanwhile)."""
    locked = _locked_lot(clinic, lot)
    if locked.status != LotStatus.QUARANTINED:
        raise _refusal("lot", f"Lot {locked.number} is not in quarantine.", "not_quarantined")
    today = local_date(clinic, timezone.now())
    if locked.expiry < today:
        status = LotStatus.EXPIRED
    elif locked.quantity_on_hand == 0:
        status = LotStatus.DEPLETED
    else:
        status = LotStatus.AVAILABLE
    locked.status_reason = reason.strip()
    _set_status(locked, status, by=by, event=f"Released: {reason.strip() or 'no reason given'}")
    return locked


@transaction.atomic
def recall(*, clinic: Clinic, lot: Lot, by: User, reason: str, reference: str = "") -> Lot:
    """Marks a lot recalled (by the manufacturer or the authority: `reference` is their
    notice's number): charting refuses it from now on, and what is left goes off the shelf
    as a `recalled` stock move. Final: a recalled lot is never released."""
    reason = reason.strip()
    if not reason:
        raise _refusal("reason", "Say why the lot is recalled.", "required")
    locked = _locked_lot(clinic, lot)
    if locked.status == LotStatus.RECALLED:
        raise _refusal("lot", f"Lot {locked.number} has been recalled already.", "recalled")
    locked.status_reason = reason
    locked.recall_reference = reference.strip()
    suffix = f" ({locked.recall_reference})" if locked.recall_reference else ""
    _set_status(locked, LotStatus.RECALLED, by=by, event=f"Recalled{suffix}: {reason}")
    if locked.quantity_on_hand > 0:
        _move(
            locked,
            kind=MoveKind.RECALLED,
            quantity=-locked.quantity_on_hand,
            by=by,
            reason=f"Recall{suffix}: {reason}",
        )
    return locked


@transaction.atomic
def mark_expired(*, clinic: Clinic, by: User | None = None, at: datetime | None = None) -> int:
    """Marks the clinic's available and depleted lots whose expiry day has passed (in the
    clinic's zone) `expired`, each with a history row; returns how many. The charting gate
    checks the date itself, so a lot is refused on the day after its expiry even before
    this runs: the status is for the stock pages and the list of lots."""
    today = local_date(clinic, at or timezone.now())
    stale = Lot.objects.select_for_update().filter(
        clinic=clinic,
        status__in=(LotStatus.AVAILABLE, LotStatus.DEPLETED),
        expiry__lt=today,
    )
    count = 0
    for lot in stale:
        _set_status(lot, LotStatus.EXPIRED, by=by, event=f"Expired on {lot.expiry:%Y-%m-%d}")
        count += 1
    return count


@dataclass(frozen=True)
class RecallMessages:
    """What asking a recalled lot's patients to contact the clinic did."""

    queued: int  # patients for whom a message was queued now
    already: int  # patients asked before (nothing queued again)
    unreachable: list[int]  # patients with no e-mail or phone to send to: call them


@transaction.atomic
def ask_recipients_to_contact(
    *, clinic: Clinic, lot: Lot, by: User, now: datetime | None = None
) -> RecallMessages:
    """One neutral message per patient who received the lot ("please contact the clinic
    about your treatment of <date>", the date of their latest session with it; nothing
    about the product, the lot or why), through the outbox. Idempotent: a patient asked
    once is not asked again. Administrations entered in error do not count."""
    # Imported here: messaging sits beside this app, and only this call crosses over.
    from mesodesk.messaging.services import request_contact
    from mesodesk.scheduling.models import Appointment

    locked = _locked_lot(clinic, lot)
    if locked.status != LotStatus.RECALLED:
        raise _refusal("lot", f"Lot {locked.number} has not been recalled.", "not_recalled")
    latest: dict[int, int] = {}
    for row in recipients(clinic, locked):  # by session start: the last one wins
        if not row.entered_in_error:
            latest[row.patient_id] = row.appointment_id
    appointments = Appointment.objects.filter(clinic=clinic, pk__in=latest.values())
    by_id = {a.pk: a for a in appointments.select_related("patient")}
    queued, already, unreachable = 0, 0, []
    for patient_id, appointment_id in latest.items():
        appointment = by_id[appointment_id]
        count = request_contact(
            clinic=clinic,
            patient=appointment.patient,
            appointment=appointment,
            topic=f"lot-{locked.pk}",
            now=now,
        )
        if count is None:
            unreachable.append(patient_id)
        elif count:
            queued += 1
        else:
            already += 1
    return RecallMessages(queued=queued, already=already, unreachable=unreachable)
