from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "mesodesk.scheduling"
    verbose_name = "Scheduling"
