"""The week's hour grid: days nobody works are hidden, the hours drawn are the working
hours (widened to every appointment), appointments at the same time sit side by side; and
the page draws it beside the list a phone shows (issue 13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from mesodesk.accounts.models import User
from mesodesk.clinics.models import Clinic, Room
from mesodesk.clinics.services import add_working_hours
from mesodesk.workspace.week_grid import union_hours, week_grid
from tests.accounts.helpers import sign_in_with_mfa
from tests.workspace.test_clinical_schedule import book, monday, rooms

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 6, 1)
__all__ = ["monday", "rooms"]  # fixtures


@dataclass
class Booked:
    start: datetime
    end: datetime


def _at(day: date, hh_mm: str, minutes: int = 30) -> Booked:
    start = datetime.combine(day, time.fromisoformat(hh_mm), BERLIN)
    return Booked(start, start + timedelta(minutes=minutes))


def _week(**booked: list[Booked]) -> dict[date, list[Booked]]:
    days = {MONDAY + timedelta(days=i): [] for i in range(7)}
    for name, items in booked.items():
        days[MONDAY + timedelta(days=int(name[1:]))] = items
    return days


TUESDAY_WEDNESDAY = {1: [(time(13), time(17))], 2: [(time(9), time(12))]}


def test_days_nobody_works_are_hidden_unless_something_is_booked() -> None:
    grid = week_grid(_week(d5=[_at(MONDAY + timedelta(days=5), "10:00")]), TUESDAY_WEDNESDAY,
                     frozenset(), BERLIN)  # fmt: skip
    assert [d.day.weekday() for d in grid.days] == [1, 2, 5]
    assert [d.weekday() for d in grid.hidden] == [0, 3, 4, 6]


def test_a_closure_hides_a_working_day() -> None:
    grid = week_grid(_week(), TUESDAY_WEDNESDAY, frozenset({MONDAY + timedelta(days=1)}), BERLIN)
    assert [d.day.weekday() for d in grid.days] == [2]


def test_the_hours_drawn_are_the_working_hours_widened_to_the_appointments() -> None:
    grid = week_grid(_week(), TUESDAY_WEDNESDAY, frozenset(), BERLIN)
    assert grid.hours[0] == (1, "09:00") and grid.hours[-1] == (29, "16:00")
    assert grid.rows == 8 * 4
    late = week_grid(_week(d1=[_at(MONDAY + timedelta(days=1), "17:30", 45)]),
                     TUESDAY_WEDNESDAY, frozenset(), BERLIN)  # fmt: skip
    assert late.hours[-1][1] == "18:00"
    (item,) = late.days[0].items
    # 17:30 is 8.5 hours after 09:00: row 35 (of 15 minutes), 45 minutes long.
    assert (item.row, item.span, item.lane) == (35, 3, 1)


def test_appointments_at_the_same_time_sit_side_by_side() -> None:
    tuesday = MONDAY + timedelta(days=1)
    grid = week_grid(
        _week(d1=[_at(tuesday, "13:00", 60), _at(tuesday, "13:30"), _at(tuesday, "14:00")]),
        TUESDAY_WEDNESDAY,
        frozenset(),
        BERLIN,
    )
    day = grid.days[0]
    assert [(p.row, p.lane) for p in day.items] == [(17, 1), (19, 2), (21, 1)]
    assert day.lanes == 2


def test_a_practitioner_without_working_hours_works_the_opening_hours() -> None:
    opening = {0: [(time(9), time(18))]}
    hours = union_hours({1: {d: [] for d in range(7)}, 2: TUESDAY_WEDNESDAY}, opening)
    assert hours[0] == [(time(9), time(18))] and hours[1] == [(time(13), time(17))]


@pytest.mark.django_db
def test_the_week_page_draws_the_grid_for_the_practitioners_hours_and_keeps_the_list(
    clinic: Clinic, fiona: User, pedro: User, rooms: list[Room], monday: date
) -> None:
    for weekday in (1, 2):
        add_working_hours(
            clinic=clinic, practitioner=pedro, weekday=weekday, start=time(13), end=time(17)
        )
    tuesday = monday + timedelta(days=1)
    book(clinic, fiona, pedro, rooms[0], datetime.combine(tuesday, time(14), BERLIN), "Anna")
    page = sign_in_with_mfa(Client(), fiona).get(
        "/staff/lindenhof/week/", {"start": monday.isoformat(), "practitioner": pedro.pk}
    )
    text = page.text
    assert 'class="wg-body wg-days-2"' in text  # Tuesday and Wednesday only
    assert '<span class="wg-hour wg-r-1 wg-s-4">13:00</span>' in text
    assert "wg-r-5 wg-s-2 wg-l-1" in text  # 14:00, 30 minutes
    assert "nobody works among those shown and nothing is booked" in text
    # The list stays for a phone: every day, the appointment in it.
    assert text.count('<div class="week-day') == 7 and text.count("Anna Test") == 2
