"""The one error of the clinical core's input checks."""

from __future__ import annotations


class InputError(ValueError):
    """Invalid input; `field` is the dotted path of the bad field."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
