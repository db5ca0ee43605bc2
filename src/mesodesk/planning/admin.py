"""Plans in the admin are for looking: changes go through the services, which re-plan and
re-screen."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mesodesk.patients.admin import ReadOnlyAdmin
from mesodesk.planning.models import PlannedSession, TreatmentPlan


class PlannedSessionInline(admin.TabularInline):
    model = PlannedSession
    extra = 0
    can_delete = False
    readonly_fields = ("number", "target_date", "starts_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(ReadOnlyAdmin):
    list_display = ("patient", "indication", "schedule_template", "status", "clinic")
    list_filter = ("clinic", "status")
    list_select_related = ("clinic", "patient")
    inlines = (PlannedSessionInline,)
