"""The shipped protocol library holds every line of KNOWLEDGE.md, with its figure and sources.

Each section of `../shared/KNOWLEDGE.md` has its tests below, in order; a failure names the
entry and what it lacks. Seeds are named by id as KNOWLEDGE.md names them (S000-S004).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mesodesk.core.library import Library, load_library
from mesodesk.core.library.model import (
    Contraindication,
    Fact,
    Kind,
    Phase,
    Prescribed,
    RedFlag,
    Rejected,
    Rule,
    Severity,
    SideEffect,
)

SEED_FILES = {
    "S000": "000_2d6624a92658d99d.txt",
    "S001": "001_3c2d91ce92eb16e8.txt",
    "S002": "002_52dcbaaadde21bde.txt",
    "S003": "003_46f49dfe08a145d3.txt",
    "S004": "004_167141e34ff23d70.txt",
}
ALL_SEEDS = frozenset(SEED_FILES)
END_OF_DAY = "until the end of the day"

HOURS = timedelta(hours=1)
DAYS = timedelta(days=1)


def library() -> Library:
    return load_library()  # read once per process


def cited(item: Any) -> set[str]:
    return {citation.source for citation in item.sources}


def assert_cites(item: Any, expected: set[str] | frozenset[str]) -> None:
    missing = set(expected) - cited(item)
    assert not missing, (
        f"{type(item).__name__} {item.code!r} does not cite {sorted(missing)}"
        f" (it cites {sorted(cited(item))})"
    )


def assert_cites_only_literature(item: Any) -> None:
    kinds = {library().sources[source].kind for source in cited(item)}
    assert kinds == {"literature"}, f"{item.code!r} should rest on literature, cites {kinds}"


def _one[T](items: tuple[T, ...], code: str, what: str) -> T:
    found = [item for item in items if item.code == code]  # type: ignore[attr-defined]
    assert found, f"the library has no {what} {code!r}"
    return found[0]


def rule(code: str) -> Rule:
    return _one(library().rules, code, "timeline rule")


def contraindication(code: str) -> Contraindication:
    return _one(library().contraindications, code, "contraindication")


def fact(code: str) -> Fact:
    return _one(library().facts, code, "fact")


def rejected(code: str) -> Rejected:
    return _one(library().rejected, code, "rejected claim")


def side_effect(code: str) -> SideEffect:
    return _one(library().side_effects, code, "side effect")


def red_flag(code: str) -> RedFlag:
    return _one(library().red_flags, code, "red flag")


def conflict_of(item: Any) -> dict[str, str]:
    name = getattr(item, "code", "session")
    assert item.conflict is not None, f"{name!r} records no conflict between its sources"
    return dict(item.conflict.values)


def assert_conflict(item: Any, values: dict[str, str], chosen: str) -> None:
    """The conflict lists each source with (a fragment of) its value, and the default."""
    name = getattr(item, "code", "session")
    recorded = conflict_of(item)
    for source, fragment in values.items():
        assert source in recorded, f"{name!r}: conflict has no value from {source}"
        assert fragment.lower() in recorded[source].lower(), (
            f"{name!r}: conflict gives {source} as {recorded[source]!r}, expected {fragment!r}"
        )
    assert chosen.lower() in item.conflict.chosen.lower(), (
        f"{name!r}: conflict chose {item.conflict.chosen!r}, expected {chosen!r}"
    )


# --- The seeds ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", sorted(SEED_FILES))
def test_each_seed_is_a_source_named_by_its_file(seed: str) -> None:
    source = library().sources.get(seed)
    assert source is not None, f"no source {seed}"
    assert source.kind == "seed"
    assert source.label == SEED_FILES[seed]


# --- 1. Contraindications ----------------------------------------------------------------

# finding code -> (selector field, value) that reaches it from the intake
NOT_A_CANDIDATE = {
    "breastfeeding": ("intake", "breastfeeding"),
    "cancer": ("conditions", "cancer"),
    "insulin_treated_diabetes": ("conditions", "insulin_treated_diabetes"),
    "coagulation_disorder": ("conditions", "coagulation_disorder"),
    "ingredient_allergy": ("special", "ingredient_allergy"),
    "paralysis_history": ("conditions", "paralysis_history"),
    "cardiac_disease": ("conditions", "cardiac_disease"),
    "urticaria": ("conditions", "urticaria"),
    "pregnancy": ("intake", "pregnant"),
}


@pytest.mark.parametrize("code", NOT_A_CANDIDATE)
def test_the_nine_groups_seed_002_calls_not_candidates_are_absolute_contraindications(
    code: str,
) -> None:
    item = contraindication(code)
    assert item.severity is Severity.ABSOLUTE
    assert_cites(item, {"S002"})
    assert SEED_FILES["S002"] in library().source_labels(item.sources)
    field, value = NOT_A_CANDIDATE[code]
    selected = getattr(item.when, field)
    assert value == selected or value in (selected or ()), (
        f"{code!r} is not reached from {field} {value!r} (when = {item.when})"
    )


def test_insulin_among_the_medications_counts_as_insulin_treated_diabetes() -> None:
    assert "insulin" in contraindication("insulin_treated_diabetes").when.medication_classes


def test_blood_thinners_are_a_bleeding_and_bruising_caution_from_seeds_001_002_and_003() -> None:
    prescribed = contraindication("anticoagulant_therapy")
    assert prescribed.severity is not Severity.ABSOLUTE
    assert_cites(prescribed, {"S001", "S002", "S003"})
    assert {"anticoagulant", "antiplatelet"} <= set(prescribed.when.medication_classes)
    over_the_counter = contraindication("otc_blood_thinner")
    assert over_the_counter.severity is Severity.CAUTION
    assert "blood_thinning_supplement" in over_the_counter.when.medication_classes
    assert_cites(over_the_counter, {"S002"})


def test_very_sensitive_skin_is_a_caution_from_seed_002_that_may_rash() -> None:
    item = contraindication("very_sensitive_skin")
    assert item.severity is Severity.CAUTION
    assert "very_sensitive_skin" in item.when.conditions
    assert_cites(item, {"S002"})
    assert "rash" in item.message.lower()


def test_dark_scars_are_a_caution_from_seed_002() -> None:
    cautions = [
        c
        for c in library().contraindications
        if c.severity is Severity.CAUTION
        and any(s.source == "S002" and "dark scars" in s.at.lower() for s in c.sources)
    ]
    assert cautions, "no caution cites seed 002's 'dark scars may form'"


def test_a_physical_examination_and_diagnosis_come_first_per_seed_002() -> None:
    item = fact("session_examination_first")
    assert_cites(item, {"S002"})
    assert "examination" in item.text.lower()


def test_patients_consult_their_doctor_about_current_medicines_per_seeds_000_003_004() -> None:
    item = rule("consult_prescriber")
    assert item.phase is Phase.PREP
    assert_cites(item, {"S000", "S003", "S004"})


def test_active_infection_at_the_site_comes_from_the_literature_not_the_seeds() -> None:
    item = contraindication("active_skin_infection")
    assert "active_skin_infection" in item.when.conditions
    assert item.severity is not Severity.CAUTION
    assert_cites_only_literature(item)


# --- 2. Preparation ----------------------------------------------------------------------

PREPARATION = [
    # code, lead days, seeds, medication classes it is about
    ("avoid_nsaids", 7, ALL_SEEDS, {"nsaid"}),
    ("avoid_blood_thinning_supplements", 7, {"S002"}, {"blood_thinning_supplement"}),
    ("avoid_aha_peels", 28, {"S000"}, {"aha_topical"}),
    ("avoid_alcohol", 2, {"S000", "S001", "S002"}, set()),
]


@pytest.mark.parametrize(
    ("code", "lead_days", "seeds", "classes"), PREPARATION, ids=[row[0] for row in PREPARATION]
)
def test_each_preparation_item_starts_its_lead_days_before_the_session(
    code: str, lead_days: int, seeds: set[str], classes: set[str]
) -> None:
    item = rule(code)
    assert item.phase is Phase.PREP
    assert item.lead_days == lead_days, f"{code!r}: lead_days {item.lead_days}, not {lead_days}"
    assert_cites(item, seeds)
    assert classes <= set(item.when.medication_classes)


CONFLICTS = [
    # code, each source's value (a fragment), the chosen default (a fragment)
    (
        "avoid_nsaids",
        {
            "S000": "2 days",
            "S001": "certain period",
            "S002": "one week",
            "S003": "a week",
            "S004": "several days",
        },
        "7 days",
    ),
    ("avoid_retinoids", {"S000": "2 days", "S002": "a few days"}, "days"),
    ("avoid_alcohol", {"S000": "two days", "S001": "excessive", "S002": "limit"}, "2 days"),
    ("keep_area_dry", {"S000": "12 hours", "S002": "10-15 hours"}, "15 hours"),
    ("no_sauna_hot_tub", {"S000": "couple of days", "S001": "certain period"}, "48 hours"),
    ("diet_advice_withheld", {"S000": "high-protein", "S002": "high-protein"}, "no diet"),
]


@pytest.mark.parametrize(("code", "values", "chosen"), CONFLICTS, ids=[row[0] for row in CONFLICTS])
def test_where_the_seeds_disagree_the_rule_records_the_conflict(
    code: str, values: dict[str, str], chosen: str
) -> None:
    assert_conflict(rule(code), values, chosen)


def test_nsaids_get_a_stop_date_only_when_bought_over_the_counter() -> None:
    item = rule("avoid_nsaids")
    assert item.when.prescribed is Prescribed.NO
    assert item.replaces_for_prescribed
    consult = rule("consult_prescriber")
    assert consult.when.prescribed is Prescribed.YES
    assert "nsaid" in consult.when.medication_classes


def test_retinoids_take_the_longest_reading_of_seeds_000_and_002() -> None:
    item = rule("avoid_retinoids")
    assert item.phase is Phase.PREP
    assert_cites(item, {"S000", "S002"})
    # S000: 2 days; S002: "a few days" -- the longest reading is more than two days
    assert item.lead_days is not None and item.lead_days > 2
    assert item.conflict is not None and item.conflict.chosen == f"{item.lead_days} days"


def test_vitamin_c_topicals_are_stopped_as_long_as_retinoids() -> None:
    item = rule("avoid_vitamin_c_topicals")
    assert item.phase is Phase.PREP
    assert item.lead_days == rule("avoid_retinoids").lead_days
    assert_cites(item, {"S002"})
    assert "vitamin_c_topical" in item.when.medication_classes


def test_smoking_is_advice_without_a_figure() -> None:
    advice = fact("smoking_advice")
    assert_cites(advice, {"S001", "S002"})
    assert advice.value == "", "no source gives smoking a figure"
    assert_cites(rule("avoid_smoking_after"), {"S002"})


def test_the_patch_test_is_24_hours_before_for_patients_with_allergies_or_atopy() -> None:
    item = rule("patch_test")
    assert item.phase is Phase.DAY_OF
    assert item.before == 24 * HOURS
    assert item.personal
    assert item.when.any_allergy
    assert "atopy" in item.when.conditions
    assert_cites(item, {"S002"})


def test_numbing_cream_goes_on_20_minutes_before() -> None:
    item = rule("numbing_cream")
    assert item.phase is Phase.DAY_OF
    assert item.before == timedelta(minutes=20)
    assert_cites(item, {"S002", "S003", "S004"})
    assert library().session.numbing_minutes == 20


def test_social_plans_right_after_are_information_from_seed_000() -> None:
    item = rule("plan_downtime")
    assert item.kind is Kind.EXPECT
    assert_cites(item, {"S000"})
    assert "social plans" in item.text.lower()


# --- 3. The session ----------------------------------------------------------------------


def test_the_session_lasts_30_minutes_not_counting_numbing() -> None:
    session = library().session
    assert session.duration_minutes == 30
    assert {"S000", "S002"} <= cited(session)
    assert_conflict(session, {"S002": "20-30 minutes", "S000": "half an hour"}, "30 minutes")


SESSION_FACTS = [
    # fact code, seeds, words its text or value must hold
    ("session_depth", {"S003", "S004"}, ["1-4 mm"]),
    ("session_angle", {"S002", "S003"}, ["angle", "middle layer", "flick"]),
    ("session_disposable_needles", {"S002"}, ["disposable"]),
    ("session_injector", {"S002", "S003", "S004"}, ["needle", "gun"]),
    ("session_small_volumes", {"S002"}, ["small volumes"]),
    ("session_position", {"S001"}, ["seated", "lying"]),
    ("session_hygiene", {"S003"}, ["hygiene"]),
    ("session_soothing_after", {"S001"}, ["soothing cream", "cold compress"]),
]


@pytest.mark.parametrize(
    ("code", "seeds", "words"), SESSION_FACTS, ids=[row[0] for row in SESSION_FACTS]
)
def test_each_statement_about_the_session_is_a_sourced_fact(
    code: str, seeds: set[str], words: list[str]
) -> None:
    item = fact(code)
    assert_cites(item, seeds)
    text = f"{item.text} {item.value}".lower()
    for word in words:
        assert word in text, f"{code!r} does not say {word!r}: {item.text!r}"


def test_the_techniques_are_a_manual_needle_or_a_gun() -> None:
    assert {"manual_needle", "meso_gun"} <= set(library().techniques)


DEVICES = [
    # model, device type, injects (None: the sources do not say)
    ("LB213", "rf_facial", False),
    ("LB212", "meso_gun", True),
    ("SC004", "needle_free_electroporation", False),
    ("SC311", "negative_pressure_injector", None),
]


@pytest.mark.parametrize(("model", "device_type", "injects"), DEVICES)
def test_the_four_devices_of_seed_002_are_device_models_of_a_type(
    model: str, device_type: str, injects: bool | None
) -> None:
    device = library().devices.get(model)
    assert device is not None, f"no device {model}"
    assert device.device_type == device_type
    assert_cites(device, {"S002"})
    kind = library().device_types[device_type]
    if injects is not None:
        assert kind.injects is injects, f"{device_type!r} injects should be {injects}"


# --- 4. Aftercare ------------------------------------------------------------------------

AFTERCARE: list[tuple[str, timedelta | str | None, set[str] | frozenset[str]]] = [
    # code, how long (None: no figure in the sources), seeds
    ("keep_area_dry", 15 * HOURS, {"S000", "S002"}),
    ("no_makeup", 15 * HOURS, {"S002"}),
    ("no_sauna_hot_tub", 48 * HOURS, {"S000", "S001"}),
    ("no_swimming", 5 * DAYS, {"S000"}),
    ("hot_bath_allowed", None, {"S000"}),
    ("avoid_sun", 48 * HOURS, {"S000"}),
    ("sunscreen", None, {"S000"}),
    ("no_tanning_bed", 48 * HOURS, {"S000"}),
    ("cold_compress", END_OF_DAY, {"S000"}),
    ("gentle_massage", 5 * DAYS, {"S000"}),
    ("no_touching", None, {"S001"}),
    ("no_strenuous_exercise", 48 * HOURS, {"S000", "S002"}),
    ("hydrate", 7 * DAYS, {"S000"}),
    ("diet_advice_withheld", None, {"S000", "S002"}),
    ("avoid_alcohol_after", None, {"S000", "S002"}),
    ("avoid_caffeine_after", None, {"S002"}),
    ("avoid_smoking_after", None, {"S002"}),
    ("no_nsaids_after", None, {"S000", "S002"}),
    ("no_tight_clothing", None, {"S002"}),
]


@pytest.mark.parametrize(("code", "lasts", "seeds"), AFTERCARE, ids=[row[0] for row in AFTERCARE])
def test_each_aftercare_row_is_a_rule_with_its_figure_and_sources(
    code: str, lasts: timedelta | str | None, seeds: set[str]
) -> None:
    item = rule(code)
    assert item.phase is Phase.AFTERCARE
    assert_cites(item, seeds)
    if lasts == END_OF_DAY:
        assert item.until_end_of_day, f"{code!r} should last until the end of the day"
    elif lasts is not None:
        assert item.lasts == lasts, f"{code!r} lasts {item.lasts}, not {lasts}"


def test_a_hot_bath_or_shower_is_fine_again_after_48_hours() -> None:
    item = rule("hot_bath_allowed")
    assert item.kind is Kind.DO
    assert item.after == 48 * HOURS


def test_sun_is_avoided_longer_while_swelling_or_bruising_lasts() -> None:
    text = rule("avoid_sun").text.lower()
    assert "swelling" in text
    assert "bruising" in text


def test_sunscreen_is_spf_25_or_higher() -> None:
    assert "SPF 25" in rule("sunscreen").value


def test_the_cold_compress_repeats_15_minutes_every_hour_without_ice_on_the_skin() -> None:
    item = rule("cold_compress")
    assert item.repeat is not None
    assert (item.repeat.every, item.repeat.lasts) == (HOURS, timedelta(minutes=15))
    assert "ice" in item.text.lower()


def test_gentle_massage_is_daily_and_only_with_the_practitioners_approval() -> None:
    item = rule("gentle_massage")
    assert item.approval == "massage"
    assert item.text_approved
    assert item.repeat is not None
    assert item.repeat.every == DAYS
    assert timedelta(minutes=15) <= item.repeat.lasts <= timedelta(minutes=20)


def test_a_30_minute_walk_is_allowed_despite_the_exercise_rule() -> None:
    assert "30-minute walk" in rule("no_strenuous_exercise").text


def test_patients_drink_about_1_9_litres_a_day_for_a_week() -> None:
    item = rule("hydrate")
    assert "1.9" in item.value
    assert "64 oz" in item.value


def test_the_conflicting_diet_advice_is_never_shown_to_patients() -> None:
    assert not rule("diet_advice_withheld").patient_visible


def test_alcohol_after_the_session_has_no_source_duration_so_the_clinic_sets_it() -> None:
    note = rule("avoid_alcohol_after").note.lower()
    assert "no source" in note
    assert "clinic" in note


def test_no_over_the_counter_anti_inflammatories_after_the_session() -> None:
    item = rule("no_nsaids_after")
    assert item.kind is Kind.AVOID
    assert "nsaid" in item.when.medication_classes
    assert item.when.prescribed is Prescribed.NO


REJECTED_AFTERCARE = [
    "sweat_excretes_solution",
    "fibre_binds_toxins",
    "alcohol_hepatic_toxins",
    "hot_bath_assists_healing",
]


@pytest.mark.parametrize("code", REJECTED_AFTERCARE)
def test_the_unsupported_aftercare_claims_of_seed_000_are_rejected(code: str) -> None:
    item = rejected(code)
    assert_cites(item, {"S000"})
    assert item.why


def test_no_patient_text_repeats_a_rejected_claim_or_promises_results() -> None:
    for item in library().rules:
        if not item.patient_visible:
            continue
        text = f"{item.text} {item.text_matched} {item.text_approved}".lower()
        for word in ("toxin", "sweat", "excrete", "assist healing", "result", "radiance"):
            assert word not in text, f"{item.code!r} tells patients about {word!r}"


# --- 5. Side effects and red flags -------------------------------------------------------

SIDE_EFFECTS = [
    # code, seeds, words of its usual duration
    ("redness", {"S000", "S001", "S003", "S004"}, ["24-36 hours", "few days"]),
    ("swelling", ALL_SEEDS, ["24-36 hours", "few days"]),
    ("burning", {"S000", "S002"}, ["24-36 hours"]),
    ("bruising", {"S001", "S002", "S003", "S004"}, ["few days"]),
    ("rash", {"S002"}, ["transient"]),
    ("sensitivity", {"S002"}, ["transient"]),
    ("bumps", {"S004"}, []),
    ("itching", {"S004"}, []),
    ("pigmentation", {"S004"}, []),
]


@pytest.mark.parametrize(
    ("code", "seeds", "duration"), SIDE_EFFECTS, ids=[row[0] for row in SIDE_EFFECTS]
)
def test_each_expected_side_effect_cites_every_seed_that_names_it(
    code: str, seeds: set[str], duration: list[str]
) -> None:
    item = side_effect(code)
    assert_cites(item, seeds)
    for words in duration:
        assert words in item.usual_duration, f"{code!r} usually lasts {item.usual_duration!r}"


RED_FLAGS: list[tuple[str, set[str] | None]] = [
    # code, seeds (None: from the literature only)
    ("allergic_reaction", {"S000"}),
    ("small_lumps", {"S000"}),
    ("infection", {"S001", "S003", "S004"}),
    ("scarring", {"S001"}),
    ("late_nodules", None),
    ("not_responding", None),
    ("systemic_symptoms", None),
    ("anaphylaxis", None),
]


@pytest.mark.parametrize(("code", "seeds"), RED_FLAGS, ids=[row[0] for row in RED_FLAGS])
def test_each_red_flag_cites_its_sources(code: str, seeds: set[str] | None) -> None:
    item = red_flag(code)
    if seeds is None:
        assert_cites_only_literature(item)
    else:
        assert_cites(item, seeds)


def test_anaphylaxis_and_systemic_symptoms_are_urgent() -> None:
    assert red_flag("anaphylaxis").urgent
    assert red_flag("systemic_symptoms").urgent


def test_late_mycobacterial_lumps_are_watched_for_29_weeks() -> None:
    assert "1-29 weeks" in " ".join(c.at for c in red_flag("late_nodules").sources)
    assert "1 to 29 weeks" in library().sources["ntm_case_series"].citation
    watch = rule("red_flags")
    assert watch.phase is Phase.WATCH
    assert watch.lasts == timedelta(weeks=29)
    assert "ntm_case_series" in cited(watch)


def test_the_watch_items_cite_the_seeds_of_the_expected_effects() -> None:
    assert_cites(rule("expected_redness_swelling"), {"S000", "S001", "S003", "S004"})
    assert_cites(rule("expected_bruising"), {"S001", "S002", "S003", "S004"})
    assert_cites(rule("red_flags"), {"S000", "S001", "S003", "S004"})


# --- 6. Schedules ------------------------------------------------------------------------


def months(low: int, high: int | None = None) -> range:
    """Days that read as `low` to `high` months (a month is 28 to 31 days)."""
    return range(28 * low, 31 * (high or low) + 1)


SCHEDULES = [
    # code, seeds, sessions (min, max), interval of each phase, maintenance (from, until)
    ("biweekly_series", {"S002"}, (6, 8), [range(14, 15)], (months(6), months(12))),
    ("monthly_starter", {"S002"}, (3, 3), [months(1)], (months(3), months(6))),
    (
        "progressive_series",
        {"S003", "S004"},
        (3, 15),
        [range(7, 11), range(14, 17), months(1)],
        None,
    ),
    ("long_term_maintenance", {"S002"}, None, [range(365 // 3, 365 // 2 + 1)], None),
    ("spaced_series", {"S001"}, None, [range(14, 43)], None),
]


@pytest.mark.parametrize(
    ("code", "seeds", "sessions", "intervals", "maintenance"),
    SCHEDULES,
    ids=[row[0] for row in SCHEDULES],
)
def test_each_schedule_of_the_seeds_is_a_template_with_its_figures(
    code: str,
    seeds: set[str],
    sessions: tuple[int, int] | None,
    intervals: list[range],
    maintenance: tuple[range, range] | None,
) -> None:
    template = library().schedules.get(code)
    assert template is not None, f"no schedule template {code!r}"
    assert_cites(template, seeds)
    if sessions is not None:
        assert (template.min_sessions, template.max_sessions) == sessions
    gaps = [phase.interval_days for phase in template.phases]
    assert len(gaps) == len(intervals), f"{code!r} has phases every {gaps} days"
    for gap, allowed, phase in zip(gaps, intervals, template.phases, strict=True):
        assert gap in allowed, f"{code!r}: a gap of {gap} days, expected {allowed}"
        assert phase.min_interval_days == gap
    if maintenance is not None:
        low, high = maintenance
        assert template.maintenance_from_days in low
        assert template.maintenance_until_days in high


def test_biweekly_maintenance_is_once_or_twice_a_year() -> None:
    assert library().schedules["biweekly_series"].maintenance_windows == 2


# --- 7. Indications, areas, ingredients --------------------------------------------------

INDICATIONS = {
    "skin_rejuvenation",
    "wrinkles",
    "skin_laxity",
    "cellulite",
    "localised_fat",
    "pigmentation",
    "acne_scars",
    "skin_texture",
    "alopecia",
    "body_contour",
}
AREAS = {
    "face",
    "neck",
    "hands",
    "scalp",
    "chest",
    "arms",
    "abdomen",
    "thighs",
    "hips",
    "legs",
    "buttocks",
    "cheek",
    "chin",
}
INGREDIENT_GROUPS = {
    "vitamins",
    "minerals",
    "amino_acids",
    "hyaluronic_acid",
    "plant_extracts",
    "enzymes",
    "hormones",
    "coenzymes",
    "antioxidants",
    "prescription_medicines",
    "homeopathic",
}
DESIGN_INGREDIENTS = {
    "hyaluronic_acid",
    "vitamin_c",
    "vitamin_b_complex",
    "biotin",
    "amino_acids",
    "minerals",
    "glutathione",
    "peptides",
    "plant_extracts",
    "organic_silicon",
    "dmae",
    "caffeine",
    "l_carnitine",
    "phosphatidylcholine",
    "deoxycholate",
    "collagenase",
    "hyaluronidase",
    "minoxidil",
    "dutasteride",
    "lidocaine",
    "procaine",
}
DESIGN_TECHNIQUES = {
    "manual_needle",
    "meso_gun",
    "needle_free_electroporation",
    "negative_pressure_injector",
}


@pytest.mark.parametrize(
    ("vocabulary", "codes"),
    [
        ("indications", INDICATIONS),
        ("areas", AREAS),
        ("ingredient_groups", INGREDIENT_GROUPS),
        ("ingredients", DESIGN_INGREDIENTS),
        ("techniques", DESIGN_TECHNIQUES),
    ],
)
def test_every_indication_area_ingredient_and_technique_exists(
    vocabulary: str, codes: set[str]
) -> None:
    missing = codes - set(getattr(library(), vocabulary))
    assert not missing, f"{vocabulary} lacks {sorted(missing)}"


def test_the_indications_and_areas_cite_seeds() -> None:
    for code in INDICATIONS:
        assert cited(library().indications[code]) & ALL_SEEDS, f"indication {code!r}"
    for code in AREAS:
        assert cited(library().areas[code]) & ALL_SEEDS, f"area {code!r}"


def test_procaine_is_the_traditional_base_and_lidocaine_a_local_anaesthetic() -> None:
    procaine = library().ingredients["procaine"]
    assert "vedamurthy2007" in cited(procaine)
    assert procaine.group == library().ingredients["lidocaine"].group == "local_anaesthetics"


def test_injection_lipolysis_is_flagged_as_a_separate_procedure() -> None:
    assert "Rotunda & Kolodney" in library().sources["rotunda2006"].label
    assert "Dermatol Surg" in library().sources["rotunda2006"].label
    statement = fact("lipolysis_is_separate_procedure")
    assert "rotunda2006" in cited(statement)
    assert "consent" in statement.text
    flag = contraindication("injection_lipolysis")
    assert {"phosphatidylcholine", "deoxycholate"} <= set(flag.when.plan_ingredients)
    assert "rotunda2006" in cited(flag)
    assert "consent" in flag.message


def test_alcohol_or_oil_based_substances_risk_necrosis() -> None:
    item = fact("no_oil_or_alcohol_based")
    assert "necrosis" in item.text
    assert_cites_only_literature(item)


# --- 8. Results --------------------------------------------------------------------------


def test_results_vary_is_what_the_library_says_about_results() -> None:
    item = fact("results_vary")
    assert_cites(item, {"S003", "has2014"})
    assert "vary" in item.text


def test_the_french_health_authority_found_no_evidence_in_2014() -> None:
    has = library().sources["has2014"]
    assert has.kind == "literature"
    assert "2014" in has.label
    assert "has2014" in cited(rejected("it_works"))


def test_results_timelines_of_the_seeds_are_rejected_claims() -> None:
    assert_cites(rejected("results_first_session"), {"S000", "S002"})
    claimed = fact("results_timelines_claimed")
    assert_cites(claimed, {"S000", "S002"})
    for figure in ("first session", "3-4 months", "3-6 months"):
        assert figure in claimed.text


# --- 9. Literature for round-two features ------------------------------------------------


def test_the_injection_techniques_cite_vedamurthy() -> None:
    item = fact("technique_depths")
    assert "vedamurthy2007" in cited(item)
    assert "IJDVL 2007" in library().sources["vedamurthy2007"].label
    for words in (
        "intra-epidermal",
        "under 1 mm",
        "nappage",
        "2-4 mm",
        "papule",
        "1-2 mm",
        "deep intradermal",
        "point-by-point",
        "4 mm and more",
        "retrograde",
        "gun",
    ):
        assert words in item.text, f"technique_depths does not say {words!r}"


def test_needle_sizes_and_volumes_are_attributed_to_mammucari_as_unconfirmed() -> None:
    item = fact("needle_and_volume")
    assert "mammucari2020" in cited(item)
    assert "unconfirmed" in library().sources["mammucari2020"].label
    for words in ("4 mm 27G", "13 mm 30-32G", "30-45 degrees", "0.1-0.2 mL", "2-3 cm"):
        assert words in item.text, f"needle_and_volume does not say {words!r}"


SCALES: list[tuple[str, str, list[str] | None, list[str], str]] = [
    # code, source, level values, words of the level labels in order, words of the citation
    (
        "gais",
        "narins2003",
        ["1", "2", "3", "4", "5"],
        ["very much improved", "much improved", "improved", "no change", "worse"],
        "",
    ),
    ("wsrs", "day2004", ["1", "2", "3", "4", "5"], [], "Am J Clin Dermatol 2004"),
    (
        "glogau",
        "glogau1996",
        ["I", "II", "III", "IV"],
        ["no wrinkles", "in motion", "at rest", "only wrinkles"],
        "",
    ),
    ("fitzpatrick", "fitzpatrick1988", ["I", "II", "III", "IV", "V", "VI"], [], "Arch Dermatol"),
    ("hexsel_css", "hexsel2009", None, [], "JEADV 2009"),
    (
        "norwood",
        "norwood1975",
        ["I", "II", "IIa", "III", "IIIa", "III vertex", "IV", "IVa", "V", "Va", "VI", "VII"],
        [],
        "",
    ),
    ("ludwig", "ludwig1977", ["I", "II", "III"], [], ""),
    ("ctcae", "ctcae5", ["1", "2", "3", "4", "5"], [], "v5"),
]


@pytest.mark.parametrize(
    ("code", "source", "values", "labels", "citation"), SCALES, ids=[row[0] for row in SCALES]
)
def test_each_outcome_scale_has_its_levels_and_source(
    code: str, source: str, values: list[str] | None, labels: list[str], citation: str
) -> None:
    scale = library().scales.get(code)
    assert scale is not None, f"no scale {code!r}"
    assert source in cited(scale)
    if values is not None:
        assert [level.value for level in scale.levels] == values
    for level, words in zip(scale.levels, labels, strict=False):
        assert words in level.label.lower(), f"{code!r} level {level.value} is {level.label!r}"
    assert citation in library().sources[source].label


def test_the_hexsel_scale_scores_five_items_from_0_to_3() -> None:
    scale = library().scales["hexsel_css"]
    text = " ".join([scale.label, scale.note, *(level.label for level in scale.levels)]).lower()
    assert "five items" in text
    assert "0-3" in text


# --- DESIGN.md: the codes the engines and commands rely on -------------------------------

DESIGN_CONDITIONS = {
    "cancer",
    "insulin_treated_diabetes",
    "coagulation_disorder",
    "cardiac_disease",
    "urticaria",
    "paralysis_history",
    "active_skin_infection",
    "keloid_tendency",
    "hyperpigmentation_tendency",
    "very_sensitive_skin",
    "atopy",
}
DESIGN_ITEMS = {
    Phase.PREP: {
        "avoid_nsaids",
        "avoid_blood_thinning_supplements",
        "avoid_aha_peels",
        "avoid_retinoids",
        "avoid_vitamin_c_topicals",
        "avoid_alcohol",
        "consult_prescriber",
    },
    Phase.DAY_OF: {"patch_test", "numbing_cream"},
    Phase.AFTERCARE: {
        "keep_area_dry",
        "no_makeup",
        "no_sauna_hot_tub",
        "no_swimming",
        "avoid_sun",
        "sunscreen",
        "no_tanning_bed",
        "cold_compress",
        "gentle_massage",
        "no_strenuous_exercise",
        "hydrate",
        "avoid_alcohol_after",
        "no_nsaids_after",
        "no_tight_clothing",
        "no_touching",
    },
    Phase.WATCH: {"expected_redness_swelling", "expected_bruising", "red_flags"},
}


def test_every_condition_code_of_the_intake_exists() -> None:
    missing = DESIGN_CONDITIONS - set(library().conditions)
    assert not missing, f"conditions lack {sorted(missing)}"


@pytest.mark.parametrize("phase", list(DESIGN_ITEMS), ids=[p.value for p in DESIGN_ITEMS])
def test_every_timeline_item_code_exists_in_its_phase(phase: Phase) -> None:
    codes = {item.code for item in library().rules_in(phase)}
    missing = DESIGN_ITEMS[phase] - codes
    assert not missing, f"{phase.value} lacks {sorted(missing)}"


def test_the_prescribed_blood_thinner_and_unknown_medication_findings_are_relative() -> None:
    assert contraindication("anticoagulant_therapy").severity is Severity.RELATIVE
    assert contraindication("unrecognized_medication").severity is Severity.RELATIVE


def test_the_three_templates_the_planner_promises_exist() -> None:
    assert {"biweekly_series", "monthly_starter", "progressive_series"} <= set(library().schedules)


# --- Every entry is sourced, every conflict complete --------------------------------------


def sourced_entries() -> list[tuple[str, Any]]:
    lib = library()
    groups: list[tuple[str, Any]] = [
        ("rule", lib.rules),
        ("contraindication", lib.contraindications),
        ("fact", lib.facts),
        ("schedule", tuple(lib.schedules.values())),
        ("side_effect", lib.side_effects),
        ("red_flag", lib.red_flags),
        ("adverse_event", tuple(lib.adverse_events.values())),
        ("scale", tuple(lib.scales.values())),
        ("rejected", lib.rejected),
    ]
    return [(f"{table} {item.code!r}", item) for table, items in groups for item in items]


def test_every_entry_cites_at_least_one_existing_source() -> None:
    entries = sourced_entries()
    assert len(entries) > 100
    for name, item in [*entries, ("session", library().session)]:
        assert item.sources, f"{name} cites no source"
        unknown = cited(item) - set(library().sources)
        assert not unknown, f"{name} cites unknown sources {sorted(unknown)}"
        assert all(c.at.strip() for c in item.sources), f"{name} has a citation without locator"


def test_every_conflict_has_two_values_a_chosen_default_and_a_why() -> None:
    with_conflict = [
        (name, item)
        for name, item in [*sourced_entries(), ("session", library().session)]
        if getattr(item, "conflict", None) is not None
    ]
    assert len(with_conflict) >= 8
    for name, item in with_conflict:
        conflict = item.conflict
        assert len(conflict.values) >= 2, f"{name}: a conflict needs two sources"
        unknown = {source for source, _ in conflict.values} - set(library().sources)
        assert not unknown, f"{name}: conflict names unknown sources {sorted(unknown)}"
        assert all(value.strip() for _, value in conflict.values), f"{name}: empty value"
        assert conflict.chosen.strip(), f"{name}: conflict without a chosen default"
        assert conflict.why.strip(), f"{name}: conflict without a why"


# --- Figures no source gives, reasons and substances the sources do not name -------------

CLINIC_DEFINED = {
    "avoid_smoking",
    "cold_compress",
    "no_touching",
    "avoid_alcohol_after",
    "no_nsaids_after",
    "no_tight_clothing",
    "avoid_caffeine_after",
    "avoid_smoking_after",
    "plan_downtime",
}


def test_every_figure_no_source_gives_is_marked_as_the_clinics_default() -> None:
    marked = {r.code for r in library().rules if r.clinic_defined}
    assert marked == CLINIC_DEFINED
    for code in CLINIC_DEFINED:
        note = rule(code).note.lower()
        assert "no source" in note or "says only" in note, code
        assert "clinic's default" in note, code


def test_smoking_is_discouraged_only_for_the_reason_seed_001_gives() -> None:
    before, after = rule("avoid_smoking"), rule("avoid_smoking_after")
    assert "health and appearance of your skin" in before.text
    assert_cites(before, {"S001"})
    for item in (before, after):
        assert "healing" not in item.text.lower(), item.code


def test_each_blood_thinning_supplement_cites_the_source_naming_it_or_is_the_clinics_addition() -> (
    None
):
    lib = library()
    members = [s for s in lib.substances.values() if "blood_thinning_supplement" in s.classes]
    named = {s.code for s in members if s.sources}
    assert {"fish_oil", "garlic", "ginkgo", "vitamin_e"} <= named
    for s in members:
        if s.sources:
            assert {c.source for c in s.sources} == {"S002"}, s.code
            assert not s.addition
        else:
            assert "clinic's addition" in s.addition, s.code
    assert {"turmeric", "ginseng", "bromelain"} <= {s.code for s in members if s.addition}


def test_the_adverse_event_vocabulary_names_the_literatures_red_flags() -> None:
    events = library().adverse_events
    red_flags = {code for code, term in events.items() if term.category == "red_flag"}
    assert {
        "infection", "nodules", "abscess", "atypical_mycobacterial_infection", "necrosis",
        "allergic_reaction", "anaphylaxis", "pigmentation", "scarring",
    } <= red_flags  # fmt: skip
    assert {"redness_swelling", "bruising"} <= {
        code for code, term in events.items() if term.category == "expected"
    }
    assert events["atypical_mycobacterial_infection"].sources[0].source == "ntm_case_series"
