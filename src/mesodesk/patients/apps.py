from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "mesodesk.patients"
    verbose_name = "Patients"
