from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "mesodesk.planning"
    verbose_name = "Planning"
