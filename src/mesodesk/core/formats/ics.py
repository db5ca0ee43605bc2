"""A timeline as an RFC 5545 calendar: one event per item, alarms where a reminder helps."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vRecur

from mesodesk.core.formats.text import in_sentence
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


def _calendar(name: str, zone: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    if zone:
        calendar.add("x-wr-timezone", zone)
    return calendar


def timeline_to_ics(timeline: Timeline, *, stamp: datetime | None = None) -> bytes:
    """The calendar as bytes (CRLF line endings, folded lines, as RFC 5545 wants)."""
    stamp = stamp or datetime.now(UTC)
    calendar = _calendar("Your mesotherapy session", timeline.zone.key)
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
    ical: bytes = calendar.to_ical()
    return ical


# --- The patient's own calendar ------------------------------------------------------------

# How long a milestone shows in a calendar: a moment, long enough to be seen.
_MILESTONE = timedelta(minutes=15)
# Aftercare milestones further away than this are not calendar material (the red flags are
# watched for months: the timeline page and the check-in message carry them).
_AFTERCARE_HORIZON = timedelta(days=14)


def _patient_event(uid: str, summary: str, description: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{hashlib.sha256(uid.encode()).hexdigest()[:24]}@mesodesk")
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    return event


def _texts(items: list[Item]) -> str:
    return "\n\n".join(f"{item.label}: {item.text}" for item in items)


def patient_calendar_ics(
    timelines: list[Timeline],
    *,
    clinic: str,
    phone: str = "",
    address: str = "",
    stamp: datetime | None = None,
) -> bytes:
    """What a patient wants in their calendar, for each session: the session itself (with
    the clinic's address and telephone), one all-day event per day a preparation starts,
    the day-of steps, and one moment per aftercare milestone in the next two weeks ("these
    steps are over", "allowed again"). Plain words only: no source labels, no months-long
    windows, no hourly repeats."""
    stamp = stamp or datetime.now(UTC)
    calendar = _calendar(f"{clinic}: your sessions", timelines[0].zone.key if timelines else "")
    for timeline in timelines:
        for event in _patient_events(timeline, clinic, phone, address, stamp):
            calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


def _patient_events(
    timeline: Timeline, clinic: str, phone: str, address: str, stamp: datetime
) -> list[Event]:
    key = timeline.start.astimezone(UTC).isoformat()
    session = _patient_event(
        f"{key}|session",
        f"Mesotherapy session at {clinic}",
        "\n".join(
            line
            for line in (
                clinic,
                address,
                f"Telephone: {phone}" if phone else "",
                "To move or cancel, call the clinic or use your patient portal.",
            )
            if line
        ),
        stamp,
    )
    session.add("dtstart", timeline.start.astimezone(UTC))
    session.add("dtend", timeline.end.astimezone(UTC))
    session.add("location", ", ".join(x for x in (clinic, address) if x))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "Mesotherapy session tomorrow")
    alarm.add("trigger", timedelta(days=-1))
    session.add_component(alarm)
    events = [session]

    prep: dict[datetime, list[Item]] = {}
    milestones: dict[datetime, tuple[list[Item], list[Item]]] = {}
    horizon = timeline.end + _AFTERCARE_HORIZON
    for item in timeline.items:
        if item.phase is Phase.PREP:
            prep.setdefault(item.starts_at, []).append(item)
        elif item.phase is Phase.DAY_OF and item.repeat is None:
            event = _patient_event(f"{key}|{item.code}", item.label, item.text, stamp)
            event.add("dtstart", item.starts_at.astimezone(UTC))
            event.add("dtend", max(item.ends_at, item.starts_at + _MILESTONE).astimezone(UTC))
            events.append(event)
        elif item.phase is Phase.AFTERCARE and item.repeat is None:
            if item.kind is Kind.AVOID and item.ends_at <= horizon:
                milestones.setdefault(item.ends_at, ([], []))[0].append(item)
            elif item.starts_at == item.ends_at and item.starts_at <= horizon:
                milestones.setdefault(item.starts_at, ([], []))[1].append(item)
    for day_start, items in sorted(prep.items()):
        labels = ", ".join(in_sentence(item.label) for item in items)
        event = _patient_event(
            f"{key}|prep|{day_start.isoformat()}",
            f"Before your session: {labels}",
            _texts(items),
            stamp,
        )
        # An all-day event on the day the steps start, with a reminder the evening before.
        event.add("dtstart", day_start.date())
        event.add("dtend", day_start.date() + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Tomorrow: {labels}")
        alarm.add("trigger", _EVENING_BEFORE)
        event.add_component(alarm)
        events.append(event)
    for moment, (over, allowed) in sorted(milestones.items()):
        parts = []
        if over:
            parts.append("Aftercare ends: " + ", ".join(in_sentence(i.label) for i in over))
        parts += [in_sentence(item.label) if parts else item.label for item in allowed]
        lines = [f"From now, this step is over: {in_sentence(i.label)}." for i in over]
        event = _patient_event(
            f"{key}|after|{moment.isoformat()}",
            "; ".join(parts),
            "\n".join([*lines, *(item.text for item in allowed)]),
            stamp,
        )
        event.add("dtstart", moment.astimezone(UTC))
        event.add("dtend", (moment + _MILESTONE).astimezone(UTC))
        event.add("transp", "TRANSPARENT")
        events.append(event)
    return events


# --- A staff member's, room's or device's feed ------------------------------------------------


@dataclass(frozen=True)
class AppointmentEvent:
    """One appointment as a calendar event (a notice's file, a staff feed). For a staff
    feed the caller words `summary` and `description` with no clinical detail and the
    patient by initials only."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    cancelled: bool


def staff_calendar_ics(
    events: Iterable[AppointmentEvent], *, name: str, zone: str = "", stamp: datetime | None = None
) -> bytes:
    """A subscribed staff calendar (METHOD:PUBLISH): one event per appointment, its UID the
    appointment's own so clients update it in place on the next fetch. A cancelled
    appointment stays in the feed as STATUS:CANCELLED (RFC 5545 3.8.1.11) and TRANSPARENT,
    so a client that kept the event marks it cancelled rather than keeping a stale copy."""
    stamp = stamp or datetime.now(UTC)
    calendar = _calendar(name, zone)
    for item in events:
        event = _appointment_event(item, stamp)
        event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


# --- One appointment, as a notice carries it --------------------------------------------------


def appointment_ics(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    clinic: str,
    phone: str = "",
    address: str = "",
    sequence: int = 0,
    cancelled: bool = False,
    stamp: datetime | None = None,
    more: Sequence[tuple[str, datetime, datetime]] = (),
) -> bytes:
    """One appointment as a calendar file, for a booking, change or cancellation notice
    (with `more` appointments booked with it: the rest of a series, as uid, start, end).
    The `uid` is the appointment's own, so a calendar that took the first file updates
    the event in place when a later one (a higher `sequence`) moves or cancels it
    (RFC 5545 3.8.7.4, 3.8.1.11)."""
    stamp = stamp or datetime.now(UTC)
    calendar = _calendar(f"{clinic}: your appointment", "")
    if cancelled:
        # A cancellation replaces the event (RFC 5546 3.2.5); clients that do not honour
        # METHOD still see the event's status and summary.
        calendar["method"] = "CANCEL"
    lines = [clinic, address, f"Telephone: {phone}" if phone else ""]
    for one_uid, one_start, one_end in [(uid, start, end), *more]:
        item = AppointmentEvent(
            uid=one_uid,
            start=one_start,
            end=one_end,
            summary=summary,
            location=", ".join(x for x in (clinic, ", ".join(address.splitlines())) if x),
            description="\n".join(line for line in lines if line),
            cancelled=cancelled,
        )
        calendar.add_component(_appointment_event(item, stamp, sequence=sequence))
    ical: bytes = calendar.to_ical()
    return ical


def _appointment_event(
    item: AppointmentEvent, stamp: datetime, *, sequence: int | None = None
) -> Event:
    """One appointment as an event, for a notice's file and for a staff feed alike."""
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    if sequence is not None:
        event.add("sequence", sequence)
    event.add("summary", f"Cancelled: {item.summary}" if item.cancelled else item.summary)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    # UTC throughout (a repeated DST hour is never ambiguous); clients show local time.
    event.add("dtstart", item.start.astimezone(UTC))
    event.add("dtend", item.end.astimezone(UTC))
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    return event
