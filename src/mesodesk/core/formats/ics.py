"""A timeline as an RFC 5545 calendar: one event per item, alarms where a reminder helps."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vRecur

from mesodesk.core.library.model import Kind, Phase
from mesodesk.core.timeline import Item, Timeline

PRODID = "-//mesodesk//timeline//EN"
# Items a patient acts on at their start deserve a reminder; watch items do not.
_ALARM_PHASES = {Phase.PREP, Phase.DAY_OF}
_EVENING_BEFORE = timedelta(hours=-4)


def _uid(timeline: Timeline, item: Item) -> str:
    # Stable across re-renders of the same session, so calendar clients update in place.
    key = f"{timeline.start.astimezone(UTC).isoformat()}|{item.code}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:24]}@mesodesk"


def _event(timeline: Timeline, item: Item, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", _uid(timeline, item))
    event.add("dtstamp", stamp)
    event.add("summary", item.label)
    description = item.text
    if item.value:
        description += f"\n{item.value}"
    description += "\nSources: " + "; ".join(item.source_titles or item.sources)
    event.add("description", description)
    event.add("categories", [item.phase.value.replace("_", "-").upper()])
    # UTC throughout: a local time in the repeated hour of a DST change would be read
    # as its first occurrence (RFC 5545 3.3.5); calendar clients show UTC in local time.
    start, end = item.starts_at.astimezone(UTC), item.ends_at.astimezone(UTC)
    if item.repeat is not None:
        # One occurrence lasts `lasts`; the rule repeats it until the item's window ends.
        end = start + item.repeat.lasts
        rule: dict[str, object] = {
            "freq": "HOURLY" if item.repeat.every == timedelta(hours=1) else "DAILY"
        }
        if item.repeat.count is not None:
            rule["count"] = item.repeat.count
        else:
            # UNTIL is inclusive: an occurrence starting exactly at the window's end is not one.
            rule["until"] = item.repeat.until.astimezone(UTC) - timedelta(seconds=1)
        event.add("rrule", vRecur(rule))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("transp", "TRANSPARENT")
    if item.phase in _ALARM_PHASES or (item.kind is Kind.DO and item.repeat is not None):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", item.label)
        # A preparation starts at local midnight: remind the evening before, not at 00:00.
        alarm.add("trigger", _EVENING_BEFORE if item.phase is Phase.PREP else timedelta(0))
        event.add_component(alarm)
    return event


def timeline_to_ics(timeline: Timeline, *, stamp: datetime | None = None) -> bytes:
    """The calendar as bytes (CRLF line endings, folded lines, as RFC 5545 wants)."""
    stamp = stamp or datetime.now(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Your mesotherapy session")
    calendar.add("x-wr-timezone", timeline.zone.key)
    session = Event()
    session.add(
        "uid", f"{hashlib.sha256(timeline.start.isoformat().encode()).hexdigest()[:24]}@mesodesk"
    )
    session.add("dtstamp", stamp)
    session.add("summary", "Mesotherapy session")
    session.add("dtstart", timeline.start.astimezone(UTC))
    session.add("dtend", timeline.end.astimezone(UTC))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "Mesotherapy session tomorrow")
    alarm.add("trigger", timedelta(days=-1))
    session.add_component(alarm)
    calendar.add_component(session)
    for item in timeline.items:
        calendar.add_component(_event(timeline, item, stamp))
    return calendar.to_ical()
