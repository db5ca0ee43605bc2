"""Phone numbers: E.164, whether one takes text messages, a zone's country."""

from __future__ import annotations

import pytest

from mesodesk.core.phones import PhoneError, can_take_sms, countries, country_for_zone, shown
from mesodesk.core.phones import to_e164 as e164


def test_numbers_are_read_in_the_clinics_country_unless_they_carry_a_code() -> None:
    assert e164("030 1234567", "DE") == "+49301234567"
    assert e164("(030) 123-4567", "de") == "+49301234567"
    assert e164("+44 20 7946 0958", "DE") == "+442079460958"
    assert e164("0044 20 7946 0958", "DE") == "+442079460958"
    assert e164("+49 170 1234567", "") == "+491701234567"


@pytest.mark.parametrize(
    ("text", "country"), [("12", "DE"), ("call me", "DE"), ("030 1234567", ""), ("+49 1", "DE")]
)
def test_what_is_not_a_number_is_refused_with_an_example(text: str, country: str) -> None:
    with pytest.raises(PhoneError, match=r"not a valid phone number.*for example \+"):
        e164(text, country)


def test_only_mobiles_take_text_messages() -> None:
    assert can_take_sms("+491701234567")
    assert not can_take_sms("+49301234567")  # a Berlin landline
    assert can_take_sms(e164("(201) 555-0123", "US"))  # North America: may be a mobile
    assert not can_take_sms("")
    assert not can_take_sms("ask at the desk")


def test_a_zone_names_its_country() -> None:
    assert country_for_zone("Europe/Berlin") == "DE"
    assert country_for_zone("America/New_York") == "US"
    assert country_for_zone("UTC") == ""
    assert countries()["DE"] == "Germany"
    assert shown("+491701234567") == "+49 170 1234567"
