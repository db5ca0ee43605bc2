"""The screening engine (DESIGN 7.3): an intake and maybe a plan give a verdict and findings.

Every example names the seed it comes from (KNOWLEDGE.md section 1). Intakes go through
`parse_intake`, the same path the CLI and the web take.
"""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesodesk.core.inputs import Plan, parse_intake, parse_plan
from mesodesk.core.library import load_library
from mesodesk.core.library.model import Severity
from mesodesk.core.overrides import Override
from mesodesk.core.screening import Finding, Screening, screen

LIBRARY = load_library()

S000 = "000_2d6624a92658d99d.txt"
S001 = "001_3c2d91ce92eb16e8.txt"
S002 = "002_52dcbaaadde21bde.txt"
S003 = "003_46f49dfe08a145d3.txt"

RANK = {"eligible": 0, "review": 1, "ineligible": 2}

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

# DESIGN 7.2, the example plan: it contains lidocaine.
PLAN_DOC: dict[str, Any] = {
    "indication": "skin_rejuvenation",
    "areas": ["face", "neck"],
    "ingredients": ["hyaluronic_acid", "vitamin_c", "amino_acids", "lidocaine"],
    "technique": "manual_needle",
}

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def med(name: str, prescribed: bool = False) -> dict[str, Any]:
    return {"name": name, "prescribed": prescribed}


def intake_doc(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


def plan(**changes: Any) -> Plan:
    return parse_plan({**PLAN_DOC, **changes}, LIBRARY)


def screened(plan: Plan | None = None, **changes: Any) -> Screening:
    return screen(parse_intake(intake_doc(**changes), LIBRARY), plan, library=LIBRARY)


def finding(result: Screening, code: str) -> Finding | None:
    found = [f for f in result.findings if f.code == code]
    assert len(found) <= 1, f"{code} reported twice"
    return found[0] if found else None


def codes(result: Screening) -> set[str]:
    return {f.code for f in result.findings}


# --- the nine groups seed 002 says are not candidates -------------------------------------

NOT_CANDIDATES = [
    ("pregnancy", {"pregnant": True}),
    ("breastfeeding", {"breastfeeding": True}),
    ("cancer", {"conditions": ["cancer"]}),
    ("insulin_treated_diabetes", {"conditions": ["insulin_treated_diabetes"]}),
    ("coagulation_disorder", {"conditions": ["coagulation_disorder"]}),
    ("ingredient_allergy", {"allergies": ["lidocaine"]}),
    ("paralysis_history", {"conditions": ["paralysis_history"]}),
    ("cardiac_disease", {"conditions": ["cardiac_disease"]}),
    ("urticaria", {"conditions": ["urticaria"]}),
]


@pytest.mark.parametrize(("code", "changes"), NOT_CANDIDATES, ids=[c for c, _ in NOT_CANDIDATES])
def test_each_group_seed_002_calls_not_a_candidate_makes_the_patient_ineligible(
    code: str, changes: dict[str, Any]
) -> None:
    """S002 "Who is Not a Candidate": nine groups, absolute by default."""
    result = screened(**changes)
    hit = finding(result, code)
    assert hit is not None, f"no {code} finding in {codes(result)}"
    assert hit.severity is Severity.ABSOLUTE
    assert S002 in hit.sources
    assert not hit.overridden
    assert result.verdict == "ineligible"


def test_the_nine_groups_of_seed_002_are_all_absolute_in_the_library() -> None:
    """S002: the library itself holds the nine codes, every one absolute."""
    absolute = {c.code for c in LIBRARY.contraindications if c.severity is Severity.ABSOLUTE}
    assert {code for code, _ in NOT_CANDIDATES} <= absolute


def test_a_patient_with_nothing_to_report_is_eligible_with_no_findings() -> None:
    result = screened(plan=plan())
    assert result.verdict == "eligible"
    assert result.findings == ()


# --- insulin among the medications (S002 "diabetic patients who use insulin") ---------------


@pytest.mark.parametrize(
    "entry",
    [
        med("Lantus (insulin glargine) 20 units at night", prescribed=True),
        med("Lantus (insulin glargine) 20 units at night", prescribed=False),
        med("Humalog", prescribed=True),
        med("insulin", prescribed=True),
    ],
    ids=["lantus-prescribed", "lantus-unticked", "humalog", "insulin"],
)
def test_insulin_among_the_medications_implies_insulin_treated_diabetes_seed_002(
    entry: dict[str, Any],
) -> None:
    result = screened(medications=[entry])
    hit = finding(result, "insulin_treated_diabetes")
    assert hit is not None, f"no insulin_treated_diabetes in {codes(result)}"
    assert hit.severity is Severity.ABSOLUTE
    assert entry["name"] in hit.matched
    assert S002 in hit.sources
    assert "unrecognized_medication" not in codes(result)
    assert result.verdict == "ineligible"


@pytest.mark.parametrize("name", ["insuline", "Insuline Lantus 20 UI le soir", "insulina"])
def test_insulin_in_another_languages_spelling_implies_insulin_treated_diabetes(name: str) -> None:
    result = screened(medications=[med(name)])
    assert result.verdict == "ineligible"
    hit = finding(result, "insulin_treated_diabetes")
    assert hit is not None and hit.matched == (name,)
    assert "unrecognized_medication" not in codes(result)


@pytest.mark.parametrize("name", ["aspirin", "Aspirin 300mg", "Bayer", "ASA 325 mg daily"])
def test_aspirin_without_a_clear_over_the_counter_context_goes_to_a_clinician(name: str) -> None:
    """Cardiac patients list their daily aspirin this way: like low-dose aspirin it is
    never given a stop date, and a clinician looks (S002 'blood thinning medication')."""
    result = screened(medications=[med(name, prescribed=False)])
    assert result.verdict == "review"
    hit = finding(result, "anticoagulant_therapy")
    assert hit is not None and hit.matched == (name,)
    assert "otc_blood_thinner" not in codes(result)


@pytest.mark.parametrize(
    "name", ["aspirin for headaches", "Aspirin 500mg when needed", "Alka-Seltzer", "Anadin"]
)
def test_aspirin_clearly_taken_over_the_counter_gets_only_a_caution(name: str) -> None:
    result = screened(medications=[med(name, prescribed=False)])
    assert result.verdict == "eligible"
    assert finding(result, "otc_blood_thinner") is not None


def test_a_supplement_no_source_names_is_the_clinics_addition_in_the_finding() -> None:
    result = screened(medications=[med("bromelain"), med("garlic capsules")])
    caution = finding(result, "otc_blood_thinner")
    assert caution is not None
    assert caution.additions == ("bromelain",)
    assert caution.to_dict()["additions"] == ["bromelain"]
    assert S002 in caution.sources


def test_a_diabetes_tablet_is_not_insulin() -> None:
    """S002 excludes diabetics who use insulin, not every diabetic."""
    result = screened(medications=[med("metformin 500 mg", prescribed=True)])
    assert "insulin_treated_diabetes" not in codes(result)
    assert "unrecognized_medication" not in codes(result)
    assert result.verdict == "eligible"


# --- allergies to an ingredient (S002 "allergy to any substance that is used") --------------


def test_an_allergy_to_xylocaine_matches_the_lidocaine_of_the_plan_seed_002() -> None:
    result = screened(plan=plan(), allergies=["Xylocaine"])
    hit = finding(result, "ingredient_allergy")
    assert hit is not None
    assert hit.severity is Severity.ABSOLUTE
    assert hit.matched == ("Xylocaine",)
    assert S002 in hit.sources
    assert result.verdict == "ineligible"


@pytest.mark.parametrize(
    "written",
    ["XYLOCAINE", "xylocaine 2%", "Xylocaïne", "lidocaine (local anaesthetic)", "lignocaine!!"],
)
def test_an_allergy_is_recognised_whatever_the_case_accents_and_extra_words(
    written: str,
) -> None:
    result = screened(plan=plan(), allergies=[written])
    hit = finding(result, "ingredient_allergy")
    assert hit is not None, f"{written!r} not matched: {codes(result)}"
    assert hit.matched == (written,)


def test_an_allergy_to_an_ingredient_not_in_the_plan_is_no_ingredient_allergy() -> None:
    """S002 speaks of substances used in the treatment: soy only matters with
    phosphatidylcholine, which the plan does not contain."""
    result = screened(plan=plan(), allergies=["soy lecithin"])
    assert "ingredient_allergy" not in codes(result)
    assert result.verdict == "eligible"


def test_a_lidocaine_allergy_with_a_plan_without_lidocaine_is_no_ingredient_allergy() -> None:
    no_lidocaine = plan(ingredients=["hyaluronic_acid", "vitamin_c"])
    result = screened(plan=no_lidocaine, allergies=["Xylocaine"])
    assert "ingredient_allergy" not in codes(result)
    # The numbing cream may still contain it: a clinician must look.
    assert result.verdict != "ineligible"


@pytest.mark.parametrize("code", sorted(LIBRARY.ingredients))
def test_with_no_plan_an_allergy_to_any_library_ingredient_counts(code: str) -> None:
    """S002: with no plan yet, any ingredient the clinic might use counts."""
    label = LIBRARY.ingredients[code].label
    result = screened(plan=None, allergies=[label])
    hit = finding(result, "ingredient_allergy")
    assert hit is not None, f"allergy to {label!r} ({code}) not found with no plan"
    assert hit.matched == (label,)


@pytest.mark.parametrize(
    "written", ["soy", "Soy", "DMAE", "deoxycholate", "prilocaine", "EMLA cream", "HA", "b12"]
)
def test_an_allergy_written_as_the_plain_name_of_an_ingredient_or_allergen_counts(
    written: str,
) -> None:
    """S002: a patient writes "soy" or "DMAE", not the library's label; with no plan,
    an allergy to something the clinic may inject is absolute, not "unrecognised"."""
    result = screened(plan=None, allergies=[written])
    hit = finding(result, "ingredient_allergy")
    assert hit is not None, f"{written!r} not recognised: {codes(result)}"
    assert "unrecognized_allergy" not in codes(result)


def test_an_allergy_unrelated_to_the_treatment_is_no_finding() -> None:
    result = screened(allergies=["penicillin", "peanuts", "pollen"])
    assert "ingredient_allergy" not in codes(result)
    assert "unrecognized_allergy" not in codes(result)
    assert result.verdict == "eligible"


# --- blood thinners (S001, S002, S003) --------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        med("warfarin", prescribed=True),
        med("Eliquis 5mg twice daily", prescribed=True),
        med("aspirin 75 mg low dose", prescribed=True),
        med("baby aspirin 81mg", prescribed=True),
        med("Plavix", prescribed=True),
        # A prescription-only anticoagulant the patient forgot to tick is still prescribed.
        med("warfarin", prescribed=False),
        med("Xarelto 20 mg", prescribed=False),
    ],
    ids=["warfarin", "eliquis", "low-dose-aspirin", "baby-aspirin", "plavix", "warfarin-unticked",
         "xarelto-unticked"],
)  # fmt: skip
def test_a_prescribed_blood_thinner_is_anticoagulant_therapy_for_review_seeds_001_002_003(
    entry: dict[str, Any],
) -> None:
    result = screened(medications=[entry])
    hit = finding(result, "anticoagulant_therapy")
    assert hit is not None, f"no anticoagulant_therapy in {codes(result)}"
    assert hit.severity is Severity.RELATIVE
    assert entry["name"] in hit.matched
    assert S002 in hit.sources
    assert "unrecognized_medication" not in codes(result)
    assert "otc_blood_thinner" not in codes(result)
    assert result.verdict == "review"


def test_a_blood_thinner_message_never_tells_the_patient_to_stop_it() -> None:
    """DESIGN principle 2: never tell a patient to stop a prescribed drug."""
    hit = finding(screened(medications=[med("warfarin", True)]), "anticoagulant_therapy")
    assert hit is not None
    assert "must not stop" in hit.message


@pytest.mark.parametrize(
    "entry",
    [
        med("Advil 200 mg"),
        med("ADVIL"),
        med("Ibuprofen 400MG"),
        med("fish oil 1000mg"),
        med("fish oil 1000 mg"),
        med("Omega-3 fish oil, 2 capsules a day"),
        med("aspirin for headaches"),
        med("Ginkgo biloba"),
    ],
    ids=lambda m: m["name"],
)
def test_an_over_the_counter_blood_thinner_is_a_caution_and_the_patient_stays_eligible(
    entry: dict[str, Any],
) -> None:
    """S000, S002, S003: aspirin, NSAIDs and supplements like fish oil get a washout."""
    result = screened(medications=[entry])
    hit = finding(result, "otc_blood_thinner")
    assert hit is not None, f"no otc_blood_thinner in {codes(result)}"
    assert hit.severity is Severity.CAUTION
    assert entry["name"] in hit.matched
    assert S002 in hit.sources
    assert "anticoagulant_therapy" not in codes(result)
    assert "unrecognized_medication" not in codes(result)
    assert result.verdict == "eligible"


def test_a_prescribed_anti_inflammatory_is_no_over_the_counter_caution() -> None:
    """S000: ask the doctor; mesodesk never gives a prescribed drug a stop date."""
    result = screened(medications=[med("Advil 200 mg", prescribed=True)])
    assert "otc_blood_thinner" not in codes(result)
    assert finding(result, "prescribed_nsaid") is not None


@pytest.mark.parametrize("name", ["Zorblax 10mg", "qwertyuiop", "the blue pill my aunt gave me"])
def test_a_medication_the_library_does_not_know_needs_a_clinician(name: str) -> None:
    """S000, S003: consult the doctor about current medications."""
    result = screened(medications=[med(name)])
    hit = finding(result, "unrecognized_medication")
    assert hit is not None
    assert hit.severity is Severity.RELATIVE
    assert hit.matched == (name,)
    assert result.verdict == "review"


def test_only_the_unknown_entry_is_named_as_unrecognised() -> None:
    result = screened(medications=[med("Advil 200 mg"), med("Zorblax 10mg"), med("warfarin", True)])
    hit = finding(result, "unrecognized_medication")
    assert hit is not None
    assert hit.matched == ("Zorblax 10mg",)


@pytest.mark.parametrize(
    "written",
    ["Retin-A 0.05% cream", "tretinoin 0.05% cream", "Accutane 20 mg", "metformin", "Synthroid"],
)
def test_doses_strengths_and_brands_do_not_hide_a_known_medication(written: str) -> None:
    result = screened(medications=[med(written)])
    assert "unrecognized_medication" not in codes(result)


# --- cautions and the verdict -----------------------------------------------------------


def test_cautions_alone_never_change_the_verdict_seed_002() -> None:
    """S002: "extremely sensitive skin", "dark scars may form"; S000-S003 OTC blood thinners."""
    result = screened(
        conditions=[
            "very_sensitive_skin",
            "keloid_tendency",
            "hyperpigmentation_tendency",
            "atopy",
        ],
        medications=[med("Advil 200 mg"), med("fish oil 1000mg")],
        fitzpatrick=5,
    )
    assert result.findings, "expected cautions"
    assert {f.severity for f in result.findings} == {Severity.CAUTION}
    assert result.verdict == "eligible"


def test_cautions_keep_a_review_a_review() -> None:
    result = screened(
        conditions=["very_sensitive_skin"], medications=[med("Advil"), med("Zorblax 10mg")]
    )
    assert result.verdict == "review"


def test_an_absolute_finding_outweighs_relative_ones() -> None:
    result = screened(
        pregnant=True, medications=[med("warfarin", True), med("Zorblax")], allergies=["latexx"]
    )
    severities = {f.severity for f in result.findings}
    assert {Severity.ABSOLUTE, Severity.RELATIVE} <= severities
    assert result.verdict == "ineligible"


def test_findings_come_most_severe_first() -> None:
    result = screened(
        conditions=["urticaria", "keloid_tendency"], medications=[med("Zorblax"), med("Advil")]
    )
    ranks = [
        {"absolute": 2, "relative": 1, "caution": 0}[f.severity.value] for f in result.findings
    ]
    assert ranks == sorted(ranks, reverse=True)


def test_every_finding_has_a_message_and_a_source_and_the_protocol_version_is_recorded() -> None:
    result = screened(
        plan=plan(ingredients=["phosphatidylcholine", "deoxycholate", "lidocaine"]),
        pregnant=True,
        breastfeeding=True,
        conditions=sorted(LIBRARY.conditions),
        medications=[med("warfarin", True), med("Advil"), med("Zorblax"), med("Accutane", True)],
        allergies=["Xylocaine", "latexx"],
        recent_procedures=[{"name": "mystery zap", "date": "2026-01-01"}],
        fitzpatrick=6,
    )
    assert len(result.findings) >= 15
    labels = {s.label for s in LIBRARY.sources.values()}
    for f in result.findings:
        assert f.message.strip(), f.code
        assert f.sources, f.code
        assert set(f.sources) <= labels, f.code
    assert result.protocol_version == LIBRARY.version
    assert result.to_dict()["protocol_version"] == LIBRARY.version


def test_the_json_of_a_screening_has_the_contract_fields() -> None:
    data = screened(conditions=["cancer"]).to_dict()
    assert data["verdict"] == "ineligible"
    assert {"code", "severity", "message", "sources"} <= set(data["findings"][0])
    assert data["findings"][0]["severity"] == "absolute"
    assert data["findings"][0]["sources"] == [S002]


# --- clinic overrides (DESIGN principle 4) ----------------------------------------------


def test_a_clinic_override_turns_urticaria_into_a_review_and_says_so() -> None:
    intake = parse_intake(intake_doc(conditions=["urticaria", "cardiac_disease"]), LIBRARY)
    override = Override(severity=Severity.RELATIVE, reason="Our dermatologist sees these.")
    default = screen(intake, library=LIBRARY)
    changed = screen(intake, library=LIBRARY, overrides={"urticaria": override})
    assert default.verdict == "ineligible"
    urticaria = finding(changed, "urticaria")
    assert urticaria is not None
    assert urticaria.severity is Severity.RELATIVE
    assert urticaria.overridden
    cardiac = finding(changed, "cardiac_disease")
    assert cardiac is not None
    assert not cardiac.overridden
    # Heart disease is still absolute: the override is for urticaria alone.
    assert changed.verdict == "ineligible"


def test_with_only_urticaria_an_override_makes_ineligible_into_review() -> None:
    intake = parse_intake(intake_doc(conditions=["urticaria"]), LIBRARY)
    override = Override(severity=Severity.RELATIVE, reason="Case by case.")
    result = screen(intake, library=LIBRARY, overrides={"urticaria": override})
    assert result.verdict == "review"
    assert result.to_dict()["findings"][0]["overridden"] is True


def test_an_override_of_a_rule_that_did_not_fire_changes_nothing() -> None:
    intake = parse_intake(intake_doc(), LIBRARY)
    result = screen(
        intake, library=LIBRARY, overrides={"pregnancy": Override(severity=Severity.CAUTION)}
    )
    assert result.verdict == "eligible"
    assert result.findings == ()


# --- properties -----------------------------------------------------------------------

MEDICATION_POOL = [
    "Advil 200 mg",
    "ibuprofen 400MG",
    "warfarin",
    "Eliquis 5 mg",
    "aspirin 81 mg",
    "Lantus (insulin glargine) 20 units at night",
    "fish oil 1000mg",
    "Retin-A 0.05% cream",
    "Accutane",
    "metformin 500 mg",
    "levothyroxine 50 mcg",
    "paracetamol",
    "Zorblax 10mg",
    "vitamin E 400 IU",
]
ALLERGY_POOL = ["lidocaine", "Xylocaine", "soy", "EMLA", "penicillin", "pollen", "latex", "biotin"]
CONDITIONS = sorted(LIBRARY.conditions)
INGREDIENTS = sorted(LIBRARY.ingredients)

free_text = st.text(alphabet=string.ascii_letters + string.digits + " -%().", max_size=30).filter(
    lambda s: s.strip() != ""
)
medications = st.fixed_dictionaries(
    {"name": st.one_of(st.sampled_from(MEDICATION_POOL), free_text), "prescribed": st.booleans()}
)
allergies = st.one_of(st.sampled_from(ALLERGY_POOL), free_text)
intakes = st.fixed_dictionaries(
    {
        "birth_date": st.just("1990-04-01"),
        "sex": st.sampled_from(["female", "male", "other", "unknown"]),
        "pregnant": st.booleans(),
        "breastfeeding": st.booleans(),
        "conditions": st.lists(st.sampled_from(CONDITIONS), max_size=3, unique=True),
        "medications": st.lists(medications, max_size=3),
        "allergies": st.lists(allergies, max_size=3),
        "recent_procedures": st.just([]),
        "fitzpatrick": st.one_of(st.none(), st.integers(1, 6)),
    }
)
plans = st.one_of(
    st.none(),
    st.lists(st.sampled_from(INGREDIENTS), min_size=1, max_size=5, unique=True).map(
        lambda ingredients: plan(ingredients=ingredients)
    ),
)
additions = st.one_of(
    st.tuples(st.just("conditions"), st.sampled_from(CONDITIONS)),
    st.tuples(st.just("medications"), medications),
    st.tuples(st.just("allergies"), allergies),
)


@PROPERTY
@given(base=intakes, the_plan=plans, addition=additions)
def test_adding_a_condition_medication_or_allergy_never_makes_the_verdict_less_strict(
    base: dict[str, Any], the_plan: Plan | None, addition: tuple[str, Any]
) -> None:
    field, value = addition
    more = {**base, field: [*base[field], value]}
    before = screen(parse_intake(base, LIBRARY), the_plan, library=LIBRARY)
    after = screen(parse_intake(more, LIBRARY), the_plan, library=LIBRARY)
    assert RANK[after.verdict] >= RANK[before.verdict], (before.verdict, after.verdict)
    # Nothing found before is lost by telling us more.
    assert codes(before) <= codes(after)


@PROPERTY
@given(doc=intakes, the_plan=plans)
def test_the_verdict_is_always_the_one_the_strictest_finding_gives(
    doc: dict[str, Any], the_plan: Plan | None
) -> None:
    result = screen(parse_intake(doc, LIBRARY), the_plan, library=LIBRARY)
    severities = {f.severity for f in result.findings}
    if Severity.ABSOLUTE in severities:
        expected = "ineligible"
    elif Severity.RELATIVE in severities:
        expected = "review"
    else:
        expected = "eligible"
    assert result.verdict == expected
    for f in result.findings:
        assert f.message and f.sources
    assert result.protocol_version == LIBRARY.version
