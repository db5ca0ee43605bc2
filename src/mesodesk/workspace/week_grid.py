"""The week as an hour grid: which days to show (the days somebody works, and any day with
appointments), the hours the grid spans (the working hours shown, widened to every
appointment), and where each appointment sits — as CSS grid rows of 15 minutes and side by
side lanes for appointments at the same time. Pure: no database, no Django.

The page's Content Security Policy allows no inline style, so positions are class names
(`wg-r-5` starts at row 5, `wg-s-4` spans four rows, `wg-l-2` is the second lane) for
which the stylesheet has a rule each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=15)
ROWS_PER_HOUR = 4
MAX_ROWS = 24 * ROWS_PER_HOUR
MAX_LANES = 4
# Without working hours or appointments, the grid still shows a working day.
DEFAULT_HOURS = (time(9), time(17))

Spans = list[tuple[time, time]]


@dataclass
class Placed:
    """An appointment and its place in its day's grid."""

    appointment: Any
    row: int
    span: int
    lane: int = 1


@dataclass
class GridDay:
    """One day column: its appointments placed, and how many lanes it needs."""

    day: date
    items: list[Placed] = field(default_factory=list)
    lanes: int = 1


@dataclass
class WeekGrid:
    """The days shown, the hour labels (row, "09:00"), and how many rows the grid has."""

    days: list[GridDay]
    hours: list[tuple[int, str]]
    rows: int
    hidden: list[date]


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def week_grid(
    days: Mapping[date, Sequence[Any]],
    hours: Mapping[int, Spans],
    closed: frozenset[date],
    zone: ZoneInfo,
) -> WeekGrid:
    """Lays out `days` (local day to its appointments, each with aware `start` and `end`).
    `hours` is weekday to the spans somebody shown works (the union over practitioners);
    `closed` the clinic's closures. A day nobody works and with no appointment is hidden."""
    shown = [
        day
        for day, items in days.items()
        if items or (day not in closed and hours.get(day.weekday()))
    ]
    hidden = [day for day in days if day not in shown]
    starts = [_minutes(a) for day in shown for a, _ in hours.get(day.weekday(), [])]
    ends = [_minutes(b) for day in shown for _, b in hours.get(day.weekday(), [])]
    for day in shown:
        for appointment in days[day]:
            local_start = appointment.start.astimezone(zone)
            local_end = appointment.end.astimezone(zone)
            starts.append(_minutes(local_start.time()) if local_start.date() == day else 0)
            ends.append(_minutes(local_end.time()) if local_end.date() == day else 24 * 60)
    first = min(starts, default=_minutes(DEFAULT_HOURS[0])) // 60
    last = -(-max(ends, default=_minutes(DEFAULT_HOURS[1])) // 60)  # whole hours, up
    last = max(last, first + 1)
    rows = (last - first) * ROWS_PER_HOUR
    grid_days = [_place(day, days[day], first, rows, zone) for day in shown]
    labels = [(1 + (hour - first) * ROWS_PER_HOUR, f"{hour:02d}:00") for hour in range(first, last)]
    return WeekGrid(days=grid_days, hours=labels, rows=rows, hidden=hidden)


def _place(day: date, items: Sequence[Any], first_hour: int, rows: int, zone: ZoneInfo) -> GridDay:
    origin = datetime.combine(day, time(first_hour), zone)
    placed: list[Placed] = []
    lane_ends: list[int] = []  # the row each lane is free again from
    for appointment in sorted(items, key=lambda a: (a.start, a.end)):
        begin = int((appointment.start - origin) / STEP)
        end = -int(-(appointment.end - origin) / STEP)
        row = min(max(begin, 0), rows - 1) + 1
        span = max(1, min(end, rows) - (row - 1))
        lane = next((i for i, free in enumerate(lane_ends) if free <= row), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(0)
        lane_ends[lane] = row + span
        placed.append(Placed(appointment, row, min(span, MAX_ROWS), min(lane + 1, MAX_LANES)))
    return GridDay(day=day, items=placed, lanes=min(max(len(lane_ends), 1), MAX_LANES))


def union_hours(
    per_practitioner: Mapping[int, Mapping[int, Spans]], opening: Mapping[int, Spans]
) -> dict[int, Spans]:
    """Weekday to the spans anybody of `per_practitioner` works (a practitioner with no
    working hours recorded works the opening hours, as booking treats them)."""
    out: dict[int, Spans] = {day: [] for day in range(7)}
    for week in per_practitioner.values():
        recorded = any(week.get(day) for day in range(7))
        for day in range(7):
            out[day] += list(week.get(day, []) if recorded else opening.get(day, []))
    return {day: sorted(set(spans)) for day, spans in out.items()}
