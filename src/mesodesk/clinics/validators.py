"""Validators for clinic fields."""

from __future__ import annotations

import functools
import re
import zoneinfo

from django.core.exceptions import ValidationError

from mesodesk.core.phones import countries

_LOCALE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
# A number as people write it: digits with spaces, dashes, dots, slashes or brackets, and
# maybe a leading +; at least six digits so it can be dialled.
_PHONE = re.compile(r"\+?[0-9 ()./-]+")


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as `Europe/Berlin`."""
    if value not in _time_zones():
        raise ValidationError(
            "%(value)s is not an IANA time zone name (such as Europe/Berlin).",
            code="invalid_time_zone",
            params={"value": value},
        )


def validate_phone(value: str) -> None:
    """A telephone number such as `+49 30 1234567` or `(030) 123-4567`."""
    if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < 6:
        raise ValidationError(
            "Give a telephone number such as +49 30 1234567.", code="invalid_phone"
        )


def validate_country(value: str) -> None:
    """An ISO 3166 alpha-2 country code that phone numbers are known for: `DE`, `GB`."""
    if value not in countries():
        raise ValidationError(
            "%(value)s is not a country code such as DE or GB.",
            code="invalid_country",
            params={"value": value},
        )


def validate_locale(value: str) -> None:
    """A language, optionally with a region: `en`, `de`, `pt-BR`."""
    if not _LOCALE.fullmatch(value):
        raise ValidationError(
            "%(value)s is not a locale such as en, de or pt-BR.",
            code="invalid_locale",
            params={"value": value},
        )


_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def validate_opening_hours(value: object) -> None:
    """{"0": [["09:00", "18:00"]], ..., "6": []}: weekday 0=Monday to open/close pairs."""
    if not isinstance(value, dict):
        raise ValidationError(
            "Opening hours must be an object of weekdays 0 to 6.", code="invalid_opening_hours"
        )
    expected = {str(d) for d in range(7)}
    if set(value) != expected:
        raise ValidationError(
            "Opening hours must name each weekday 0 (Monday) to 6 (Sunday) exactly once.",
            code="invalid_opening_hours",
        )
    for day in sorted(value):
        spans = value[day]
        if not isinstance(spans, list):
            raise ValidationError(
                "Weekday %(day)s: expected a list of [open, close] pairs.",
                code="invalid_opening_hours",
                params={"day": day},
            )
        previous_close = ""
        for span in spans:
            if (
                not isinstance(span, list | tuple)
                or len(span) != 2
                or not all(isinstance(t, str) and _HHMM.fullmatch(t) for t in span)
            ):
                raise ValidationError(
                    "Weekday %(day)s: %(span)r is not an [open, close] pair of HH:MM times.",
                    code="invalid_opening_hours",
                    params={"day": day, "span": span},
                )
            if span[0] >= span[1]:
                raise ValidationError(
                    "Weekday %(day)s: opening %(open)s is not before closing %(close)s.",
                    code="invalid_opening_hours",
                    params={"day": day, "open": span[0], "close": span[1]},
                )
            if previous_close and span[0] < previous_close:
                raise ValidationError(
                    "Weekday %(day)s: opening spans overlap or are out of order.",
                    code="invalid_opening_hours",
                    params={"day": day},
                )
            previous_close = span[1]


def validate_device_type(value: str) -> None:
    """A device type code of the protocol library, such as `meso_gun`."""
    from mesodesk.core.library import load_library

    known = load_library().device_types
    if value not in known:
        raise ValidationError(
            "%(value)s is not a device type of the protocol library (one of %(known)s).",
            code="invalid_device_type",
            params={"value": value, "known": ", ".join(sorted(known))},
        )
