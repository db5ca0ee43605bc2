"""The series planner (DESIGN 7.5): the dates of a whole series from a library template.

Each session is planned from the previous session's actual date plus the template's
interval, then moved later (never earlier) off closed weekdays and holidays, so an
interval can grow but never fall below the template's minimum.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mesodesk.core.bounds import check_date
from mesodesk.core.inputs import InputError
from mesodesk.core.library.model import Schedule
from mesodesk.core.localtime import forward

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """The n-th session of a series, and the date it was moved from, if any."""

    n: int
    starts_at: datetime
    moved_from: date | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "starts_at": self.starts_at.isoformat(),
            "moved_from": None if self.moved_from is None else self.moved_from.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """A span of dates in which a maintenance session is due."""

    start: date
    until: date

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "until": self.until.isoformat()}


@dataclass(frozen=True, slots=True)
class Series:
    """A planned series with its maintenance windows."""

    template: str
    sessions: tuple[PlannedSession, ...]
    maintenance: tuple[MaintenanceWindow, ...]
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "sessions": [s.to_dict() for s in self.sessions],
            "maintenance": [m.to_dict() for m in self.maintenance],
            "sources": list(self.sources),
        }


def parse_weekdays(text: str, field: str = "--closed") -> frozenset[int]:
    """ "sat,sun" -> {5, 6}; an unknown day name is an `InputError`."""
    days = set()
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        if part[:3] not in WEEKDAYS or part not in {part[:3], _long(part[:3])}:
            raise InputError(field, f"unknown weekday {part!r} (use mon,tue,wed,thu,fri,sat,sun)")
        days.add(WEEKDAYS.index(part[:3]))
    if len(days) == 7:
        raise InputError(field, "every weekday is closed")
    return frozenset(days)


def _long(short: str) -> str:
    return {
        "mon": "monday",
        "tue": "tuesday",
        "wed": "wednesday",
        "thu": "thursday",
        "fri": "friday",
        "sat": "saturday",
        "sun": "sunday",
    }[short]


def parse_holidays(text: str, field: str = "--holidays") -> frozenset[date]:
    out = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            out.add(check_date(date.fromisoformat(part), field))
        except ValueError as error:
            if isinstance(error, InputError):
                raise
            raise InputError(field, f"not a date YYYY-MM-DD: {part[:40]!r}") from None
    return frozenset(out)


def interval_after(schedule: Schedule, n: int) -> tuple[int, int]:
    """(target, minimum) days between session n and n+1 (n counts from 1)."""
    seen = 0
    for phase in schedule.phases:
        seen += phase.sessions
        if n <= seen:
            return phase.interval_days, phase.min_interval_days
    last = schedule.phases[-1]
    return last.interval_days, last.min_interval_days


def _open_day(day: date, closed: frozenset[int], holidays: frozenset[date]) -> date:
    # Terminates: at least one weekday is open and the holiday set is finite.
    while day.weekday() in closed or day in holidays:
        day += timedelta(days=1)
    return day


def plan_series(
    schedule: Schedule,
    *,
    first: datetime,
    sessions: int | None = None,
    closed: Iterable[int] = (),
    holidays: Iterable[date] = (),
    source_labels: tuple[str, ...] = (),
) -> Series:
    """Plan `sessions` sessions (the template's default if None) from `first` (aware, local)."""
    count = schedule.default_sessions if sessions is None else sessions
    if not schedule.min_sessions <= count <= schedule.max_sessions:
        span = f"{schedule.min_sessions} to {schedule.max_sessions}"
        raise InputError("--sessions", f"{schedule.code} has {span} sessions, got {count}")
    closed_days = frozenset(closed)
    if len(closed_days) == 7:
        raise InputError("--closed", "every weekday is closed")
    holiday_set = frozenset(holidays)
    tz = first.tzinfo
    wall = first.time()
    planned: list[PlannedSession] = []
    target = first.date()
    for n in range(1, count + 1):
        actual = _open_day(target, closed_days, holiday_set)
        if n == 1 and actual == first.date():
            starts = first  # keeps the offset the caller chose for a repeated wall time
        else:
            starts = forward(datetime.combine(actual, wall), tz)  # type: ignore[arg-type]
        planned.append(PlannedSession(n, starts, target if actual != target else None))
        gap, _minimum = interval_after(schedule, n)
        target = actual + timedelta(days=gap)
    windows: list[MaintenanceWindow] = []
    lo, hi = schedule.maintenance_from_days, schedule.maintenance_until_days
    if lo is not None and hi is not None:
        last = planned[-1].starts_at.date()
        for k in range(1, schedule.maintenance_windows + 1):
            windows.append(
                MaintenanceWindow(last + timedelta(days=k * lo), last + timedelta(days=k * hi))
            )
    return Series(schedule.code, tuple(planned), tuple(windows), source_labels)
