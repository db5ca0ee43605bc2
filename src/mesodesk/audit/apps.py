from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mesodesk.audit"
    verbose_name = "Audit"
