from django.apps import AppConfig


class ChartingConfig(AppConfig):
    name = "mesodesk.charting"
    verbose_name = "Charting"
