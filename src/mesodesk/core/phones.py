"""Telephone numbers: read as people write them, kept in E.164, and whether one can take
text messages. Built on `phonenumbers` (Google's libphonenumber data); no Django here.

A number written without a country code ("030 1234567") is read as a number of the
clinic's country; one with a code ("+44 20 7946 0958", "0044 …") keeps its own.
"""

from __future__ import annotations

import functools
from importlib import resources

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# The number types a text message reaches. Where a plan cannot tell mobile and fixed
# lines apart (the United States, Canada) the number may be either; refusing those would
# refuse every North American mobile.
_SMS_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


class PhoneError(ValueError):
    """A number that cannot be read, or is not a valid number of any country."""


def to_e164(text: str, country: str) -> str:
    """`text` in E.164 (`+493012345678`); PhoneError in plain words if it is not a valid
    number. `country` (ISO 3166 alpha-2, "DE") is where a number without a code is from."""
    try:
        number = phonenumbers.parse(text.strip(), (country or "").upper() or None)
    except NumberParseException:
        raise PhoneError(_hint(country)) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(_hint(country))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _hint(country: str) -> str:
    example = phonenumbers.example_number_for_type(
        (country or "DE").upper(), PhoneNumberType.MOBILE
    )
    shown = (
        phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
        if example is not None
        else "+49 1512 3456789"
    )
    return f"This is not a valid phone number. Write it with the country code, for example {shown}."


def can_take_sms(e164: str) -> bool:
    """Whether the number is valid and of a type that receives text messages (a mobile)."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and (phonenumbers.number_type(number) in _SMS_TYPES)


def shown(e164: str) -> str:
    """The number as people read it (`+49 30 12345678`); anything unreadable as it is."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def _tab(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@functools.cache
def countries() -> dict[str, str]:
    """ISO 3166 alpha-2 code to country name, of the countries phonenumbers knows, by name
    (the IANA time-zone database's iso3166.tab, shipped with tzdata)."""
    known = phonenumbers.SUPPORTED_REGIONS
    names = {row[0]: row[1] for row in _tab("iso3166.tab") if len(row) >= 2 and row[0] in known}
    return dict(sorted(names.items(), key=lambda item: item[1]))


@functools.cache
def _zone_countries() -> dict[str, str]:
    return {row[2]: row[0] for row in _tab("zone.tab") if len(row) >= 3}


def country_for_zone(zone: str) -> str:
    """The country of an IANA time zone (`Europe/Berlin` → "DE"); "" for a zone of no one
    country (UTC, `Etc/…`)."""
    return _zone_countries().get(zone, "")
