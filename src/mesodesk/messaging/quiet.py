"""Quiet hours: no message is sent between the patient's quiet start and quiet end (local
wall time in the patient's zone; a span like 21:00-08:00 wraps past midnight)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mesodesk.core.localtime import forward

# A reminder moved earlier out of quiet hours goes this long before they start.
BEFORE_QUIET = timedelta(minutes=30)
# A reminder moved later must still leave this long before its deadline, else it goes earlier.
DEADLINE_MARGIN = timedelta(hours=1)


def is_quiet(instant: datetime, zone: ZoneInfo, start: time, end: time) -> bool:
    """Whether `instant` falls in quiet hours [start, end) in `zone`."""
    if start == end:
        return False
    wall = instant.astimezone(zone).time()
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def quiet_end_after(instant: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """The end of the quiet hours that `instant` falls in (the first `end` wall time after
    it; in a daylight-saving gap, the instant the clock jumps to)."""
    local = instant.astimezone(zone)
    wall = datetime.combine(local.date(), end)
    candidate = forward(wall, zone)
    if candidate <= instant:
        # In the hour repeated in autumn, `end` may come round a second time that night.
        again = wall.replace(tzinfo=zone, fold=1)
        if again.utcoffset() != candidate.utcoffset() and again > instant:
            return again.astimezone(UTC)
        candidate = forward(datetime.combine(local.date() + timedelta(days=1), end), zone)
    return candidate.astimezone(UTC)


def quiet_start_before(instant: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """The start of the quiet hours that `instant` falls in (the last `start` wall time at or
    before it)."""
    local = instant.astimezone(zone)
    candidate = forward(datetime.combine(local.date(), start), zone)
    if candidate > instant:
        candidate = forward(datetime.combine(local.date() - timedelta(days=1), start), zone)
    return candidate.astimezone(UTC)


def deliverable(
    instant: datetime,
    zone: ZoneInfo,
    start: time,
    end: time,
    *,
    deadline: datetime | None = None,
) -> datetime:
    """When to send a message meant for `instant`: `instant` itself outside quiet hours;
    inside them, when they end — unless that leaves less than an hour before `deadline`
    (an appointment's start), then half an hour before they began."""
    if not is_quiet(instant, zone, start, end):
        return instant.astimezone(UTC)
    later = quiet_end_after(instant, zone, start, end)
    if deadline is None or later <= deadline - DEADLINE_MARGIN:
        return later
    return quiet_start_before(instant, zone, start, end) - BEFORE_QUIET
