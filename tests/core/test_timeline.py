"""The timeline engine (DESIGN 7.4): a patient's dated instructions around one session.

Every rule of KNOWLEDGE.md sections 2, 4 and 5 has an example naming its seed. Preparation
counts calendar days in the clinic's zone; aftercare counts elapsed time from the session
end, so the DST examples pin both.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesodesk.core.formats.ics import timeline_to_ics
from mesodesk.core.formats.text import timeline_to_text
from mesodesk.core.inputs import Intake, Plan, parse_intake, parse_plan
from mesodesk.core.library import load_library
from mesodesk.core.library.model import Kind, Phase
from mesodesk.core.localtime import parse_wall_time
from mesodesk.core.timeline import Item, Timeline, build_timeline

LIBRARY = load_library()
RULES = {rule.code: rule for rule in LIBRARY.rules}

S000 = "000_2d6624a92658d99d.txt"
S001 = "001_3c2d91ce92eb16e8.txt"
S002 = "002_52dcbaaadde21bde.txt"
S003 = "003_46f49dfe08a145d3.txt"
S004 = "004_167141e34ff23d70.txt"

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

BASE: dict[str, Any] = {
    "birth_date": "1990-04-01",
    "sex": "female",
    "pregnant": False,
    "breastfeeding": False,
    "conditions": [],
    "medications": [],
    "allergies": [],
    "recent_procedures": [],
    "fitzpatrick": 3,
}
PLAN_DOC: dict[str, Any] = {
    "indication": "skin_rejuvenation",
    "areas": ["face", "neck"],
    "ingredients": ["hyaluronic_acid", "vitamin_c", "amino_acids", "lidocaine"],
    "technique": "manual_needle",
}

# An ordinary Wednesday in summer, far from any DST change: 14:00-14:30 CEST.
SESSION = datetime(2026, 6, 10, 14, 0, tzinfo=BERLIN)

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def med(name: str, prescribed: bool = False) -> dict[str, Any]:
    return {"name": name, "prescribed": prescribed}


def intake(**changes: Any) -> Intake:
    return parse_intake({**BASE, **changes}, LIBRARY)


def plan(**changes: Any) -> Plan:
    return parse_plan({**PLAN_DOC, **changes}, LIBRARY)


def timeline(
    the_intake: Intake | None = None,
    the_plan: Plan | None = None,
    *,
    start: datetime = SESSION,
    booked_at: datetime | None = None,
) -> Timeline:
    return build_timeline(
        the_intake or intake(), the_plan, start=start, library=LIBRARY, booked_at=booked_at
    )


def item(t: Timeline, code: str) -> Item:
    found = [i for i in t.items if i.code == code]
    assert len(found) == 1, f"{code}: {len(found)} items in {[i.code for i in t.items]}"
    return found[0]


def has(t: Timeline, code: str) -> bool:
    return any(i.code == code for i in t.items)


def iso(dt: datetime) -> str:
    return dt.isoformat()


def elapsed(a: datetime, b: datetime) -> timedelta:
    """Real time from a to b (aware datetimes in one zone subtract as wall clocks)."""
    return b.astimezone(UTC) - a.astimezone(UTC)


# --- preparation (KNOWLEDGE.md section 2) -----------------------------------------------

PREPARATION = [
    # code, lead in days, a seed it rests on, expected local start
    ("avoid_nsaids", 7, S002, "2026-06-03T00:00:00+02:00"),
    ("avoid_blood_thinning_supplements", 7, S002, "2026-06-03T00:00:00+02:00"),
    ("avoid_aha_peels", 28, S000, "2026-05-13T00:00:00+02:00"),
    ("avoid_retinoids", 7, S000, "2026-06-03T00:00:00+02:00"),
    ("avoid_vitamin_c_topicals", 7, S002, "2026-06-03T00:00:00+02:00"),
    ("avoid_alcohol", 2, S000, "2026-06-08T00:00:00+02:00"),
]


@pytest.mark.parametrize(
    ("code", "lead_days", "seed", "starts_at"), PREPARATION, ids=[p[0] for p in PREPARATION]
)
def test_a_preparation_item_starts_at_local_midnight_its_lead_days_before_the_session(
    code: str, lead_days: int, seed: str, starts_at: str
) -> None:
    """NSAIDs 7 days (S002 "at least one week", S003), supplements 7 days (S002), AHA and
    peels 28 days (S000 "four weeks"), retinoids and vitamin C 7 days (S000, S002 - the
    longest reading), alcohol 48 h (S000)."""
    found = item(timeline(), code)
    assert found.phase is Phase.PREP
    assert found.kind is Kind.AVOID
    assert RULES[code].lead_days == lead_days
    assert iso(found.starts_at) == starts_at
    assert found.ends_at == SESSION
    assert seed in found.sources


def test_the_nsaid_washout_shows_its_conflict_and_takes_the_longest_figure() -> None:
    """S000 2 days, S001 "a certain period", S002/S003 a week, S004 several days -> 7 days."""
    found = item(timeline(), "avoid_nsaids")
    assert found.conflict is not None
    values = found.to_dict()["conflict"]["values"]
    assert set(values) == {S000, S001, S002, S003, S004}
    assert values[S000] == "2 days"
    assert "7" in found.to_dict()["conflict"]["chosen"]


def test_consult_prescriber_appears_only_for_prescribed_medicines() -> None:
    """S000, S003, S004: consult your doctor about current medications (DESIGN principle 2)."""
    assert not has(timeline(), "consult_prescriber")
    assert not has(timeline(intake(medications=[med("Advil 200 mg")])), "consult_prescriber")
    found = item(timeline(intake(medications=[med("warfarin", True)])), "consult_prescriber")
    assert found.kind is Kind.DO
    assert found.matched == ("warfarin",)
    assert iso(found.starts_at) == "2026-05-27T00:00:00+02:00"
    assert S000 in found.sources


# --- the patient's own entries in `matched` ---------------------------------------------


def test_advil_is_named_under_the_nsaid_item() -> None:
    """S000: "aspirin or any anti-inflammatory medication such as Ibuprofen"."""
    t = timeline(intake(medications=[med("Advil 200 mg"), med("fish oil 1000mg")]))
    nsaids = item(t, "avoid_nsaids")
    assert nsaids.matched == ("Advil 200 mg",)
    assert "Advil 200 mg" in nsaids.text


def test_fish_oil_is_named_under_the_supplement_item() -> None:
    """S002: "fish oil, garlic, ginkgo ... vitamin E" at least one week before."""
    t = timeline(intake(medications=[med("Advil 200 mg"), med("fish oil 1000mg")]))
    supplements = item(t, "avoid_blood_thinning_supplements")
    assert supplements.matched == ("fish oil 1000mg",)
    assert "fish oil 1000mg" in supplements.text
    assert "fish oil 1000mg" in item(t, "no_nsaids_after").matched


def test_an_over_the_counter_retinol_is_named_under_the_retinoid_item() -> None:
    t = timeline(intake(medications=[med("retinol serum")]))
    assert item(t, "avoid_retinoids").matched == ("retinol serum",)


def test_a_recent_peel_is_named_under_the_aha_item() -> None:
    """S000: no chemical peel four weeks before."""
    t = timeline(intake(recent_procedures=[{"name": "glycolic peel", "date": "2026-05-20"}]))
    assert item(t, "avoid_aha_peels").matched == ("glycolic peel",)


def test_items_for_everyone_are_given_with_their_general_wording_when_nothing_matches() -> None:
    t = timeline()
    for rule in LIBRARY.rules:
        if rule.patient_visible and not rule.personal:
            found = item(t, rule.code)
            assert found.matched == ()
            assert found.text == rule.text


_NEGATED_STOP = re.compile(r"\b(do not|don't|never|not to|must not) stop\b")


def says_stop(text: str) -> bool:
    return "stop" in _NEGATED_STOP.sub("", text.lower().replace("’", "'"))


@pytest.mark.parametrize(
    "entry",
    [
        med("warfarin", True),
        med("Eliquis 5 mg", True),
        med("Advil 200 mg", True),
        med("Retin-A 0.05% cream", True),
        med("aspirin 81 mg", True),
        med("Lantus (insulin glargine) 20 units at night", True),
    ],
    ids=lambda m: m["name"],
)
def test_a_prescribed_drug_is_never_to_be_stopped_and_goes_to_consult_prescriber(
    entry: dict[str, Any],
) -> None:
    """DESIGN principle 2; S000 "consult your doctor ... if you can continue"."""
    name = entry["name"]
    t = timeline(intake(medications=[entry]))
    assert name in item(t, "consult_prescriber").matched
    for found in t.items:
        if found.kind is Kind.AVOID:
            assert name not in found.matched, f"{name} under {found.code}"
        if name in found.matched or name.lower() in found.text.lower():
            assert not says_stop(found.text), f"{found.code} tells to stop {name}: {found.text}"


# --- the day of the session -------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, False),
        ({"allergies": ["pollen"]}, True),
        ({"allergies": ["Xylocaine"]}, True),
        ({"conditions": ["atopy"]}, True),
        ({"conditions": ["keloid_tendency"]}, False),
    ],
    ids=["nothing", "pollen", "xylocaine", "atopy", "keloid"],
)
def test_the_patch_test_is_only_for_allergies_or_atopy_24_hours_before_seed_002(
    changes: dict[str, Any], expected: bool
) -> None:
    t = timeline(intake(**changes))
    assert has(t, "patch_test") is expected
    if expected:
        found = item(t, "patch_test")
        assert found.phase is Phase.DAY_OF
        assert iso(found.starts_at) == "2026-06-09T14:00:00+02:00"
        assert S002 in found.sources


def test_numbing_cream_goes_on_20_minutes_before_seeds_002_003_004() -> None:
    found = item(timeline(), "numbing_cream")
    assert iso(found.starts_at) == "2026-06-10T13:40:00+02:00"
    assert iso(found.ends_at) == "2026-06-10T14:00:00+02:00"
    assert {S002, S003, S004} <= set(found.sources)


def test_numbing_cream_names_an_anaesthetic_allergy() -> None:
    found = item(timeline(intake(allergies=["Xylocaine"])), "numbing_cream")
    assert found.matched == ("Xylocaine",)
    assert "Xylocaine" in found.text


# --- aftercare and watch (KNOWLEDGE.md sections 4 and 5) ---------------------------------

AFTER_END = "2026-06-10T14:30:00+02:00"
AFTERCARE = [
    # code, seed, expected local end: elapsed time from the session end at 14:30, then the
    # next whole hour (sensible_time), and 07:00 for an end in the small hours
    ("keep_area_dry", S000, "2026-06-11T07:00:00+02:00"),
    ("no_makeup", S002, "2026-06-11T07:00:00+02:00"),
    ("no_sauna_hot_tub", S000, "2026-06-12T15:00:00+02:00"),
    ("no_swimming", S000, "2026-06-15T15:00:00+02:00"),
    ("avoid_sun", S000, "2026-06-12T15:00:00+02:00"),
    ("sunscreen", S000, "2026-06-12T15:00:00+02:00"),
    ("no_tanning_bed", S000, "2026-06-12T15:00:00+02:00"),
    ("cold_compress", S000, "2026-06-11T00:00:00+02:00"),
    ("gentle_massage", S000, "2026-06-15T15:00:00+02:00"),
    ("no_strenuous_exercise", S002, "2026-06-12T15:00:00+02:00"),
    ("hydrate", S000, "2026-06-17T15:00:00+02:00"),
    ("avoid_alcohol_after", S002, "2026-06-12T15:00:00+02:00"),
    ("no_nsaids_after", S002, "2026-06-17T15:00:00+02:00"),
    ("no_tight_clothing", S002, "2026-06-12T15:00:00+02:00"),
    ("no_touching", S001, "2026-06-12T15:00:00+02:00"),
    ("plan_downtime", S000, "2026-06-11T15:00:00+02:00"),
    ("expected_redness_swelling", S000, "2026-06-13T15:00:00+02:00"),
    ("expected_bruising", S001, "2026-06-17T15:00:00+02:00"),
    ("expected_bumps_itching", S004, "2026-06-13T15:00:00+02:00"),
    # 29 weeks of elapsed time: the clocks go back in October, so 13:30 CET, then 14:00.
    ("red_flags", S000, "2026-12-30T14:00:00+01:00"),
]


@pytest.mark.parametrize(("code", "seed", "ends_at"), AFTERCARE, ids=[a[0] for a in AFTERCARE])
def test_an_aftercare_or_watch_item_runs_from_the_session_end_for_its_duration(
    code: str, seed: str, ends_at: str
) -> None:
    """keep_area_dry 15 h (S000 12 h vs S002 10-15 h), make-up 15 h (S002), sauna 48 h,
    swimming 5 days, sun 48 h, SPF 25, sunbed 48 h, cold compress hourly on day 0,
    massage 5 days, exercise 48 h, water for a week (S000); tight clothing (S002); touching
    (S001); red flags 29 weeks (literature, mycobacteria 1-29 weeks)."""
    found = item(timeline(), code)
    assert found.phase in {Phase.AFTERCARE, Phase.WATCH}
    assert iso(found.starts_at) == AFTER_END
    assert iso(found.ends_at) == ends_at
    assert seed in found.sources


def test_the_hot_bath_is_allowed_again_after_48_hours_seed_000() -> None:
    found = item(timeline(), "hot_bath_allowed")
    # 48 hours after 14:30, from the next whole hour: a point in time, not a window.
    assert iso(found.starts_at) == "2026-06-12T15:00:00+02:00"
    assert found.ends_at == found.starts_at
    assert S000 in found.sources


def test_red_flags_are_watched_for_29_weeks_of_elapsed_time() -> None:
    found = item(timeline(), "red_flags")
    assert found.kind is Kind.WARNING
    assert (
        timedelta(weeks=29)
        <= elapsed(found.starts_at, found.ends_at)
        < timedelta(weeks=29, hours=1)
    )


def test_sunscreen_and_water_carry_their_figures_seed_000() -> None:
    t = timeline()
    assert "SPF 25" in item(t, "sunscreen").value
    assert "1.9" in item(t, "hydrate").value
    assert "walk" in item(t, "no_strenuous_exercise").text


def test_the_cold_compress_repeats_hourly_for_15_minutes_until_the_end_of_the_local_day() -> None:
    """S000: "cold compress for 15 minutes every hour"; never ice directly on the site."""
    found = item(timeline(), "cold_compress")
    assert found.repeat is not None
    assert found.repeat.every == timedelta(hours=1)
    assert found.repeat.lasts == timedelta(minutes=15)
    assert iso(found.repeat.until) == "2026-06-11T00:00:00+02:00"
    assert found.to_dict()["repeat"]["freq"] == "hourly"
    assert "ice" in found.text.lower()


def test_a_session_ending_just_before_midnight_still_gets_one_cold_compress() -> None:
    found = item(timeline(start=datetime(2026, 6, 10, 23, 20, tzinfo=BERLIN)), "cold_compress")
    assert elapsed(found.starts_at, found.ends_at) >= timedelta(hours=1)


def test_massage_repeats_only_when_the_plan_approves_it_seed_000() -> None:
    """S000: massage 15-20 minutes daily for 3-5 days, only if the therapist approves."""
    without = item(timeline(the_plan=plan()), "gentle_massage")
    assert without.repeat is None
    assert "ask" in without.text.lower()
    assert item(timeline(), "gentle_massage").repeat is None
    approved = item(timeline(the_plan=plan(massage_approved=True)), "gentle_massage")
    assert approved.repeat is not None
    assert approved.repeat.every == timedelta(days=1)
    assert approved.repeat.lasts == timedelta(minutes=20)
    assert approved.repeat.count == 5
    assert approved.text != without.text


def test_keep_area_dry_shows_the_conflict_between_seeds_000_and_002() -> None:
    conflict = item(timeline(), "keep_area_dry").to_dict()["conflict"]
    assert conflict["values"] == {S000: "12 hours", S002: "10-15 hours"}
    assert conflict["chosen"] == "15 hours"


def test_items_without_a_conflict_say_so() -> None:
    assert item(timeline(), "no_makeup").to_dict()["conflict"] is None


def test_no_rejected_claim_and_no_diet_advice_reaches_the_patient() -> None:
    """DESIGN principle 3: "sweating out", toxins, detox diets, "no downtime", "FDA"."""
    t = timeline(intake(medications=[med("Advil")], allergies=["pollen"]))
    assert not has(t, "diet_advice_withheld")
    for found in t.items:
        text = found.text.lower()
        for claim in ("detox", "sweat", "toxin", "no downtime", "fda", "high-protein"):
            assert claim not in text, (found.code, claim)


# --- warnings ---------------------------------------------------------------------------


def peel_days_before(days: int) -> Intake:
    return intake(
        recent_procedures=[
            {"name": "glycolic peel", "date": (SESSION.date() - timedelta(days=days)).isoformat()}
        ]
    )


def test_a_glycolic_peel_18_days_before_gives_washout_too_short_with_the_earliest_start() -> None:
    """S000: four weeks. The peel's own day is exposure: earliest = peel date + 29 days, at
    the session's wall time."""
    t = timeline(peel_days_before(18))
    [warning] = t.warnings
    assert warning.code == "washout_too_short"
    assert warning.item == "avoid_aha_peels"
    assert warning.matched == ("glycolic peel",)
    peel = SESSION.date() - timedelta(days=18)
    expected = datetime.combine(peel + timedelta(days=29), time(14, 0), BERLIN)
    assert warning.earliest_start == expected
    assert warning.to_dict()["earliest_start"] == "2026-06-21T14:00:00+02:00"


@pytest.mark.parametrize(("days", "warned"), [(0, True), (28, True), (29, False), (60, False)])
def test_a_peel_warns_while_it_falls_inside_the_28_day_window(days: int, warned: bool) -> None:
    t = timeline(peel_days_before(days))
    assert bool(t.warnings) is warned
    if warned:
        peel = SESSION.date() - timedelta(days=days)
        assert t.warnings[0].earliest_start.date() == peel + timedelta(days=29)


def test_an_unrelated_recent_procedure_gives_no_warning() -> None:
    t = timeline(intake(recent_procedures=[{"name": "Botox", "date": "2026-06-05"}]))
    assert t.warnings == ()


def test_a_late_booking_of_an_advil_user_gives_washout_too_short() -> None:
    """Booked on 5 June for 10 June: a full week of no NSAIDs starts at midnight on 6 June."""
    t = timeline(
        intake(medications=[med("Advil 200 mg")]),
        booked_at=datetime(2026, 6, 5, 9, 0, tzinfo=BERLIN),
    )
    [warning] = t.warnings
    assert warning.code == "washout_too_short"
    assert warning.item == "avoid_nsaids"
    assert warning.matched == ("Advil 200 mg",)
    assert warning.to_dict()["earliest_start"] == "2026-06-13T14:00:00+02:00"


def test_a_booking_at_local_midnight_counts_that_day() -> None:
    t = timeline(
        intake(medications=[med("Advil 200 mg")]),
        booked_at=datetime(2026, 6, 5, 0, 0, tzinfo=BERLIN),
    )
    assert [iso(w.earliest_start) for w in t.warnings] == ["2026-06-12T14:00:00+02:00"]


def test_a_booking_in_good_time_gives_no_warning() -> None:
    t = timeline(
        intake(medications=[med("Advil 200 mg")]),
        booked_at=datetime(2026, 6, 2, 23, 59, tzinfo=BERLIN),
    )
    assert t.warnings == ()


@pytest.mark.parametrize(
    "entry",
    [med("aspirin 81 mg", True), med("warfarin", True), med("Advil 200 mg", True)],
    ids=lambda m: m["name"],
)
def test_a_late_booking_never_gives_a_prescribed_drug_a_washout(entry: dict[str, Any]) -> None:
    """DESIGN principle 2: only over-the-counter products and supplements get automatic stop
    dates. A washout_too_short naming a prescribed drug (with an "earliest safe start"
    counted from stopping it) is exactly such a stop date."""
    t = timeline(intake(medications=[entry]), booked_at=datetime(2026, 6, 8, 10, 0, tzinfo=BERLIN))
    washouts = [w.to_dict() for w in t.warnings if w.code == "washout_too_short"]
    assert not [w for w in washouts if entry["name"] in w["matched"]], washouts


def test_a_late_booking_for_someone_who_takes_nothing_gives_no_washout_warning() -> None:
    t = timeline(booked_at=datetime(2026, 6, 9, 9, 0, tzinfo=BERLIN))
    assert t.warnings == ()


def test_a_late_booking_for_a_patch_test_gives_patch_test_too_late() -> None:
    """S002: the patch test is 24 hours before; booked the same morning, it cannot be."""
    t = timeline(
        intake(allergies=["Xylocaine"]), booked_at=datetime(2026, 6, 10, 8, 0, tzinfo=BERLIN)
    )
    [warning] = [w for w in t.warnings if w.item == "patch_test"]
    assert warning.code == "patch_test_too_late"
    assert warning.to_dict()["earliest_start"] == "2026-06-11T14:00:00+02:00"


def test_patch_test_too_late_gives_a_start_that_really_leaves_24_hours_across_dst() -> None:
    """Session Sunday 29 March 2026 18:00 CEST; the patch test is due 24 real hours before,
    at 17:00 CET on Saturday. Booked at 17:30 CET on Saturday, the session itself cannot be
    the earliest start: the earliest must leave 24 hours after the booking."""
    booked = datetime(2026, 3, 28, 17, 30, tzinfo=BERLIN)
    t = timeline(
        intake(allergies=["pollen"]),
        start=datetime(2026, 3, 29, 18, 0, tzinfo=BERLIN),
        booked_at=booked,
    )
    [warning] = [w for w in t.warnings if w.code == "patch_test_too_late"]
    assert elapsed(booked, warning.earliest_start) >= timedelta(hours=24), iso(
        warning.earliest_start
    )


def test_the_warning_json_has_the_contract_fields() -> None:
    data = timeline(peel_days_before(3)).to_dict()["warnings"][0]
    assert {"code", "item", "earliest_start"} <= set(data)
    assert datetime.fromisoformat(data["earliest_start"]).tzinfo is not None


# --- daylight saving --------------------------------------------------------------------


def test_keep_area_dry_lasts_15_real_hours_across_the_spring_change_in_berlin() -> None:
    t = timeline(start=datetime(2026, 3, 28, 18, 0, tzinfo=BERLIN))
    assert iso(t.end) == "2026-03-28T18:30:00+01:00"
    found = item(t, "keep_area_dry")
    assert iso(found.starts_at) == "2026-03-28T18:30:00+01:00"
    # 15 real hours end at 10:30 summer time; the patient reads the next whole hour.
    assert iso(found.ends_at) == "2026-03-29T11:00:00+02:00"
    assert elapsed(found.starts_at, found.ends_at) == timedelta(hours=15, minutes=30)


def test_preparation_midnights_are_local_across_the_spring_change_in_berlin() -> None:
    t = timeline(start=datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN))
    assert iso(item(t, "avoid_nsaids").starts_at) == "2026-03-23T00:00:00+01:00"
    assert iso(item(t, "avoid_alcohol").starts_at) == "2026-03-28T00:00:00+01:00"
    assert iso(item(t, "avoid_aha_peels").starts_at) == "2026-03-02T00:00:00+01:00"


def test_the_cold_compress_ends_at_local_midnight_on_the_night_of_the_change() -> None:
    found = item(timeline(start=datetime(2026, 3, 28, 18, 0, tzinfo=BERLIN)), "cold_compress")
    assert iso(found.ends_at) == "2026-03-29T00:00:00+01:00"


def test_keep_area_dry_lasts_15_real_hours_across_the_autumn_change_in_new_york() -> None:
    t = timeline(start=datetime(2026, 10, 31, 20, 0, tzinfo=NEW_YORK))
    found = item(t, "keep_area_dry")
    assert iso(found.starts_at) == "2026-10-31T20:30:00-04:00"
    assert iso(found.ends_at) == "2026-11-01T11:00:00-05:00"
    assert elapsed(found.starts_at, found.ends_at) == timedelta(hours=15, minutes=30)


def test_preparation_midnights_are_local_across_the_autumn_change_in_new_york() -> None:
    t = timeline(start=datetime(2026, 11, 3, 9, 0, tzinfo=NEW_YORK))
    assert iso(item(t, "avoid_nsaids").starts_at) == "2026-10-27T00:00:00-04:00"
    assert iso(item(t, "avoid_alcohol").starts_at) == "2026-11-01T00:00:00-04:00"
    assert iso(item(t, "avoid_nsaids").ends_at) == "2026-11-03T09:00:00-05:00"


def test_a_session_in_the_repeated_hour_keeps_the_offset_it_was_given() -> None:
    start = parse_wall_time("2026-10-25T02:30+01:00", BERLIN, "--start")
    t = timeline(start=start)
    assert iso(t.start) == "2026-10-25T02:30:00+01:00"
    assert iso(t.end) == "2026-10-25T03:00:00+01:00"


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (datetime(2026, 3, 28, 18, 0, tzinfo=BERLIN), "until Sun 29 Mar 2026, 11:00"),
        (datetime(2026, 10, 31, 20, 0, tzinfo=NEW_YORK), "until Sun 1 Nov 2026, 11:00"),
    ],
    ids=["berlin-spring", "new-york-autumn"],
)
def test_the_printable_sheet_says_15_hours_for_keep_area_dry_across_a_dst_change(
    start: datetime, expected: str
) -> None:
    sheet = timeline_to_text(timeline(start=start))
    block = sheet.split("Keep the treated area dry", 1)[1].splitlines()[1].strip()
    assert block == f"For 15 hours: {expected}"


def test_the_printable_sheet_says_29_weeks_for_the_red_flags_of_a_summer_session() -> None:
    """The window crosses October's change: 29 weeks of elapsed time, not "4871 hours"."""
    sheet = timeline_to_text(timeline())
    block = sheet.split("When to contact the clinic", 1)[1].splitlines()[1].strip()
    assert block.startswith("For 29 weeks: until Wed 30 Dec 2026"), block


def test_the_printable_sheet_names_a_warning_in_words_not_by_its_code() -> None:
    """A patient reads the sheet: "avoid_aha_peels" is not plain wording (DESIGN 2.3)."""
    t = timeline(peel_days_before(18))
    sheet = timeline_to_text(t)
    assert "avoid_aha_peels" not in sheet
    assert item(t, "avoid_aha_peels").label in sheet.split("Before your session")[0]


# --- calendar export, in process ----------------------------------------------------------


def _events(ics: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))


def test_an_ics_session_in_the_repeated_hour_keeps_its_instant() -> None:
    """RFC 5545 3.3.5: a local time that occurs twice means the first occurrence, so a
    session at 02:30 CET (the second 02:30) must not be written as a bare local 02:30."""
    start = parse_wall_time("2026-10-25T02:30+01:00", BERLIN, "--start")
    t = timeline(start=start)
    session = _events(timeline_to_ics(t))[0]
    assert session.decoded("dtstart").astimezone(UTC) == start.astimezone(UTC)


def _occurrences(event: icalendar.Event) -> list[datetime]:
    """The starts of an HOURLY/DAILY event with UNTIL or COUNT (UNTIL is inclusive)."""
    rule = event["RRULE"]
    step = timedelta(hours=1) if rule["FREQ"] == ["HOURLY"] else timedelta(days=1)
    first = event.decoded("dtstart").astimezone(UTC)
    if "COUNT" in rule:
        return [first + k * step for k in range(rule["COUNT"][0])]
    until = rule["UNTIL"][0].astimezone(UTC)
    out = []
    while first + len(out) * step <= until:
        out.append(first + len(out) * step)
    return out


@pytest.mark.parametrize("minute", [0, 20, 30])
def test_ics_cold_compress_occurrences_stay_within_the_day_of_the_session(minute: int) -> None:
    """The session ends at 14:00, 14:20 or 14:30; every 15-minute compress starts before
    local midnight (RRULE UNTIL is inclusive, RFC 5545 3.3.10)."""
    t = timeline(start=datetime(2026, 6, 10, 13, minute, tzinfo=BERLIN))
    found = item(t, "cold_compress")
    [event] = [e for e in _events(timeline_to_ics(t)) if str(e["SUMMARY"]) == found.label]
    starts = _occurrences(event)
    assert starts[0] == found.starts_at.astimezone(UTC)
    assert all(s < found.ends_at.astimezone(UTC) for s in starts), [
        iso(s.astimezone(BERLIN)) for s in starts[-2:]
    ]


def test_every_ics_event_starts_when_its_item_starts() -> None:
    t = timeline(intake(allergies=["pollen"], medications=[med("warfarin", True)]))
    events = _events(timeline_to_ics(t))
    assert len(events) == len(t.items) + 1
    # The session first, then one event per item in the timeline's order.
    for found, event in zip(t.items, events[1:], strict=True):
        assert str(event["SUMMARY"]) == found.label
        assert event.decoded("dtstart").astimezone(UTC) == found.starts_at.astimezone(UTC)
        # A patient's calendar names sources by their titles, not the seeds' file names.
        description = str(event["DESCRIPTION"])
        assert ".txt" not in description
        assert found.source_titles[0] in description


# --- properties -------------------------------------------------------------------------

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Santiago",
    "America/Havana",  # its clocks change at midnight: midnight is skipped, then repeated
    "UTC",
]
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2027, 12, 31)


def _change_days() -> list[date]:
    """Every day of 2026-2027 on which some zone of ZONES changes its UTC offset."""
    days = set()
    for name in ZONES:
        tz = ZoneInfo(name)
        day = FIRST_DAY
        while day < LAST_DAY:
            noon = datetime.combine(day, time(12), tz).utcoffset()
            if noon != datetime.combine(day + timedelta(days=1), time(12), tz).utcoffset():
                days.update({day, day + timedelta(days=1)})
            day += timedelta(days=1)
    return sorted(days)


CHANGE_DAYS = _change_days()

session_days = st.one_of(
    st.dates(FIRST_DAY, LAST_DAY),
    st.tuples(st.sampled_from(CHANGE_DAYS), st.integers(-30, 30)).map(
        lambda pair: pair[0] + timedelta(days=pair[1])
    ),
)
wall_times = st.builds(
    time, st.integers(0, 23), st.sampled_from([0, 15, 20, 30, 45, 59]), st.just(0)
)


@st.composite
def starts(draw: st.DrawFn) -> datetime:
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    naive = datetime.combine(draw(session_days), draw(wall_times))
    fold = draw(st.sampled_from([0, 1]))
    # Any real instant: a wall time in a gap is normalised forward.
    return naive.replace(tzinfo=tz, fold=fold).astimezone(UTC).astimezone(tz)


@st.composite
def intakes(draw: st.DrawFn, start: datetime) -> Intake:
    peel = draw(st.one_of(st.none(), st.integers(0, 40)))
    procedures = []
    if peel is not None:
        when = start.date() - timedelta(days=peel)
        procedures = [{"name": "glycolic peel", "date": when.isoformat()}]
    return parse_intake(
        {
            **BASE,
            "conditions": draw(st.sampled_from([[], ["atopy"]])),
            "allergies": draw(st.sampled_from([[], ["Xylocaine"]])),
            "medications": draw(
                st.sampled_from(
                    [
                        [],
                        [med("Advil 200 mg"), med("fish oil 1000mg")],
                        [med("warfarin", True), med("Retin-A 0.05% cream", True)],
                    ]
                )
            ),
            "recent_procedures": procedures,
        },
        LIBRARY,
    )


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    start = draw(starts())
    the_intake = draw(intakes(start))
    the_plan = draw(st.sampled_from([None, plan(), plan(massage_approved=True)]))
    booked = draw(st.one_of(st.none(), st.integers(0, 40 * 24)))
    booked_at = None if booked is None else start - timedelta(hours=booked)
    return timeline(the_intake, the_plan, start=start, booked_at=booked_at)


# 00:00:01 rounds to 01:00, then to 07:00: the longest an end can move, plus the hour the
# clocks go back on an autumn night.
LATEST_SHIFT = timedelta(hours=8)


def _sensible(moment: datetime) -> bool:
    """On a whole hour, and not in the small hours (01:00-06:59)."""
    return moment.minute == moment.second == 0 and not 0 < moment.hour < 7


def _first_instant(day: date, tz: ZoneInfo, found: datetime) -> bool:
    local = found.astimezone(tz)
    before = (found.astimezone(UTC) - timedelta(microseconds=1)).astimezone(tz)
    return local.date() == day and before.date() == day - timedelta(days=1)


@PROPERTY
@given(t=timelines())
def test_every_window_lasts_its_library_duration_in_elapsed_time(t: Timeline) -> None:
    end = t.end.astimezone(UTC)
    start = t.start.astimezone(UTC)
    assert end - start == timedelta(minutes=LIBRARY.session.duration_minutes)
    for found in t.items:
        rule = RULES[found.code]
        begin, finish = found.starts_at.astimezone(UTC), found.ends_at.astimezone(UTC)
        if found.phase in {Phase.AFTERCARE, Phase.WATCH}:
            # Never earlier than the figure, at most to the next whole hour or 07:00.
            assert end + rule.after <= begin <= end + rule.after + LATEST_SHIFT, found.code
            if rule.lasts:
                assert begin + rule.lasts <= finish, found.code
                assert finish <= begin + rule.lasts + LATEST_SHIFT, found.code
                assert _sensible(found.ends_at), found.code
            elif rule.lasts is not None:
                assert finish == begin, found.code
            else:
                assert finish - begin >= timedelta(hours=1), found.code
                assert finish - begin <= timedelta(hours=26), found.code
        elif found.phase is Phase.DAY_OF:
            assert rule.before is not None
            assert begin == start - rule.before, found.code


@PROPERTY
@given(t=timelines())
def test_prep_items_start_at_the_first_instant_of_the_day_lead_days_before(t: Timeline) -> None:
    session_day = t.start.date()
    for found in t.items:
        if found.phase is not Phase.PREP:
            continue
        lead = RULES[found.code].lead_days
        assert lead is not None
        day = session_day - timedelta(days=lead)
        assert _first_instant(day, t.zone, found.starts_at), (found.code, iso(found.starts_at))
        assert found.ends_at == t.start


@PROPERTY
@given(t=timelines())
def test_every_item_cites_a_source_and_items_are_sorted_by_phase_then_start(
    t: Timeline,
) -> None:
    order = {Phase.PREP: 0, Phase.DAY_OF: 1, Phase.AFTERCARE: 2, Phase.WATCH: 3}
    labels = {s.label for s in LIBRARY.sources.values()}
    keys = []
    for found in t.items:
        assert found.sources, found.code
        assert set(found.sources) <= labels
        assert found.text.strip()
        keys.append((order[found.phase], found.starts_at.astimezone(UTC)))
    assert keys == sorted(keys)
    for warning in t.warnings:
        assert warning.earliest_start > t.start, warning


@st.composite
def bookings(draw: st.DrawFn) -> tuple[Timeline, Intake, datetime]:
    start = draw(starts())
    the_intake = draw(intakes(start))
    booked_at = start - timedelta(minutes=draw(st.integers(1, 40 * 24 * 60)))
    return timeline(the_intake, start=start, booked_at=booked_at), the_intake, booked_at


@PROPERTY
@given(case=bookings())
def test_a_washout_warning_names_a_start_that_leaves_the_full_window(
    case: tuple[Timeline, Intake, datetime],
) -> None:
    """At the earliest start it names, the item's window opens after the peel day and
    after the booking, and the session keeps its wall time."""
    t, the_intake, booked_at = case
    for warning in t.warnings:
        earliest = warning.earliest_start
        assert earliest > t.start
        if warning.code != "washout_too_short":
            continue
        lead = RULES[warning.item].lead_days
        assert lead is not None
        opens = earliest.date() - timedelta(days=lead)
        if warning.reason == "recent_procedure":
            assert all(p.date < opens for p in the_intake.recent_procedures)
        else:
            first_instant = datetime.combine(opens, time(), t.zone)
            assert first_instant.astimezone(UTC) >= booked_at.astimezone(UTC) - timedelta(hours=1)


# --- What the items say about the patient's own entries ------------------------------------


def test_several_prescribed_medicines_are_them_not_it() -> None:
    t = timeline(intake(medications=[med("warfarin", True), med("Plavix 75mg", True)]))
    text = item(t, "consult_prescriber").text
    assert text.startswith("You take warfarin and Plavix 75mg.")
    assert "any of them" in text
    assert " it " not in text
    single = item(timeline(intake(medications=[med("warfarin", True)])), "consult_prescriber")
    assert "Do not stop or change it on your own" in single.text


@pytest.mark.parametrize("name", ["aspirin", "Aspirin 300mg", "Bayer"])
def test_plain_aspirin_gets_no_stop_date_but_the_prescriber_question(name: str) -> None:
    t = timeline(intake(medications=[med(name)]))
    assert item(t, "consult_prescriber").matched == (name,)
    assert item(t, "avoid_nsaids").matched == ()


def test_a_supplement_no_source_names_is_shown_to_staff_as_the_clinics_addition() -> None:
    t = timeline(intake(medications=[med("turmeric capsules"), med("fish oil")]))
    supplements = item(t, "avoid_blood_thinning_supplements")
    assert supplements.matched == ("turmeric capsules", "fish oil")
    assert supplements.additions == ("turmeric (curcumin)",)
    assert supplements.to_dict()["additions"] == ["turmeric (curcumin)"]
    only_named = item(
        timeline(intake(medications=[med("fish oil")])), "avoid_blood_thinning_supplements"
    )
    assert only_named.additions == ()


def test_a_figure_no_source_gives_is_flagged_as_clinic_defined_in_the_item() -> None:
    t = timeline()
    assert item(t, "avoid_alcohol_after").clinic_defined is True
    assert item(t, "avoid_alcohol_after").to_dict()["clinic_defined"] is True
    assert item(t, "keep_area_dry").clinic_defined is False


def test_an_aftercare_end_in_the_small_hours_moves_to_seven_in_the_morning() -> None:
    """The demo's session ended at 12:20: 15 hours end at 03:20, which nobody acts on."""
    t = timeline(start=datetime(2026, 12, 22, 11, 50, tzinfo=BERLIN))
    assert iso(t.end) == "2026-12-22T12:20:00+01:00"
    assert iso(item(t, "keep_area_dry").ends_at) == "2026-12-23T07:00:00+01:00"
    # Later than the figure, never earlier; 48 hours end on the next whole hour.
    assert iso(item(t, "avoid_sun").ends_at) == "2026-12-24T13:00:00+01:00"
    assert iso(item(t, "hot_bath_allowed").starts_at) == "2026-12-24T13:00:00+01:00"
