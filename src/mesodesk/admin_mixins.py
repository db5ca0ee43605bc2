"""Admin pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ViewOnlyAdmin:
    """For records the admin may show but never add, change or delete: they are written
    by services (which validate and audit) or are append-only by nature."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CleanTextAdmin:
    """Every plain text field of an editable admin form is taken as the web forms take it
    (web.fields.TextField: NFC, trimmed, no control or bidirectional-override characters,
    nothing invisible counted as text). Only plain CharField and TextField: e-mail, slug
    and choice fields keep their own form fields and validation."""

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        from django import forms
        from django.db import models

        from mesodesk.web.fields import TextField

        plain = type(db_field) in (models.CharField, models.TextField) and not db_field.choices
        if plain and db_field.editable:
            multiline = type(db_field) is models.TextField
            kwargs.setdefault("form_class", TextField)
            kwargs.setdefault("multiline", multiline)
            if multiline:
                kwargs.setdefault("widget", forms.Textarea)
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
