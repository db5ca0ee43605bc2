"""A clinic's changes to library rules, as the engines see them (no Django here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mesodesk.core.library.model import Severity


@dataclass(frozen=True, slots=True)
class Override:
    """One clinic's change to one rule: a new severity and/or a new figure, with a reason."""

    severity: Severity | None = None
    value: str | None = None
    reason: str = ""


Overrides = Mapping[str, Override]
NO_OVERRIDES: Overrides = {}
