from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "mesodesk.consents"
    verbose_name = "Consents"
