"""Validators for clinic fields."""

from __future__ import annotations

import functools
import re
import zoneinfo

from django.core.exceptions import ValidationError

_LOCALE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")


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


def validate_locale(value: str) -> None:
    """A language, optionally with a region: `en`, `de`, `pt-BR`."""
    if not _LOCALE.fullmatch(value):
        raise ValidationError(
            "%(value)s is not a locale such as en, de or pt-BR.",
            code="invalid_locale",
            params={"value": value},
        )
