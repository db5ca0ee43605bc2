"""The one shape every service refuses in: a ValidationError keyed by the field, whose
code survives (`error.error_dict[field][0].code`), so a web form shows the message beside
the field and the API answers with the code."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def refusal(field: str, message: str, code: str) -> ValidationError:
    """A refusal of `field` with `message` and `code`."""
    # Built this way so the code survives: Django drops `code=` given with a dict.
    return ValidationError({field: ValidationError(message, code=code)})
