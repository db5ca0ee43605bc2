"""Wall-clock times in a clinic's zone, with daylight-saving gaps and folds made explicit.

Arithmetic on elapsed time is done in UTC; calendar arithmetic ("midnight 7 days before")
is done on dates and turned into an instant here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from mesodesk.core.bounds import check_date
from mesodesk.core.errors import InputError

# The longest IANA zone name is 32 characters (America/Argentina/ComodRivadavia).
_LONGEST_ZONE = 64


def zone(name: str, field: str = "tz") -> ZoneInfo:
    """The IANA zone called `name`; an unknown name is an `InputError` on `field`."""
    if (
        not isinstance(name, str)
        or not name
        or len(name) > _LONGEST_ZONE
        or name.startswith(("/", "."))
        or ".." in name
    ):
        raise InputError(field, f"unknown time zone {_short(name)}")
    try:
        return ZoneInfo(name)
    # OSError: a name the file system refuses (a NUL byte, a component too long).
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InputError(field, f"unknown time zone {_short(name)}") from None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@cache
def canonical_zones() -> tuple[str, ...]:
    """The zones a person chooses from: one per place in tzdata's `zone.tab` ("Europe/Oslo",
    "America/New_York"), and UTC; never an alias or a legacy name ("W-SU", "US/Eastern",
    "Factory", "Etc/GMT+5"), which remain valid but are not offered."""
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    named = {
        line.split("\t")[2]
        for line in table.splitlines()
        if line and not line.startswith("#") and line.count("\t") >= 2
    }
    return tuple(sorted((named | {"UTC"}) & available_timezones()))


def grouped_zones(current: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """The canonical zones grouped by region, named without underscores ("America/New York"),
    UTC last; `current` is kept (under "Other") if it is valid but not canonical, so a
    zone saved before stays selectable."""
    regions: dict[str, list[tuple[str, str]]] = {}
    names = list(canonical_zones())
    if current and current not in names and current in available_timezones():
        names.append(current)
    for name in names:
        region, slash, _ = name.partition("/")
        regions.setdefault(region if slash else "Other", []).append((name, name.replace("_", " ")))
    other = regions.pop("Other", [])
    return [*sorted(regions.items()), ("Other", other)]


def gap_or_fold(naive: datetime, tz: ZoneInfo) -> str | None:
    """ "gap" if the wall time does not exist in `tz`, "fold" if it happens twice, else None."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return "gap" if back != naive else "fold"


def forward(naive: datetime, tz: ZoneInfo) -> datetime:
    """The instant of a wall time; a time in a spring-forward gap moves on by the gap,
    and a repeated time takes its first occurrence. For calendar rules, where "local
    midnight" of a day must always mean some instant."""
    first = naive.replace(tzinfo=tz, fold=0)
    return first.astimezone(UTC).astimezone(tz)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The start of `day` in `tz` (01:00 where a DST change skips midnight)."""
    return forward(datetime.combine(day, time()), tz)


def parse_wall_time(text: str, tz: ZoneInfo, field: str) -> datetime:
    """`text` as local wall time in `tz` ("2026-03-28T18:00").

    A time that does not exist (spring forward) or happens twice (fall back) is refused,
    unless it carries a UTC offset that says which of the two is meant.
    """
    if not isinstance(text, str):
        raise InputError(field, f"expected a local date and time, got {text!r}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            field, f"not a valid date and time (YYYY-MM-DDTHH:MM): {_short(text)}"
        ) from None
    check_date(parsed, field)
    if parsed.tzinfo is not None:
        offset = parsed.utcoffset()
        naive = parsed.replace(tzinfo=None)
        for fold in (0, 1):
            candidate = naive.replace(tzinfo=tz, fold=fold)
            if candidate.utcoffset() == offset and gap_or_fold(naive, tz) != "gap":
                return candidate
        raise InputError(field, f"{text} is not a time that exists in {tz.key} with that offset")
    problem = gap_or_fold(parsed, tz)
    if problem == "gap":
        raise InputError(
            field, f"{text} does not exist in {tz.key} (clocks spring forward); pick another time"
        )
    if problem == "fold":
        raise InputError(
            field,
            f"{text} happens twice in {tz.key} (clocks fall back); add the UTC offset to say which",
        )
    return parsed.replace(tzinfo=tz)


def zone_label(tz: ZoneInfo) -> str:
    """How a person names a zone's time: "Berlin time" for Europe/Berlin, "UTC"."""
    key = tz.key
    if "/" not in key:
        return key
    return key.rsplit("/", 1)[1].replace("_", " ") + " time"


def differs(instant: datetime, tz: ZoneInfo, other: ZoneInfo) -> bool:
    """Whether a clock in `other` shows another time than one in `tz` at `instant` (Paris
    and Berlin never do; London and Berlin always do)."""
    return instant.astimezone(tz).utcoffset() != instant.astimezone(other).utcoffset()
