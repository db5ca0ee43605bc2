from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "mesodesk.fhir"
    verbose_name = "FHIR"

    def ready(self) -> None:
        # Each module that defines resource types registers them when imported.
        from mesodesk.fhir import types  # noqa: F401

        # The Bulk Data export's slice of every worker pass (messaging.background).
        from mesodesk.fhir.bulk import worker  # noqa: F401
