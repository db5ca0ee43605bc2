"""Consent texts are edited here, with their history: saving an edit writes the clinic's
next version (`services.save_template_version`) and leaves the version before as it was,
since signed consents point at it. Signed consents and withdrawals are shown, never
changed (the database refuses too), and each one shown is logged."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from mesodesk.admin_mixins import CleanTextAdmin, ViewOnlyAdmin
from mesodesk.audit.admin import AccessLoggedAdmin
from mesodesk.consents.models import ConsentTemplate, ConsentWithdrawal, SignedConsent
from mesodesk.consents.services import save_template_version


@admin.register(ConsentTemplate)
class ConsentTemplateAdmin(CleanTextAdmin, SimpleHistoryAdmin):
    list_display = ("title", "purpose", "technique", "tier", "version", "clinic", "created_at")
    list_filter = ("clinic", "purpose")
    search_fields = ("title",)
    readonly_fields = (
        "clinic",
        "purpose",
        "technique",
        "tier",
        "version",
        "library_code",
        "sources",
        "created_by",
        "created_at",
    )
    fields = ("title", "text", *readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions 1 come from the library, the next ones from an edit

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ConsentTemplate, form: Any, change: bool
    ) -> None:
        """An edit becomes the next version; the one edited stays as it was."""
        before = ConsentTemplate.objects.get(pk=obj.pk)
        try:
            new = save_template_version(
                clinic=before.clinic,
                based_on=before,
                by=request.user,  # type: ignore[arg-type]
                title=obj.title,
                text=obj.text,
            )
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
            return
        obj.pk, obj.version = new.pk, new.version
        messages.info(request, f"Saved as version {new.version}; version {before.version} is kept.")


class LoggedViewOnly(ViewOnlyAdmin, AccessLoggedAdmin):
    pass


@admin.register(SignedConsent)
class SignedConsentAdmin(LoggedViewOnly):
    list_display = ("title", "patient", "template_version", "signed_at", "clinic")
    list_filter = ("clinic", "purpose")
    list_select_related = ("clinic", "patient")
    exclude = ("pdf",)


@admin.register(ConsentWithdrawal)
class ConsentWithdrawalAdmin(LoggedViewOnly):
    patient_field = None
    list_display = ("consent", "at", "channel", "clinic")
    list_select_related = ("clinic", "consent")

    def _patient(self, obj: Any) -> Any:
        return obj.consent.patient
