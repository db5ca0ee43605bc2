"""The time zones people choose from: canonical places, no aliases."""

from __future__ import annotations

from mesodesk.core.localtime import canonical_zones, grouped_zones


def test_the_zones_offered_are_canonical_places_and_utc() -> None:
    zones = canonical_zones()
    assert {"Europe/Berlin", "Europe/Oslo", "America/New_York", "UTC"} <= set(zones)
    assert not {"Factory", "W-SU", "US/Eastern", "Etc/GMT+5", "GB", "EST5EDT"} & set(zones)
    assert 400 < len(zones) < 480


def test_they_are_grouped_by_region_with_utc_last_and_a_zone_saved_before_kept() -> None:
    groups = grouped_zones()
    assert groups[-1] == ("Other", [("UTC", "UTC")])
    assert ("America/New_York", "America/New York") in dict(groups)["America"]
    assert ("US/Eastern", "US/Eastern") in dict(grouped_zones("US/Eastern"))["US"]
    assert "Mars" not in dict(grouped_zones("Mars/Base"))
