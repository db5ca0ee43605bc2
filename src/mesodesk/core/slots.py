"""Slot search: free times where a practitioner, a room and (if needed) a device are all
available, inside opening and working hours, off closures, after an earliest start.

Pure and in memory: the caller loads the busy intervals of the window from the database
(one indexed range query per resource kind) and asks for the first N slots. Intervals are
half-open [start, end) in UTC; hours are local wall times in the clinic's zone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from mesodesk.core.localtime import forward

Interval = tuple[datetime, datetime]
# weekday (0 = Monday) -> local opening intervals, e.g. {0: [(09:00, 13:00), (14:00, 18:00)]}
WeeklyHours = Mapping[int, Sequence[tuple[time, time]]]


@dataclass(frozen=True, slots=True)
class Resource:
    """A practitioner, room or device with its weekly hours and busy intervals (UTC)."""

    id: int
    busy: Sequence[Interval] = ()
    hours: WeeklyHours | None = None  # None: whenever the clinic is open
    kind: str = ""  # a device's type; empty for people and rooms


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable start with the resources that are free for the whole duration."""

    start: datetime
    end: datetime
    practitioner: int
    room: int
    device: int | None


@dataclass(frozen=True)
class SlotQuery:
    """What to look for: how long, from when, with which kind of device, how many."""

    zone: ZoneInfo
    duration: timedelta
    window_start: datetime
    window_end: datetime
    clinic_hours: WeeklyHours
    closures: frozenset[date] = frozenset()
    device_kind: str | None = None  # a session with a meso gun needs a free meso gun
    step: timedelta = timedelta(minutes=15)
    limit: int = 20
    days_wanted: int | None = None  # stop after this many days with a free slot
    not_before: datetime | None = None  # e.g. the earliest start a washout allows
    practitioners: tuple[Resource, ...] = ()
    rooms: tuple[Resource, ...] = ()
    devices: tuple[Resource, ...] = field(default_factory=tuple)


class _Busy:
    """Sorted, merged busy intervals with a fast "is [a, b) free?" test."""

    __slots__ = ("ends", "starts")

    def __init__(self, intervals: Iterable[Interval]):
        merged: list[list[datetime]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def free(self, start: datetime, end: datetime) -> bool:
        # The first busy interval ending after `start` is the only one that can overlap.
        i = bisect_right(self.ends, start)
        return i == len(self.starts) or self.starts[i] >= end


class _BusyIndex(dict[tuple[str, int], _Busy]):
    """Each resource's busy intervals, sorted and merged the first time it is asked about:
    a search that finds its slots on the first morning never indexes the other weeks."""

    def __init__(self, query: SlotQuery):
        super().__init__()
        self._raw = {("p", r.id): r.busy for r in query.practitioners}
        self._raw |= {("r", r.id): r.busy for r in query.rooms}
        self._raw |= {("d", r.id): r.busy for r in query.devices}

    def __missing__(self, key: tuple[str, int]) -> _Busy:
        busy = self[key] = _Busy(self._raw[key])
        return busy


def _day_intervals(day: date, hours: WeeklyHours, zone: ZoneInfo) -> list[Interval]:
    out = []
    for open_at, close_at in hours.get(day.weekday(), ()):
        start = forward(datetime.combine(day, open_at), zone).astimezone(UTC)
        end = forward(datetime.combine(day, close_at), zone).astimezone(UTC)
        if end > start:
            out.append((start, end))
    return out


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            start, end = max(s1, s2), min(e1, e2)
            if start < end:
                out.append((start, end))
    return sorted(out)


def _aligned(instant: datetime, step: timedelta, origin: datetime) -> datetime:
    """The first instant >= `instant` on the step grid counted from `origin`."""
    offset = (instant - origin) % step
    return instant if not offset else instant + (step - offset)


def find_slots(query: SlotQuery) -> list[Slot]:
    """The first `limit` slots in time order (ties: practitioner order, then room, device),
    from the first `days_wanted` days that have any when that is set."""
    zone = query.zone
    busy = _BusyIndex(query)
    devices = [d for d in query.devices if query.device_kind is None or d.kind == query.device_kind]
    if query.device_kind is not None and not devices:
        return []
    earliest = max(query.window_start, query.not_before or query.window_start)
    slots: list[Slot] = []
    day = query.window_start.astimezone(zone).date()
    last_day = query.window_end.astimezone(zone).date()
    days_left = query.days_wanted if query.days_wanted is not None else -1
    while day <= last_day and len(slots) < query.limit and days_left:
        if day not in query.closures:
            # Whole days at a time, so the first N are the earliest N whoever is free.
            todays = _slots_on(day, query, busy, devices, earliest)
            todays.sort(key=lambda s: s.start)  # stable: practitioner order within a start
            slots += todays
            days_left -= 1 if todays else 0
        day += timedelta(days=1)
    return slots[: query.limit]


def _slots_on(
    day: date,
    query: SlotQuery,
    busy: _BusyIndex,
    devices: list[Resource],
    earliest: datetime,
) -> list[Slot]:
    zone = query.zone
    open_today = _day_intervals(day, query.clinic_hours, zone)
    if not open_today:
        return []
    found: list[Slot] = []
    # Each room's and device's busy times looked up once a day, not once a time tried.
    rooms = [(r.id, busy[("r", r.id)].free) for r in query.rooms]
    kits = (
        [(d.id, busy[("d", d.id)].free) for d in devices] if query.device_kind is not None else None
    )
    step, duration, window_end = query.step, query.duration, query.window_end
    for practitioner in query.practitioners:
        hours = open_today
        if practitioner.hours is not None:
            hours = _intersect(open_today, _day_intervals(day, practitioner.hours, zone))
        p_free = busy[("p", practitioner.id)].free
        for open_at, close_at in hours:
            start = _aligned(max(open_at, earliest), step, open_at)
            last = min(close_at, window_end) - duration
            while start <= last:
                end = start + duration
                if p_free(start, end):
                    slot = _with_room_and_device(start, end, practitioner.id, rooms, kits)
                    if slot is not None:
                        found.append(slot)
                start += step
    return found


Free = Sequence[tuple[int, Callable[[datetime, datetime], bool]]]


def _with_room_and_device(
    start: datetime, end: datetime, practitioner: int, rooms: Free, devices: Free | None
) -> Slot | None:
    """The slot with the first room (and device, when `devices` are asked for) free then."""
    room = next((r for r, free in rooms if free(start, end)), None)
    if room is None:
        return None
    if devices is None:
        return Slot(start, end, practitioner, room, None)
    device = next((d for d, free in devices if free(start, end)), None)
    return None if device is None else Slot(start, end, practitioner, room, device)


def shown_days(
    slots: Iterable[Slot], zone: ZoneInfo, *, days: int, per_day: int
) -> list[tuple[date, list[tuple[Slot, datetime]]]]:
    """What a page offers of `slots` (in time order): the first `days` local days with
    any, each with its first `per_day` (the half hours when it has more, so the few shown
    spread over the day), with their local starts. Nothing is chosen for the patient: the
    earliest times come first."""
    shown: list[tuple[date, list[tuple[Slot, datetime]]]] = []
    local = ((slot, slot.start.astimezone(zone)) for slot in slots)
    for day, items in groupby(local, key=lambda pair: pair[1].date()):
        if len(shown) == days:
            break
        times = list(items)
        if len(times) > per_day:
            times = [pair for pair in times if pair[1].minute in (0, 30)] or times
        shown.append((day, times[:per_day]))
    return shown
