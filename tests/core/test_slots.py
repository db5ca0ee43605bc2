"""Slot search in the core: every slot it offers is really free, inside the hours, in order."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from mesodesk.core.slots import Resource, SlotQuery, find_slots, shown_days

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 30, tzinfo=UTC)
HOURS = {day: [(time(9), time(18))] for day in range(5)} | {5: [(time(9), time(13))], 6: []}
FIFTY = timedelta(minutes=50)


def query(**changes: object) -> SlotQuery:
    base: dict[str, object] = {
        "zone": BERLIN,
        "duration": FIFTY,
        "window_start": MONDAY,
        "window_end": MONDAY + timedelta(days=14),
        "clinic_hours": HOURS,
        "practitioners": (Resource(id=1),),
        "rooms": (Resource(id=10),),
    }
    return SlotQuery(**(base | changes))  # type: ignore[arg-type]


def local(slot_start: datetime) -> datetime:
    return slot_start.astimezone(BERLIN)


def test_the_first_slot_is_when_the_clinic_opens() -> None:
    first = find_slots(query())[0]
    assert (local(first.start).time(), first.end - first.start) == (time(9), FIFTY)


def test_a_busy_practitioner_moves_the_first_slot_on() -> None:
    morning = (MONDAY + timedelta(hours=8), MONDAY + timedelta(hours=10))  # 09:00-11:00 Berlin
    slots = find_slots(query(practitioners=(Resource(id=1, busy=[morning]),)))
    assert local(slots[0].start).time() == time(11)


def test_a_needed_device_kind_must_be_free_too_and_none_means_no_slot() -> None:
    gun = Resource(id=20, kind="meso_gun")
    assert find_slots(query(devices=(gun,), device_kind="meso_gun"))[0].device == 20
    assert find_slots(query(devices=(gun,), device_kind="manual_needle_kit")) == []


def test_closures_and_not_before_are_respected() -> None:
    slots = find_slots(
        query(
            closures=frozenset({date(2026, 11, 30)}),
            not_before=MONDAY + timedelta(days=1, hours=12),
        )
    )
    assert local(slots[0].start) == datetime(2026, 12, 1, 13, 0, tzinfo=BERLIN)


def test_practitioner_hours_narrow_the_clinic_hours() -> None:
    afternoons = {day: [(time(14), time(18))] for day in range(5)}
    slots = find_slots(query(practitioners=(Resource(id=1, hours=afternoons),)))
    assert local(slots[0].start).time() == time(14)


intervals = st.lists(
    st.tuples(st.integers(0, 14 * 96), st.integers(1, 16)).map(
        lambda t: (
            MONDAY + timedelta(minutes=15 * t[0]),
            MONDAY + timedelta(minutes=15 * (t[0] + t[1])),
        )
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(
    practitioners=st.lists(intervals, min_size=1, max_size=3),
    rooms=st.lists(intervals, min_size=1, max_size=2),
    limit=st.integers(1, 30),
)
def test_every_offered_slot_is_free_inside_the_hours_and_in_time_order(
    practitioners: list[list[tuple[datetime, datetime]]],
    rooms: list[list[tuple[datetime, datetime]]],
    limit: int,
) -> None:
    people = tuple(Resource(id=i, busy=b) for i, b in enumerate(practitioners))
    spaces = tuple(Resource(id=100 + i, busy=b) for i, b in enumerate(rooms))
    slots = find_slots(query(practitioners=people, rooms=spaces, limit=limit))
    busy = {r.id: r.busy for r in (*people, *spaces)}
    assert len(slots) <= limit
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    for slot in slots:
        start, end = local(slot.start), local(slot.end)
        assert any(o <= start.time() and end.time() <= c for o, c in HOURS[start.weekday()])
        for resource in (slot.practitioner, slot.room):
            assert all(e <= slot.start or slot.end <= s for s, e in busy[resource])


def test_a_search_for_a_few_days_stops_after_the_days_with_times() -> None:
    closed_tuesday = query(closures=frozenset({date(2026, 12, 1)}), limit=1000, days_wanted=3)
    days = {local(s.start).date() for s in find_slots(closed_tuesday)}
    assert sorted(days) == [date(2026, 11, 30), date(2026, 12, 2), date(2026, 12, 3)]


def test_a_page_shows_the_first_days_each_with_a_few_half_hours() -> None:
    slots = find_slots(query(limit=1000, duration=timedelta(minutes=30)))
    shown = shown_days(slots, BERLIN, days=2, per_day=4)
    assert [day for day, _ in shown] == [date(2026, 11, 30), date(2026, 12, 1)]
    # More starts than fit: the half hours, from the first.
    assert [f"{start:%H:%M}" for _, start in shown[0][1]] == ["09:00", "09:30", "10:00", "10:30"]
    assert all(start == local(slot.start) for _, times in shown for slot, start in times)
    # A day with no half hour free keeps what it has.
    quarter = [s for s in slots if local(s.start).minute == 15][:3]
    kept = shown_days(quarter, BERLIN, days=5, per_day=2)
    assert [f"{t:%H:%M}" for _, t in kept[0][1]] == ["09:15", "10:15"]
