"""The outbox (read-only: rows are written by services and the worker), clinics' message
templates, and patients' contact preferences in the admin."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from mesodesk.admin_mixins import CleanTextAdmin, ViewOnlyAdmin
from mesodesk.audit.admin import AccessLoggedAdmin
from mesodesk.messaging.models import ContactPreferences, MessageTemplate, Reminder


@admin.register(Reminder)
class ReminderAdmin(ViewOnlyAdmin, AccessLoggedAdmin):
    list_display = ("send_at", "clinic", "kind", "channel", "status", "attempts", "last_error")
    list_filter = ("status", "kind", "channel", "clinic")
    date_hierarchy = "send_at"
    list_select_related = ("clinic", "patient")
    raw_id_fields = ("patient", "appointment")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(CleanTextAdmin, SimpleHistoryAdmin):
    list_display = ("clinic", "kind", "channel", "subject", "updated_at")
    list_filter = ("clinic", "kind", "channel")


@admin.register(ContactPreferences)
class ContactPreferencesAdmin(ViewOnlyAdmin, AccessLoggedAdmin):
    list_display = ("patient", "clinic", "email", "sms", "quiet_start", "quiet_end")
    list_select_related = ("clinic", "patient")
    exclude = ("token",)
