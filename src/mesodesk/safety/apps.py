from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "mesodesk.safety"
    verbose_name = "Safety"
