from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mesodesk.api"
    verbose_name = "API"
