"""The range of dates and ids mesodesk handles, checked where input comes in."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mesodesk.core.bounds import MAX_ID, check_date, check_id
from mesodesk.core.errors import InputError


@pytest.mark.parametrize("day", [date(1900, 1, 1), date(2026, 3, 28), date(2999, 12, 31)])
def test_dates_from_1900_to_2999_pass_unchanged(day: date) -> None:
    assert check_date(day, "start") is day


@pytest.mark.parametrize(
    "value",
    [date(1, 1, 1), date(1899, 12, 31), date(3000, 1, 1), datetime(9999, 12, 31, 23, tzinfo=UTC)],
)
def test_dates_and_times_out_of_range_name_the_field(value: date) -> None:
    with pytest.raises(InputError, match=r"^start: .* is out of range"):
        check_date(value, "start")


@pytest.mark.parametrize("value", [0, -1, MAX_ID + 1, 10**20, True])
def test_an_id_must_be_a_positive_64_bit_integer(value: int) -> None:
    with pytest.raises(InputError, match=r"^room_id: not an id"):
        check_id(value, "room_id")


def test_the_largest_id_passes() -> None:
    assert check_id(MAX_ID, "room_id") == MAX_ID
