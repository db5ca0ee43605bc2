"""Reads of products, lots and stock; always within one clinic.

Who may read what is decided by the caller (the workspace's views and the API) with
`may_manage_stock` and `may_see_recipients` below: every member sees stock levels; only
admins and practitioners see which patients received a lot, and each such read is
recorded (`recipients_for_read`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from mesodesk import rows
from mesodesk.accounts.models import User
from mesodesk.audit.choices import AccessAction
from mesodesk.audit.models import AccessEvent
from mesodesk.audit.selectors import client_ip
from mesodesk.audit.services import RowRead, record_access
from mesodesk.clinics.choices import Role
from mesodesk.clinics.models import Clinic, Membership
from mesodesk.core.gs1 import UnreadableBarcode, read_scan
from mesodesk.inventory.choices import LotStatus
from mesodesk.inventory.models import Lot, Product, StockMove
from mesodesk.patients.models import listed_name

EXPIRING_WITHIN = timedelta(days=30)
_ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=10, decimal_places=2))


def may_manage_stock(membership: Membership) -> bool:
    """Admins and practitioners receive, waste, adjust, quarantine, release and recall
    lots and edit products; front desk only looks at the stock pages."""
    return membership.role in (Role.ADMIN, Role.PRACTITIONER)


def may_see_recipients(membership: Membership) -> bool:
    """Which patients received a lot is clinical data: admins and practitioners only."""
    return membership.role in (Role.ADMIN, Role.PRACTITIONER)


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


def _usable(on: date, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status": LotStatus.AVAILABLE,
            f"{prefix}expiry__gte": on,
            f"{prefix}quantity_on_hand__gt": 0,
        }
    )


def products(clinic: Clinic, *, include_inactive: bool = True) -> QuerySet[Product]:
    """The clinic's products by name."""
    qs = Product.objects.filter(clinic=clinic)
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs.order_by("name", "id")


def stock_levels(clinic: Clinic, *, on: date) -> QuerySet[Product]:
    """The clinic's products, each with `on_hand` (what may be charted on `on`: usable lots'
    quantity), `usable_lots` (how many), `held` (quantity in quarantine) and `below_reorder`.
    One query."""
    usable = _usable(on, "lots__")
    return (
        products(clinic)
        .annotate(
            on_hand=Coalesce(Sum("lots__quantity_on_hand", filter=usable), _ZERO),
            usable_lots=Count("lots", filter=usable),
            held=Coalesce(
                Sum("lots__quantity_on_hand", filter=Q(lots__status=LotStatus.QUARANTINED)),
                _ZERO,
            ),
        )
        .order_by("name", "id")
    )


def products_holding(
    clinic: Clinic, ingredients: list[str], *, on: date
) -> dict[str, list[Product]]:
    """For each ingredient code, the clinic's active products that hold it, with their
    usable stock (`on_hand`, `usable_lots` as in `stock_levels`); an ingredient no product
    holds maps to an empty list. One query (a clinic has tens of products)."""
    held: dict[str, list[Product]] = {code: [] for code in ingredients}
    for product in stock_levels(clinic, on=on).filter(active=True):
        for code in product.ingredients:
            if code in held:
                held[code].append(product)
    return held


def below_reorder(clinic: Clinic, *, on: date) -> list[Product]:
    """Active products whose usable stock is below their reorder level."""
    return [
        p
        for p in stock_levels(clinic, on=on).filter(active=True, reorder_level__isnull=False)
        if p.on_hand < p.reorder_level  # type: ignore[attr-defined]  # annotated by stock_levels
    ]


def expiring_lots(
    clinic: Clinic, *, on: date, within: timedelta = EXPIRING_WITHIN
) -> QuerySet[Lot]:
    """Available lots with stock left whose expiry is within `within` of `on`, or already
    past (still on the shelf until wasted): soonest first."""
    return (
        Lot.objects.filter(
            clinic=clinic,
            status__in=(LotStatus.AVAILABLE, LotStatus.EXPIRED),
            quantity_on_hand__gt=0,
            expiry__lte=on + within,
        )
        .select_related("product")
        .order_by("expiry", "id")
    )


def lots_of_product(clinic: Clinic, product: Product) -> QuerySet[Lot]:
    """Every lot of the product, soonest expiry first."""
    return Lot.objects.filter(clinic=clinic, product=product).order_by("expiry", "id")


def lots(clinic: Clinic, *, status: str | None = None) -> QuerySet[Lot]:
    """The clinic's lots, soonest expiry first, optionally of one status."""
    qs = Lot.objects.filter(clinic=clinic).select_related("product")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("expiry", "id")


def lots_by_number(clinic: Clinic, number: str) -> QuerySet[Lot]:
    """The clinic's lots with exactly this number (of any product: manufacturers' numbers
    may repeat), soonest expiry first; the index (clinic, number) answers it."""
    return (
        Lot.objects.filter(clinic=clinic, number=number.strip())
        .select_related("product")
        .order_by("expiry", "id")
    )


def get_product(clinic: Clinic, product_id: int) -> Product:
    """The clinic's product with this id; Http404 otherwise."""
    return get_object_or_404(Product, clinic=clinic, pk=product_id)


def get_lot(clinic: Clinic, lot_id: int) -> Lot:
    """The clinic's lot with this id, with its product; Http404 otherwise."""
    return get_object_or_404(Lot.objects.select_related("product"), clinic=clinic, pk=lot_id)


def lot_read(lot_id: int) -> RowRead:
    """The read of the lot with this id and its product's name (`lot_from_row` makes them
    of the row), for api.common.read_one, which reads it only of the caller's clinic: one
    statement with the caller's token on PostgreSQL. A lot is no patient's data: no access
    event (who received it is: `recipients_for_read`)."""
    # Made for the connection read_one reads on: where access events are written.
    db = router.db_for_write(AccessEvent)
    return RowRead(Lot, _lot_sql(db), [lot_id], patient_column=None)


def lot_from_row(clinic: Clinic, row: Sequence[Any]) -> tuple[Lot, str]:
    """The lot of a row of `lot_read` (a row of `clinic`) and its product's name."""
    db = router.db_for_write(AccessEvent)
    shape = rows.shape(Lot, db)
    lot: Lot = shape.load(row, 0, db)
    rows.attach(lot, "clinic", clinic)
    return lot, row[shape.width]


@cache
def _lot_sql(db: str) -> str:
    lot, product = rows.table(Lot, db), rows.table(Product, db)
    return (
        f"SELECT {rows.columns(Lot, 'l', db)}, p.name FROM {lot} l"  # noqa: S608 - names from the models, values as parameters
        f" JOIN {product} p ON p.id = l.product_id WHERE l.id = %s"
    )


def lot_moves(clinic: Clinic, lot: Lot) -> QuerySet[StockMove]:
    """The lot's stock moves, newest first, with who made each."""
    return (
        StockMove.objects.filter(clinic=clinic, lot=lot).select_related("by").order_by("-at", "-id")
    )


def stock_moves(clinic: Clinic, *, lot: Lot | None = None) -> QuerySet[StockMove]:
    """The clinic's stock moves, newest first (of one lot, if given)."""
    qs = StockMove.objects.filter(clinic=clinic).select_related("lot", "lot__product", "by")
    if lot is not None:
        qs = qs.filter(lot=lot)
    return qs.order_by("-at", "-id")


# --- barcodes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scanned:
    """What a scanned barcode names in this clinic: the product (by GTIN), the lot if the
    clinic holds it, and the number and expiry printed in the code."""

    gtin: str
    product: Product | None
    lot: Lot | None
    number: str
    expiry: date | None


def from_barcode(clinic: Clinic, text: str) -> Scanned:
    """The clinic's product and lot a scanned GS1 DataMatrix string (or its printed
    "(01)…(17)…(10)…" line) names. ValidationError on `barcode` with a plain reason for a
    string that is no GS1 barcode or has no valid GTIN; a GTIN the clinic has no product
    for comes back with `product=None` (so the form can say to add the product first)."""
    try:
        scan = read_scan(text)
    except UnreadableBarcode as error:
        raise ValidationError({"barcode": ValidationError(str(error), code="unreadable")}) from None
    product = Product.objects.filter(clinic=clinic, gtin=scan.gtin).first()
    lot = None
    if product is not None and scan.lot_number:
        lot = Lot.objects.filter(clinic=clinic, product=product, number=scan.lot_number).first()
    return Scanned(
        gtin=scan.gtin, product=product, lot=lot, number=scan.lot_number, expiry=scan.expiry
    )


# --- who received a lot ----------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """One administration from a lot, as a recall needs it."""

    administration_id: int
    patient_id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    appointment_id: int
    session_start: datetime
    area: str
    volume_ml: Decimal
    practitioner_id: int
    practitioner: str
    entered_in_error: bool
    erased: bool = False

    @property
    def patient_name(self) -> str:
        """As lists name the patient: a pseudonym once their erasure was granted (the
        chart, which the id opens, keeps the name)."""
        return listed_name(
            self.patient_id, self.first_name, self.last_name, True if self.erased else None
        )


_RECIPIENT_FIELDS = (
    "pk",
    "record__patient_id",
    "record__patient__first_name",
    "record__patient__last_name",
    "record__patient__email",
    "record__patient__phone",
    "record__appointment_id",
    "record__appointment__start",
    "area",
    "volume_ml",
    "record__practitioner_id",
    "record__practitioner__first_name",
    "record__practitioner__last_name",
    "record__practitioner__email",
    "entered_in_error_at",
    "record__patient__erased_at",
)


def recipients(clinic: Clinic, lot: Lot) -> list[Recipient]:
    """Every administration from `lot`: patient, appointment, session start, area, volume
    and practitioner, by session and patient. Administrations entered in error are kept,
    flagged (`entered_in_error`): the product may still have been drawn up. One statement,
    served by the index charting_admin_by_lot (clinic, lot), whatever the table's size."""
    # Imported here: charting's models import this app's, not the other way round.
    from mesodesk.charting.models import Administration

    rows = (
        Administration.objects.filter(clinic=clinic, lot=lot)
        .order_by("record__appointment__start", "record__patient_id", "pk")
        .values_list(*_RECIPIENT_FIELDS)
    )
    out = []
    for (
        pk,
        patient_id,
        first,
        last,
        email,
        phone,
        appointment_id,
        start,
        area,
        volume,
        practitioner_id,
        p_first,
        p_last,
        p_email,
        error_at,
        erased_at,
    ) in rows:
        out.append(
            Recipient(
                administration_id=pk,
                patient_id=patient_id,
                first_name=first,
                last_name=last,
                email=email,
                phone=phone,
                appointment_id=appointment_id,
                session_start=start,
                area=area,
                volume_ml=volume,
                practitioner_id=practitioner_id,
                practitioner=f"{p_first} {p_last}".strip() or p_email,
                entered_in_error=error_at is not None,
                erased=erased_at is not None,
            )
        )
    return out


def recipients_for_read(
    clinic: Clinic,
    lot: Lot,
    *,
    user: User | None,
    request: HttpRequest | None = None,
    action: str = AccessAction.READ,
) -> list[Recipient]:
    """`recipients`, and an access event per patient listed (who read it, or exported it,
    from where), so each patient's access log shows the recall's reads."""
    found = recipients(clinic, lot)
    seen: set[int] = set()
    from mesodesk.patients.models import Patient

    for row in found:
        if row.patient_id in seen:
            continue
        seen.add(row.patient_id)
        record_access(
            clinic=clinic,
            user=user,
            action=action,
            obj=lot,
            patient=Patient(pk=row.patient_id, clinic_id=clinic.pk),
            ip=client_ip(request) if request is not None else None,
            path=request.get_full_path() if request is not None else "",
        )
    return found
