from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "mesodesk.workspace"
    verbose_name = "Staff workspace"
