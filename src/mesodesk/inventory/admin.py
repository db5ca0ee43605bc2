"""Stock in the admin is for looking: products, lots and moves change only through the
services (which lock, check and record each move); products and lots show their history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from mesodesk.admin_mixins import ViewOnlyAdmin
from mesodesk.inventory.models import Lot, OpenedVial, Product, StockMove


@admin.register(Product)
class ProductAdmin(ViewOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("name", "manufacturer", "gtin", "clinic", "reorder_level", "active")
    list_filter = ("clinic", "active", "refrigerated")
    search_fields = ("name", "manufacturer", "gtin")
    list_select_related = ("clinic",)


@admin.register(Lot)
class LotAdmin(ViewOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("number", "product", "expiry", "quantity_on_hand", "status", "clinic")
    list_filter = ("clinic", "status")
    search_fields = ("number", "product__name", "recall_reference")
    list_select_related = ("clinic", "product")


@admin.register(OpenedVial)
class OpenedVialAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    list_display = ("lot", "opened_at", "beyond_use_at", "discarded_at", "clinic")
    list_filter = ("clinic",)
    list_select_related = ("clinic", "lot", "lot__product")


@admin.register(StockMove)
class StockMoveAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    list_display = ("at", "lot", "kind", "quantity", "quantity_before", "quantity_after", "by")
    list_filter = ("clinic", "kind")
    search_fields = ("lot__number", "reason")
    list_select_related = ("clinic", "lot", "lot__product", "by")
