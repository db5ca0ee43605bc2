"""Products a clinic injects, the lots it holds of each, opened vials and every stock move.

A lot's `quantity_on_hand` never goes below zero: a check constraint refuses it whatever
writes the table, so two practitioners charting the last millilitre at once cannot both
take it (the second write fails and the service says there is not enough left).
"""

from __future__ import annotations

from typing import TypedDict

from django.conf import settings
from django.db import models
from django.db.models.functions import Round
from django.utils import timezone

from mesodesk.clinics.models import Clinic
from mesodesk.history import HistoricalRecords
from mesodesk.inventory.choices import LotStatus, MoveKind, Unit


# Quantities in the product's unit (mL): two decimals hold 0.01 mL, finer than any syringe.
class _Places(TypedDict):
    max_digits: int
    decimal_places: int


# Quantities in the product's unit, to the hundredth (mL, mg, units).
QUANTITY: _Places = {"max_digits": 10, "decimal_places": 2}


class Product(models.Model):
    """Something a clinic injects or applies: a cocktail, a single-ingredient vial, a cream."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="products", db_index=False
    )
    name = models.CharField(max_length=200)
    manufacturer = models.CharField(max_length=200, blank=True)
    ingredients = models.JSONField(
        default=list, blank=True, help_text="Ingredient codes of the protocol library."
    )
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.ML)
    package_size = models.DecimalField(
        **QUANTITY, null=True, blank=True, help_text="How much one vial or package holds."
    )
    gtin = models.CharField(
        max_length=14, blank=True, help_text="The GS1 trade item number on the package."
    )
    lot_tracking_required = models.BooleanField(
        default=True, help_text="Every administration names its lot (always, for injectables)."
    )
    refrigerated = models.BooleanField(default=False)
    beyond_use_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="How long an opened vial may be used, in hours."
    )
    reorder_level = models.DecimalField(
        **QUANTITY, null=True, blank=True, help_text="Warn when stock on hand falls below this."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("clinic", "name"), name="inventory_product_unique_name"
            ),
            models.UniqueConstraint(
                fields=("clinic", "gtin"),
                condition=~models.Q(gtin=""),
                name="inventory_product_unique_gtin",
            ),
            models.CheckConstraint(
                condition=models.Q(unit__in=Unit.values), name="inventory_product_unit_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    """One manufacturer's lot of a product as the clinic received it."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="lots", db_index=False
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="lots", db_index=False
    )
    number = models.CharField(max_length=64)
    expiry = models.DateField(help_text="Usable until the end of this day.")
    quantity_received = models.DecimalField(**QUANTITY)
    quantity_on_hand = models.DecimalField(**QUANTITY)
    supplier = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=LotStatus.choices, default=LotStatus.AVAILABLE)
    status_reason = models.TextField(blank=True)
    recall_reference = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ("expiry", "id")
        indexes = [
            models.Index(fields=("clinic", "number"), name="inventory_lot_by_number"),
            models.Index(fields=("clinic", "product", "expiry"), name="inventory_lot_by_product"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=("clinic", "product", "number"), name="inventory_lot_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_on_hand__gte=0), name="inventory_lot_never_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_received__gt=0),
                name="inventory_lot_received_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=LotStatus.values), name="inventory_lot_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} lot {self.number}"


class OpenedVial(models.Model):
    """A vial of a lot once opened: usable until its beyond-use time."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="opened_vials", db_index=False
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="opened_vials")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    beyond_use_at = models.DateTimeField(
        null=True, blank=True, help_text="None when the product sets no beyond-use time."
    )
    discarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-opened_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(beyond_use_at__isnull=True)
                | models.Q(beyond_use_at__gt=models.F("opened_at")),
                name="inventory_vial_beyond_use_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} opened {self.opened_at:%Y-%m-%d %H:%M}"


class StockMove(models.Model):
    """One change of a lot's quantity on hand, with the quantity before and after; never edited."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="stock_moves", db_index=False
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="moves", db_index=False)
    kind = models.CharField(max_length=20, choices=MoveKind.choices)
    quantity = models.DecimalField(**QUANTITY, help_text="Signed: received is positive.")
    quantity_before = models.DecimalField(**QUANTITY)
    quantity_after = models.DecimalField(**QUANTITY)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=("clinic", "lot", "at"), name="inventory_move_by_lot"),
            models.Index(fields=("clinic", "at"), name="inventory_move_by_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=MoveKind.values), name="inventory_move_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_after__gte=0), name="inventory_move_never_negative"
            ),
            # Rounded to the field's two places: SQLite keeps decimals as floats, where
            # 0.30 - 0.10 is 0.19999999999999998, not the 0.20 stored (PostgreSQL's numeric
            # is exact, and rounding it changes nothing).
            models.CheckConstraint(
                condition=models.Q(
                    quantity_after=Round(
                        models.F("quantity_before") + models.F("quantity"), precision=2
                    )
                ),
                name="inventory_move_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} of {self.lot}"
