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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic
from mesodesk.core.library import load_library
from mesodesk.inventory.choices import MOVES_NEEDING_A_REASON, LotStatus, MoveKind, Unit
from mesodesk.inventory.errors import LotRefused
from mesodesk.inventory.models import Lot, OpenedVial, Product, StockMove
from mesodesk.inventory.selectors import usable_lots


def _refusal(field: str, message: str, code: str) -> ValidationError:
    # Built this way so the code survives: Django drops `code=` given with a dict.
    return ValidationError({field: ValidationError(message, code=code)})


def _positive(quantity: Decimal, field: str = "quantity") -> Decimal:
    if not isinstance(quantity, Decimal):
        quantity = Decimal(str(quantity))
    if not quantity.is_finite() or quantity <= 0:
        raise _refusal(field, "Give a quantity above zero.", "not_positive")
    if quantity != quantity.quantize(Decimal("0.01")):
        raise _refusal(field, "Give the quantity to 0.01 at the finest.", "too_precise")
    return quantity


def local_date(clinic: Clinic, at: datetime) -> date:
    """`at` as a date in the clinic's zone: a lot is usable until the end of its expiry day."""
    return at.astimezone(zoneinfo.ZoneInfo(clinic.time_zone)).date()


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
    """A product the clinic stocks; its ingredients must be the library's."""
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
    if package_size is not None:
        package_size = _positive(package_size, "package_size")
    if Product.objects.filter(clinic=clinic, name__iexact=name).exists():
        raise _refusal("name", "The clinic has a product of that name.", "duplicate")
    product = Product(
        clinic=clinic,
        name=name,
        manufacturer=manufacturer.strip(),
        ingredients=codes,
        unit=unit,
        package_size=package_size,
        gtin=gtin.strip(),
        lot_tracking_required=lot_tracking_required,
        refrigerated=refrigerated,
        beyond_use_hours=beyond_use_hours,
        reorder_level=reorder_level,
    )
    product.full_clean(validate_constraints=False)
    product._history_user = by  # type: ignore[attr-defined] # read by simple-history
    product.save()
    return product


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
        raise refuse(refused.messages[0], refused.code) from None
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
