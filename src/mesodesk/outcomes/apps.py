from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "mesodesk.outcomes"
    verbose_name = "Outcome scores"
