"""Fixtures of the accounts tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

# A moment well inside a 30-second TOTP step, so a code computed now is still valid when
# the request that carries it arrives.
START = datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Stopped time at START; `clock.shift(seconds)` moves it on."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller
