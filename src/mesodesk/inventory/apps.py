from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mesodesk.inventory"
    verbose_name = "Inventory"
