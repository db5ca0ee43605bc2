"""Form fields the staff pages and the portal share: dates and times within the range
mesodesk handles (core.bounds), and people's names and free text through the one text
validator (core.text). A page's form is where its input comes in, so it is checked here
once, with the error shown next to the field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from mesodesk.core.bounds import check_date
from mesodesk.core.errors import InputError
from mesodesk.core.text import clean_text


def _invalid(error: InputError) -> ValidationError:
    message = error.message
    return ValidationError(f"{message[:1].upper()}{message[1:]}.", code="invalid")


class DateField(forms.DateField):
    """A date from 1900 to 2999."""

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        if day is not None:
            try:
                check_date(day, self.label or "date")
            except InputError as error:
                raise _invalid(error) from None
        return day


class DateTimeField(forms.DateTimeField):
    """A date and time from 1900 to 2999."""

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is not None:
            try:
                check_date(moment, self.label or "date")
            except InputError as error:
                raise _invalid(error) from None
        return moment


class TextField(forms.CharField):
    """Free text, or a person's name: normalised (NFC) and trimmed, refused with a control
    or bidirectional character; nothing visible counts as empty (so "required" applies).
    `multiline` lets newlines and tabs through, for a textarea."""

    def __init__(self, *args: Any, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        text: str = super().to_python(value)
        if text in self.empty_values:
            return text
        try:
            return clean_text(text, self.label or "text", multiline=self.multiline)
        except InputError as error:
            raise _invalid(error) from None
