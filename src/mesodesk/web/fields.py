"""Form fields the staff pages and the portal share: dates and times within the range
mesodesk handles (core.bounds), and people's names and free text through the one text
validator (core.text). A page's form is where its input comes in, so it is checked here
once, with the error shown next to the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from mesodesk.core.bounds import check_date
from mesodesk.core.errors import InputError
from mesodesk.core.text import clean_text


def _invalid(error: InputError) -> ValidationError:
    message = error.message
    return ValidationError(f"{message[:1].upper()}{message[1:]}.", code="invalid")


class _InRange:
    """Refuses a date, or a date and time, outside the years 1900 to 2999."""

    def to_python(self, value: Any) -> Any:
        parsed = super().to_python(value)  # type: ignore[misc]
        if parsed is not None:
            try:
                check_date(parsed, str(getattr(self, "label", None) or "date"))
            except InputError as error:
                raise _invalid(error) from None
        return parsed


class DateField(_InRange, forms.DateField):
    """A date from 1900 to 2999."""


class DateTimeField(_InRange, forms.DateTimeField):
    """A date and time from 1900 to 2999."""


class TextField(forms.CharField):
    """Free text, or a person's name: normalised (NFC) and trimmed, refused with a control
    or bidirectional character; nothing visible counts as empty (so "required" applies).
    `multiline` lets newlines and tabs through, for a textarea."""

    def __init__(self, *args: Any, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        text: str = super().to_python(value) or ""
        if text in self.empty_values:
            return text
        try:
            return clean_text(text, str(self.label or "text"), multiline=self.multiline)
        except InputError as error:
            raise _invalid(error) from None
