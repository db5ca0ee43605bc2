"""Stock: levels, products, lots, receiving and recalls."""

# Every path starts with "<slug:clinic_slug>/": the keyword accounts.access.staff_view
# takes, and the one workspace/base.html reverses with (clinic_slug=clinic.slug).

from django.urls import URLPattern, path

from mesodesk.workspace.views_inventory import lots, recall, stock

STOCK = "<slug:clinic_slug>/stock/"
LOT = STOCK + "lots/<int:lot_id>/"

urlpatterns: list[URLPattern] = [
    path(STOCK, stock.stock, name="stock"),
    path(STOCK + "products/", stock.products, name="stock_products"),
    path(STOCK + "products/new/", stock.product_new, name="stock_product_new"),
    path(STOCK + "products/<int:product_id>/", stock.product, name="stock_product"),
    path(STOCK + "receive/", lots.receive, name="stock_receive"),
    path(LOT, lots.lot, name="stock_lot"),
    path(LOT + "recall/", recall.recall, name="stock_recall"),
    path(LOT + "recall.csv", recall.recall_csv, name="stock_recall_csv"),
]
