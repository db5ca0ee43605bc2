"""Outcome scores checked against the library's scales (CLINIC.md 6), without Django.

A score names its scale, who rated it (practitioner, patient or a blinded rater), how
(live, or from photos) and when in the series (the baseline, after session N, or N weeks
after the last session). What each scale allows comes from the library: its levels or its
items, its raters, whether it is rated per side, whether it always compares with a
baseline. Every refusal is an `InputError` naming the field, so a form or the API shows it
beside the input that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mesodesk.core.errors import InputError
from mesodesk.core.library.model import Scale

RATERS = ("practitioner", "patient", "blinded")
METHODS = ("live", "photos")
TIME_POINTS = ("baseline", "session", "follow_up")
SIDES = ("left", "right")
# A follow-up later than two years is a new baseline, not a follow-up of this series.
MAX_WEEKS_AFTER = 104


@dataclass(frozen=True, slots=True)
class ScoreEntry:
    """A score as a form, the API or the portal sends it, not yet checked."""

    scale: str
    rater: str
    method: str
    time_point: str
    value: str = ""
    items: Mapping[str, int] | None = None
    side: str = ""
    session_number: int | None = None
    weeks_after: int | None = None


@dataclass(frozen=True, slots=True)
class CheckedScore:
    """A score the scale accepts: its value (a level, or the total of a summed scale),
    the items and band of a summed scale, and its place in the series."""

    scale: str
    version: str
    value: str
    rater: str
    method: str
    time_point: str
    side: str = ""
    items: dict[str, int] = field(default_factory=dict)
    band: str = ""
    session_number: int | None = None
    weeks_after: int | None = None


def outcome_scales(scales: Mapping[str, Scale]) -> list[Scale]:
    """The scales a clinic scores sessions with (not the adverse event grade)."""
    return [s for s in scales.values() if s.use == "outcome"]


def band_of(scale: Scale, total: int) -> str:
    """The band a summed scale's total falls in ("" below the first band)."""
    for band in scale.bands:
        if band.low <= total <= band.high:
            return band.label
    return ""


def chart_value(scale: Scale, value: str) -> float:
    """Where a value sits on the scale's axis: the number itself for numeric levels and
    totals, the level's position (1 for the first) for named levels (Glogau I-IV)."""
    if value.lstrip("-").isdigit():
        return float(value)
    for position, level in enumerate(scale.levels, start=1):
        if level.value == value:
            return float(position)
    raise InputError("value", f"{value!r} is not a level of {scale.label}")


def axis_range(scale: Scale) -> tuple[float, float]:
    """The lowest and highest value the scale can take on its chart axis."""
    if scale.items:
        return 0.0, float(sum(item.high for item in scale.items))
    values = [chart_value(scale, level.value) for level in scale.levels]
    return min(values), max(values)


def _place(scale: Scale, entry: ScoreEntry) -> tuple[int | None, int | None]:
    if entry.time_point not in TIME_POINTS:
        raise InputError("time_point", "choose the baseline, after a session, or a follow-up")
    if entry.time_point == "baseline":
        if scale.against_baseline:
            raise InputError(
                "time_point",
                f"{scale.label} compares with a baseline: rate it after a session or at a "
                "follow-up, not at the baseline itself",
            )
        return None, None
    if entry.time_point == "session":
        if entry.session_number is None or entry.session_number < 1:
            raise InputError("session_number", "give the number of the session, 1 or more")
        return entry.session_number, None
    weeks = entry.weeks_after
    if weeks is None or not 1 <= weeks <= MAX_WEEKS_AFTER:
        raise InputError(
            "weeks_after", f"give the weeks after the last session, 1 to {MAX_WEEKS_AFTER}"
        )
    return None, weeks


def _summed(scale: Scale, items: Mapping[str, int] | None) -> tuple[str, dict[str, int], str]:
    given = dict(items or {})
    wanted = [item.code for item in scale.items]
    missing = [code for code in wanted if code not in given]
    if missing:
        raise InputError(f"items.{missing[0]}", "score every item of the scale")
    extra = sorted(set(given) - set(wanted))
    if extra:
        raise InputError(f"items.{extra[0]}", "not an item of this scale")
    for item in scale.items:
        score = given[item.code]
        if isinstance(score, bool) or not isinstance(score, int):
            raise InputError(f"items.{item.code}", "a whole number")
        if not item.low <= score <= item.high:
            raise InputError(f"items.{item.code}", f"{item.label}: from {item.low} to {item.high}")
    total = sum(given[code] for code in wanted)
    return str(total), {code: given[code] for code in wanted}, band_of(scale, total)


def check_score(scales: Mapping[str, Scale], entry: ScoreEntry) -> CheckedScore:
    """The entry as the scale accepts it; `InputError` naming the field otherwise."""
    scale = scales.get(entry.scale)
    if scale is None or scale.use != "outcome":
        raise InputError("scale", f"no outcome scale {entry.scale!r} in the library")
    if entry.rater not in RATERS:
        raise InputError("rater", f"the rater is one of {', '.join(RATERS)}")
    if entry.rater not in scale.raters:
        raise InputError(
            "rater", f"{scale.label} is rated by {' or '.join(scale.raters)}, not {entry.rater}"
        )
    if entry.method not in METHODS:
        raise InputError("method", "rated live or from photos")
    if scale.per_side and entry.side not in SIDES:
        raise InputError("side", f"{scale.label} is rated per side: left or right")
    if not scale.per_side and entry.side:
        raise InputError("side", f"{scale.label} is not rated per side")
    session_number, weeks_after = _place(scale, entry)
    if scale.items:
        if entry.value:
            raise InputError("value", "give the items; the total is summed from them")
        value, items, band = _summed(scale, entry.items)
    else:
        if entry.items:
            raise InputError("items", f"{scale.label} has no items")
        if entry.value not in {level.value for level in scale.levels}:
            allowed = ", ".join(level.value for level in scale.levels)
            raise InputError("value", f"choose a level of {scale.label} ({allowed})")
        value, items, band = entry.value, {}, ""
    return CheckedScore(
        scale=scale.code,
        version=scale.version,
        value=value,
        rater=entry.rater,
        method=entry.method,
        time_point=entry.time_point,
        side=entry.side,
        items=items,
        band=band,
        session_number=session_number,
        weeks_after=weeks_after,
    )


def level_label(scale: Scale, value: str) -> str:
    """The words for a value: the level's label, or the band of a summed total."""
    for level in scale.levels:
        if level.value == value:
            return level.label
    if scale.items and value.isdigit():
        return band_of(scale, int(value)) or "Below the first band"
    return value
