"""Refusals of the charting services that carry what the practitioner must answer."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError

from mesodesk.core.charting import ChartWarning


class NeedsReason(ValidationError):
    """An entry outside the library's range (depth, volume per point, numbing time): kept
    only with a written reason, keyed by `reason` with code "reason_required"; `warnings`
    say what is outside which range, and its sources."""

    code = "reason_required"

    def __init__(self, warnings: Sequence[ChartWarning]) -> None:
        text = " ".join(w.message for w in warnings)
        super().__init__(
            {"reason": ValidationError(f"{text} Say why, or correct it.", code=self.code)}
        )
        self.warnings = list(warnings)
