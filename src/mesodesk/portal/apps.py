from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "mesodesk.portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from mesodesk.portal import copies, receivers  # noqa: F401 - the worker's task, receivers
