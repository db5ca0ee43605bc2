"""Clinics and their staff, rooms, devices and hours in the admin. Clinic settings and
memberships keep their history (who changed the idle timeout, who gave which role)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from mesodesk.admin_mixins import CleanTextAdmin
from mesodesk.clinics.models import Clinic, ClinicClosure, Device, Membership, Room, WorkingHours


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


class DeviceInline(admin.TabularInline):
    model = Device
    extra = 0


class ClosureInline(admin.TabularInline):
    model = ClinicClosure
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(CleanTextAdmin, SimpleHistoryAdmin):
    list_display = ("name", "slug", "time_zone", "locale", "idle_timeout_minutes")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline, RoomInline, DeviceInline, ClosureInline)

    def get_history_queryset(
        self, request: HttpRequest, history_manager: Any, pk_name: str, object_id: str
    ) -> QuerySet[Any]:
        # simple-history would call select_related() without names for a model without
        # foreign keys, which Django deprecates; a clinic has none to fetch.
        return history_manager.filter(**{pk_name: object_id}).select_related("history_user")


@admin.register(Membership)
class MembershipAdmin(CleanTextAdmin, SimpleHistoryAdmin):
    list_display = ("user", "clinic", "role")
    list_filter = ("role", "clinic")
    search_fields = ("user__email", "clinic__name")
    autocomplete_fields = ("user", "clinic")
    list_select_related = ("user", "clinic")


@admin.register(ClinicClosure)
class ClinicClosureAdmin(CleanTextAdmin, admin.ModelAdmin):
    list_display = ("clinic", "date", "reason")
    list_filter = ("clinic",)
    date_hierarchy = "date"
    list_select_related = ("clinic",)


@admin.register(Room)
class RoomAdmin(CleanTextAdmin, admin.ModelAdmin):
    list_display = ("name", "clinic", "active")
    list_filter = ("clinic", "active")
    search_fields = ("name",)
    list_select_related = ("clinic",)


@admin.register(Device)
class DeviceAdmin(CleanTextAdmin, admin.ModelAdmin):
    list_display = ("name", "clinic", "device_type", "model_name", "active")
    list_filter = ("clinic", "device_type", "active")
    search_fields = ("name", "model_name")
    list_select_related = ("clinic",)


@admin.register(WorkingHours)
class WorkingHoursAdmin(CleanTextAdmin, admin.ModelAdmin):
    list_display = ("practitioner", "clinic", "weekday", "start", "end")
    list_filter = ("clinic", "weekday")
    search_fields = ("practitioner__email",)
    autocomplete_fields = ("practitioner",)
    list_select_related = ("clinic", "practitioner")
