"""Patient data in the admin is for looking, not editing: changes go through the services,
which screen, number versions and keep the audit trail. Every page that shows patient data
writes to the access log (audit.admin.AccessLoggedAdmin)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from mesodesk.admin_mixins import ViewOnlyAdmin
from mesodesk.audit.admin import AccessLoggedAdmin
from mesodesk.patients.models import IntakeVersion, Patient, ScreeningResult


class ReadOnlyAdmin(ViewOnlyAdmin, AccessLoggedAdmin, SimpleHistoryAdmin):
    """Patient data: shown with its history, never changed here; every view is logged."""


@admin.register(Patient)
class PatientAdmin(ReadOnlyAdmin):
    patient_field = None  # the row is the patient
    list_display = ("last_name", "first_name", "clinic", "birth_date", "created_at")
    list_filter = ("clinic",)
    search_fields = ("last_name", "first_name", "email")
    list_select_related = ("clinic",)


@admin.register(IntakeVersion)
class IntakeVersionAdmin(ReadOnlyAdmin):
    list_display = ("patient", "number", "clinic", "created_by", "created_at")
    list_filter = ("clinic",)
    list_select_related = ("clinic", "patient", "created_by")


@admin.register(ScreeningResult)
class ScreeningResultAdmin(ReadOnlyAdmin):
    list_display = ("patient", "verdict", "clinic", "computed_at", "signed_off_by")
    list_filter = ("clinic", "verdict")
    list_select_related = ("clinic", "patient", "signed_off_by")
