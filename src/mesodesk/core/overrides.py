"""A clinic's changes to library rules, as the engines see them (no Django here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mesodesk.core.durations import DurationError, parse_duration
from mesodesk.core.library import Library
from mesodesk.core.library.model import Phase, Severity


@dataclass(frozen=True, slots=True)
class Override:
    """One clinic's change to one rule: a new severity and/or a new figure, with a reason."""

    severity: Severity | None = None
    value: str | None = None
    reason: str = ""


Overrides = Mapping[str, Override]
NO_OVERRIDES: Overrides = {}


def override_problems(
    library: Library, code: str, *, value: object = None, severity: str | None = None
) -> dict[str, str]:
    """What is wrong with a proposed override, keyed by field; empty when it can be stored.

    Severities belong to screening rules; figures to timeline rules: a preparation takes
    whole days (0-365), the other phases a duration such as "24h" or "7d".
    """
    problems: dict[str, str] = {}
    rule = next((r for r in library.rules if r.code == code), None)
    is_screening = any(c.code == code for c in library.contraindications)
    if severity is not None and not is_screening:
        problems["severity"] = f"{code!r} is not a screening rule; only those have a severity."
    if value is None:
        return problems
    if rule is None:
        problems["value"] = f"{code!r} has no figure to change."
    elif rule.phase is Phase.PREP:
        days = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            days = int(value)
        if days is None or not 0 <= days <= 365:
            problems["value"] = "A preparation lead time is a whole number of days, 0 to 365."
    else:
        try:
            parse_duration(str(value))
        except DurationError as error:
            problems["value"] = str(error)
    return problems
