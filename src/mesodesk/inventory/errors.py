"""Refusals of the stock services that carry what the practitioner may do instead."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from mesodesk.inventory.models import Lot


class LotRefused(ValidationError):
    """A lot that may not be used now (expired, recalled, quarantined, an opened vial past
    its beyond-use time, not enough left), keyed by `lot` with its code, and the lots of the
    same product that may be used instead, soonest expiry first."""

    def __init__(self, message: str, code: str, alternatives: Sequence[Lot] = ()) -> None:
        super().__init__({"lot": ValidationError(message, code=code)})
        self.code = code
        self.alternatives = list(alternatives)
