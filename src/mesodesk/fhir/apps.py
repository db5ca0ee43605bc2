from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "mesodesk.fhir"
    verbose_name = "FHIR"

    def ready(self) -> None:
        # Each module that defines resource types registers them when imported.
        from mesodesk.fhir import types  # noqa: F401
