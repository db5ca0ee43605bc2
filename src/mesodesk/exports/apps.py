from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "mesodesk.exports"
    verbose_name = "Feeds and exports"
