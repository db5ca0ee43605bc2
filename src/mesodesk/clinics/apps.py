from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "mesodesk.clinics"
    verbose_name = "Clinics"
