"""What the clinic pages share: the frame's context and the mapping of a service's
ValidationError onto a form's fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from mesodesk.accounts.access import StaffRequest
from mesodesk.clinics.choices import Role


def frame(request: StaffRequest, section: str, **context: Any) -> dict[str, Any]:
    """The context workspace/base.html needs, plus the page's own."""
    return {
        "clinic": request.clinic,
        "membership": request.membership,
        "section": section,
        "is_admin": request.membership.role == Role.ADMIN,
        **context,
    }


def add_service_errors(form: forms.Form, error: ValidationError, **rename: str) -> None:
    """Shows a service's refusal next to the fields it names (`rename` maps a service's
    field name to the form's); what names no field of the form goes above the form."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, messages in error.message_dict.items():
        name = rename.get(field, field)
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
