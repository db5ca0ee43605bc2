"""Appointments in the admin are for looking: booking, rescheduling and cancelling go through
the services, which check conflicts and the patient's screening. Views are logged."""

from django.contrib import admin

from mesodesk.patients.admin import ReadOnlyAdmin
from mesodesk.scheduling.models import Appointment


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("start", "patient", "kind", "practitioner", "room", "status", "clinic")
    list_filter = ("clinic", "status", "kind")
    date_hierarchy = "start"
    list_select_related = ("clinic", "patient", "practitioner", "room")
