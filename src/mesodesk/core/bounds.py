"""The range of dates, times and ids mesodesk handles, checked once where input comes in
(forms, API schemas, CLI options and documents) so that nothing out of range reaches
the scheduling rules: their arithmetic (a series, a washout, a time zone) overflows
Python's dates near year 9999, and an id past 64 bits overflows the database's integer.
"""

from __future__ import annotations

from datetime import date, datetime

from mesodesk.core.errors import InputError

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
# Ids are 64-bit signed integers on SQLite and PostgreSQL alike.
MAX_ID = 2**63 - 1

RANGE = f"from {EARLIEST.year} to {LATEST.year}"


def check_date[When: date](value: When, field: str) -> When:
    """`value` (a date or a datetime) if its year is in range, else an `InputError`."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise InputError(field, f"{day.isoformat()} is out of range (years {RANGE})")
    return value


def check_id(value: int, field: str) -> int:
    """`value` if it can be an id (a positive 64-bit integer), else an `InputError`."""
    if isinstance(value, bool) or not 1 <= value <= MAX_ID:
        raise InputError(field, f"not an id (a whole number from 1 to {MAX_ID})")
    return value
