"""The access log in the admin: read-only, as it is append-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mesodesk.audit.models import AccessEvent


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    list_display = ("at", "clinic", "user", "action", "object_type", "object_id", "ip")
    list_filter = ("clinic", "action")
    date_hierarchy = "at"
    list_select_related = ("clinic", "user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
