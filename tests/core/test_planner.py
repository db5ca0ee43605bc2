"""The series planner (DESIGN 7.5): dates of a series from a library template.

Sessions move later (never earlier) off closed weekdays and holidays, so an interval can
grow but never fall below the template's minimum (KNOWLEDGE.md section 6).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesodesk.core.inputs import InputError
from mesodesk.core.library import load_library
from mesodesk.core.localtime import parse_wall_time
from mesodesk.core.planner import (
    Series,
    interval_after,
    parse_holidays,
    parse_weekdays,
    plan_series,
)

LIBRARY = load_library()
BERLIN = ZoneInfo("Europe/Berlin")
S002 = "002_52dcbaaadde21bde.txt"
S003 = "003_46f49dfe08a145d3.txt"

# Monday 5 January 2026, 10:00 CET.
MONDAY = datetime(2026, 1, 5, 10, 0, tzinfo=BERLIN)
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def series(template: str, first: datetime = MONDAY, **kwargs: object) -> Series:
    schedule = LIBRARY.schedules[template]
    return plan_series(
        schedule,
        first=first,
        source_labels=tuple(LIBRARY.source_labels(schedule.sources)),
        **kwargs,  # type: ignore[arg-type]
    )


def days(s: Series) -> list[date]:
    return [session.starts_at.date() for session in s.sessions]


def gaps(s: Series) -> list[int]:
    dates = days(s)
    return [(b - a).days for a, b in itertools.pairwise(dates)]


# --- the three templates of DESIGN 7.5 --------------------------------------------------


def test_biweekly_series_is_six_sessions_two_weeks_apart_by_default_seed_002() -> None:
    """S002: 6-8 sessions spaced two weeks apart."""
    s = series("biweekly_series")
    assert s.template == "biweekly_series"
    assert [session.n for session in s.sessions] == [1, 2, 3, 4, 5, 6]
    assert gaps(s) == [14] * 5
    assert s.sessions[0].starts_at.isoformat() == "2026-01-05T10:00:00+01:00"
    assert s.sessions[-1].starts_at.isoformat() == "2026-03-16T10:00:00+01:00"
    assert S002 in s.sources


@pytest.mark.parametrize("count", [6, 7, 8])
def test_biweekly_series_takes_six_to_eight_sessions(count: int) -> None:
    s = series("biweekly_series", sessions=count)
    assert len(s.sessions) == count
    assert gaps(s) == [14] * (count - 1)


def test_monthly_starter_is_three_sessions_four_weeks_apart_seed_002() -> None:
    """S002: for a quick start, three treatments a month apart (planned as 28 days)."""
    s = series("monthly_starter")
    assert days(s) == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2)]
    assert S002 in s.sources


def test_progressive_series_goes_weekly_then_twice_a_month_then_monthly_seed_003() -> None:
    """S003: 3-15 sessions, every 7-10 days at first, then twice a month, then monthly."""
    s = series("progressive_series", sessions=15)
    assert len(s.sessions) == 15
    assert gaps(s) == [7] * 4 + [14] * 4 + [28] * 6
    assert S003 in s.sources


def test_progressive_series_takes_its_default_count() -> None:
    s = series("progressive_series")
    assert len(s.sessions) == LIBRARY.schedules["progressive_series"].default_sessions


def test_sessions_keep_their_wall_time_across_a_dst_change() -> None:
    s = series("biweekly_series", first=datetime(2026, 3, 16, 10, 0, tzinfo=BERLIN))
    assert [x.starts_at.isoformat() for x in s.sessions[:2]] == [
        "2026-03-16T10:00:00+01:00",
        "2026-03-30T10:00:00+02:00",
    ]


def test_a_first_session_in_the_repeated_hour_keeps_the_offset_it_was_given() -> None:
    """`--first 2026-10-25T02:30+01:00` is the second 02:30 of that night; session 1 must
    be exactly that instant, not the first 02:30 an hour earlier."""
    first = parse_wall_time("2026-10-25T02:30+01:00", BERLIN, "--first")
    s = series("monthly_starter", first=first)
    assert s.sessions[0].starts_at.isoformat() == "2026-10-25T02:30:00+01:00"
    assert s.sessions[0].starts_at.astimezone(UTC) == first.astimezone(UTC)


# --- closed days and holidays -----------------------------------------------------------


def test_a_first_session_on_a_closed_weekend_moves_to_monday() -> None:
    saturday = datetime(2026, 1, 3, 10, 0, tzinfo=BERLIN)
    s = series("biweekly_series", first=saturday, closed={SAT, SUN})
    assert s.sessions[0].starts_at.date() == date(2026, 1, 5)
    assert s.sessions[0].moved_from == date(2026, 1, 3)
    assert s.sessions[0].starts_at.time() == time(10, 0)
    assert gaps(s) == [14] * 5


def test_a_holiday_moves_a_session_later_and_the_following_ones_follow() -> None:
    s = series("biweekly_series", holidays={date(2026, 1, 19)})
    assert days(s)[:3] == [date(2026, 1, 5), date(2026, 1, 20), date(2026, 2, 3)]
    assert s.sessions[1].moved_from == date(2026, 1, 19)
    assert s.sessions[2].moved_from is None
    assert gaps(s) == [15] + [14] * 4


def test_a_holiday_after_a_closed_weekend_moves_on_to_the_next_open_day() -> None:
    saturday = datetime(2026, 12, 26, 10, 0, tzinfo=BERLIN)
    holidays = {date(2026, 12, 28), date(2026, 12, 29)}
    s = series("monthly_starter", first=saturday, closed={SAT, SUN}, holidays=holidays)
    assert days(s)[0] == date(2026, 12, 30)
    assert s.sessions[0].moved_from == date(2026, 12, 26)


def test_a_closed_weekday_never_shortens_a_weekly_interval() -> None:
    """Wednesday is closed: a Tuesday-first weekly series moves to Thursday once, then
    keeps a full week from the day it actually happened."""
    tuesday = datetime(2026, 1, 6, 9, 0, tzinfo=BERLIN)
    s = series("progressive_series", first=tuesday, closed={TUE})
    assert all(d.weekday() != TUE for d in days(s))
    assert min(gaps(s)) >= 7


def test_holidays_outside_the_series_change_nothing() -> None:
    assert days(series("monthly_starter", holidays={date(2025, 12, 25)})) == days(
        series("monthly_starter")
    )


# --- maintenance (S002) -------------------------------------------------------------------


@pytest.mark.parametrize("template", ["biweekly_series", "monthly_starter"])
def test_maintenance_windows_follow_the_last_session_as_the_template_says(template: str) -> None:
    """S002: maintenance 1-2 times a year (biweekly); every 3-6 months (monthly starter)."""
    schedule = LIBRARY.schedules[template]
    s = series(template)
    last = s.sessions[-1].starts_at.date()
    assert len(s.maintenance) == schedule.maintenance_windows >= 1
    first = s.maintenance[0]
    assert schedule.maintenance_from_days is not None
    assert schedule.maintenance_until_days is not None
    assert first.start == last + timedelta(days=schedule.maintenance_from_days)
    assert first.until == last + timedelta(days=schedule.maintenance_until_days)
    for window in s.maintenance:
        assert last < window.start <= window.until
    assert [w.start for w in s.maintenance] == sorted(w.start for w in s.maintenance)
    assert set(s.to_dict()["maintenance"][0]) == {"from", "until"}


def test_monthly_starter_maintenance_is_three_to_six_months_after_the_series() -> None:
    window = series("monthly_starter").maintenance[0]
    assert (window.start, window.until) == (date(2026, 6, 1), date(2026, 8, 31))


def test_biweekly_maintenance_is_half_a_year_to_a_year_after_the_series() -> None:
    window = series("biweekly_series").maintenance[0]
    last = date(2026, 3, 16)
    assert 180 <= (window.start - last).days <= 183
    assert 364 <= (window.until - last).days <= 366


def test_a_moved_last_session_moves_the_maintenance_window_too() -> None:
    plain = series("monthly_starter")
    moved = series("monthly_starter", holidays={date(2026, 3, 2)})
    assert moved.maintenance[0].start == plain.maintenance[0].start + timedelta(days=1)


# --- refused input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "count"),
    [
        ("biweekly_series", 5),
        ("biweekly_series", 9),
        ("monthly_starter", 2),
        ("monthly_starter", 4),
        ("progressive_series", 2),
        ("progressive_series", 16),
        ("progressive_series", 0),
    ],
)
def test_a_session_count_outside_the_template_is_refused(template: str, count: int) -> None:
    with pytest.raises(InputError) as caught:
        series(template, sessions=count)
    assert caught.value.field == "--sessions"


def test_closing_every_weekday_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        series("biweekly_series", closed=set(range(7)))
    assert caught.value.field == "--closed"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sat,sun", {SAT, SUN}),
        ("Saturday, Sunday", {SAT, SUN}),
        ("mon", {MON}),
        ("", set()),
        ("wed,wed", {WED}),
        ("tue,thu,fri", {TUE, THU, FRI}),
    ],
)
def test_closed_weekdays_are_read_by_name(text: str, expected: set[int]) -> None:
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize("text", ["funday", "sa", "satur", "1", "mon,tue,wed,thu,fri,sat,sun"])
def test_a_bad_closed_day_is_refused_naming_the_option(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_weekdays(text)
    assert caught.value.field == "--closed"


def test_holidays_are_read_as_dates() -> None:
    assert parse_holidays("2026-12-25, 2026-12-26") == {date(2026, 12, 25), date(2026, 12, 26)}


@pytest.mark.parametrize("text", ["2026-02-30", "25.12.2026", "christmas"])
def test_a_bad_holiday_is_refused_naming_the_option(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_holidays(text)
    assert caught.value.field == "--holidays"


def test_interval_after_follows_the_template_phases() -> None:
    progressive = LIBRARY.schedules["progressive_series"]
    assert [interval_after(progressive, n)[0] for n in range(1, 15)] == [7] * 4 + [14] * 4 + [
        28
    ] * 6


# --- properties -------------------------------------------------------------------------

TEMPLATES = sorted(LIBRARY.schedules)
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC"]


@st.composite
def plans(draw: st.DrawFn) -> tuple[str, int, datetime, frozenset[int], frozenset[date]]:
    template = draw(st.sampled_from(TEMPLATES))
    schedule = LIBRARY.schedules[template]
    count = draw(st.integers(schedule.min_sessions, schedule.max_sessions))
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    day = draw(st.dates(date(2026, 1, 1), date(2027, 12, 31)))
    wall = time(draw(st.integers(7, 19)), draw(st.sampled_from([0, 15, 30, 45])))
    first = datetime.combine(day, wall, tz)
    closed = draw(st.frozensets(st.integers(0, 6), max_size=6))
    span = sum(p.interval_days for p in schedule.phases) * 2 + 200
    holidays = draw(
        st.frozensets(st.dates(day, day + timedelta(days=min(span, 4000))), max_size=60)
    )
    return template, count, first, closed, holidays


@PROPERTY
@given(case=plans())
def test_under_any_closures_sessions_keep_the_minimum_interval_and_avoid_closed_days(
    case: tuple[str, int, datetime, frozenset[int], frozenset[date]],
) -> None:
    template, count, first, closed, holidays = case
    schedule = LIBRARY.schedules[template]
    s = series(template, first=first, sessions=count, closed=closed, holidays=holidays)
    assert len(s.sessions) == count
    assert [x.n for x in s.sessions] == list(range(1, count + 1))
    dates = days(s)
    assert dates[0] >= first.date()
    for d in dates:
        assert d.weekday() not in closed
        assert d not in holidays
    for n, gap in enumerate(gaps(s), start=1):
        _, minimum = interval_after(schedule, n)
        assert gap >= minimum, (n, gap, minimum)
    for session in s.sessions:
        assert session.starts_at.tzinfo is first.tzinfo
        moved = session.moved_from
        assert moved is None or moved < session.starts_at.date()
