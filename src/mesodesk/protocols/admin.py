from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from mesodesk.admin_mixins import CleanTextAdmin, ViewOnlyAdmin
from mesodesk.core.library import load_library
from mesodesk.protocols.models import ClinicOverride, ProtocolVersion
from mesodesk.protocols.services import check_override, set_clinic_override


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    """Read-only: versions are loaded by `migrate` and `demo`, never edited."""

    list_display = ("version", "release", "loaded_at")
    fields = ("version", "release", "content_hash", "loaded_at", "files")
    readonly_fields = fields


class ClinicOverrideForm(forms.ModelForm):
    class Meta:
        model = ClinicOverride
        fields = ("clinic", "rule_code", "value", "severity", "reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            check_override(
                # On the change form clinic and rule code are read-only, so not in `data`.
                rule_code=data.get("rule_code", self.instance.rule_code),
                value=data.get("value"),
                severity=data.get("severity") or None,
                reason=data.get("reason", ""),
                library=load_library(),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(ClinicOverride)
class ClinicOverrideAdmin(CleanTextAdmin, SimpleHistoryAdmin):
    """Saves through `set_clinic_override`, so the admin checks and records what the API does."""

    form = ClinicOverrideForm
    list_display = ("rule_code", "clinic", "severity", "updated_by", "updated_at")
    list_filter = ("clinic",)
    search_fields = ("rule_code", "reason")
    list_select_related = ("clinic", "updated_by")
    autocomplete_fields = ("clinic",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("clinic", "rule_code") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = set_clinic_override(
            clinic=obj.clinic,
            rule_code=obj.rule_code,
            value=obj.value,
            severity=obj.severity or None,
            reason=obj.reason,
            by=request.user,  # type: ignore[arg-type]
        )
        obj.pk = saved.pk
        obj._state.adding = False
