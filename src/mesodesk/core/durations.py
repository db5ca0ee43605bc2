"""Durations as the protocol library writes them: "15m", "48h", "7d", "29w"."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^(\d+)(m|h|d|w)$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class DurationError(ValueError):
    """A duration string the library cannot read."""


def parse_duration(text: str) -> timedelta:
    """Parse "20m", "15h", "5d" or "29w" into a timedelta; anything else is an error."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise DurationError(f"{text!r} is not a duration (use e.g. 20m, 15h, 5d, 29w)")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def iso_duration(delta: timedelta) -> str:
    """RFC 5545 / ISO 8601 duration for a timedelta: PT15M, PT48H, P7D."""
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return f"P{seconds // 86400}D"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes or not hours:
        out += f"{minutes}M"
    return out


def describe(delta: timedelta) -> str:
    """Plain words for a duration: "15 minutes", "48 hours", "5 days", "29 weeks".

    Hours up to three days read better than "2 days" for aftercare ("48 hours").
    """
    seconds = int(delta.total_seconds())
    if seconds % (7 * 86400) == 0 and seconds >= 28 * 86400:
        count, unit = seconds // (7 * 86400), "week"
    elif seconds % 86400 == 0 and seconds >= 3 * 86400:
        count, unit = seconds // 86400, "day"
    elif seconds % 3600 == 0 and seconds >= 3600:
        count, unit = seconds // 3600, "hour"
    else:
        count, unit = max(seconds // 60, 1), "minute"
    return f"{count} {unit}{'' if count == 1 else 's'}"
