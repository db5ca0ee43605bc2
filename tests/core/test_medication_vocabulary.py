"""The medication vocabulary: what patients write on an intake maps to the right substances.

These tests read the real protocol library (vocabulary/substances.toml). They need no
database and no Django.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mesodesk.core.library import LIBRARY_ROOT, LibraryError, check_library, load_library
from mesodesk.core.library.loader import read_files
from mesodesk.core.matching import Vocabulary

SUBSTANCES_FILE = "substances.toml"

# Aspirin bought over the counter thins the blood but needs no prescription. Low-dose
# aspirin is always treated as prescribed; plain aspirin too unless the entry makes the
# over-the-counter use clear (`over_the_counter_if`); painkiller brands go by the flag.
OTC_ASPIRIN = frozenset({"aspirin", "aspirin_painkiller", "aspirin_paracetamol_caffeine"})

ALWAYS_PRESCRIBED_CLASSES = frozenset({"anticoagulant", "antiplatelet", "insulin", "retinoid_oral"})


@pytest.fixture(scope="module")
def lib() -> Any:
    """The library; if another file is still broken, just the substances, indexed alike."""
    try:
        return load_library()
    except LibraryError as error:
        mine = [str(p) for p in error.problems if p.file.endswith(SUBSTANCES_FILE)]
        assert mine == []
        parsed, _ = read_files(LIBRARY_ROOT)
        return SimpleNamespace(
            substances={s.code: s for s in parsed.substances},
            substance_classes={c.code: c for c in parsed.substance_classes},
            substance_words=Vocabulary.build(
                (s.code, (s.label, *s.synonyms)) for s in parsed.substances
            ),
        )


def classes_of(lib: Any, text: str) -> set[str]:
    return {c for code in lib.substance_words.find(text) for c in lib.substances[code].classes}


def relevant_classes(lib: Any) -> set[str]:
    return {c.code for c in lib.substance_classes.values() if c.relevant}


@pytest.mark.parametrize(
    ("written", "expected_class"),
    [
        ("Advil 200 mg", "nsaid"),
        ("ADVIL", "nsaid"),
        ("advil liqui-gels", "nsaid"),
        ("Ibuprofen 400MG", "nsaid"),
        ("Nurofen", "nsaid"),
        ("Motrin IB", "nsaid"),
        ("Aleve", "nsaid"),
        ("naproxen 500mg", "nsaid"),
        ("Voltaren gel", "nsaid"),
        ("Celebrex", "nsaid"),
        ("Advil PM", "nsaid"),
        ("Nurofen Plus", "nsaid"),
        ("Excedrin Migraine", "antiplatelet"),
        ("Eliquis 5mg twice daily", "anticoagulant"),
        ("warfarin", "anticoagulant"),
        ("Coumadin", "anticoagulant"),
        ("Xarelto", "anticoagulant"),
        ("Pradaxa", "anticoagulant"),
        ("Lixiana", "anticoagulant"),
        ("Clexane injections", "anticoagulant"),
        ("blood thinners", "anticoagulant"),
        ("Plavix", "antiplatelet"),
        ("Brilinta 90mg", "antiplatelet"),
        ("baby aspirin 81mg", "antiplatelet"),
        ("Aspirin", "antiplatelet"),
        ("Aspirin", "nsaid"),
        ("fish oil 1000mg", "blood_thinning_supplement"),
        ("Omega-3", "blood_thinning_supplement"),
        ("cod liver oil", "blood_thinning_supplement"),
        ("garlic capsules", "blood_thinning_supplement"),
        ("Ginkgo biloba", "blood_thinning_supplement"),
        ("vitamin E 400 IU", "blood_thinning_supplement"),
        ("turmeric", "blood_thinning_supplement"),
        ("Nutrafol", "blood_thinning_supplement"),
        ("Lantus (insulin glargine) 20 units at night", "insulin"),
        ("Humalog", "insulin"),
        ("Novorapid", "insulin"),
        ("NovoLog FlexPen", "insulin"),
        ("Tresiba", "insulin"),
        ("Humulin 70/30", "insulin"),
        ("insulin", "insulin"),
        ("Retin-A 0.05% cream", "retinoid_topical"),
        ("tretinoin", "retinoid_topical"),
        ("retinol serum", "retinoid_topical"),
        ("Differin gel", "retinoid_topical"),
        ("Epiduo Forte", "retinoid_topical"),
        ("Accutane", "retinoid_oral"),
        ("Roaccutane 20mg", "retinoid_oral"),
        ("isotretinoin", "retinoid_oral"),
        ("vitamin C serum", "vitamin_c_topical"),
        ("SkinCeuticals C E Ferulic", "vitamin_c_topical"),
        ("glycolic acid toner", "aha_topical"),
        ("The Ordinary Glycolic Acid 7% Toning Solution", "aha_topical"),
        ("Paula's Choice AHA", "aha_topical"),
        ("lactic acid serum", "aha_topical"),
    ],
)
def test_a_product_that_matters_for_mesotherapy_is_recognised_by_its_class(
    lib: Any, written: str, expected_class: str
) -> None:
    assert expected_class in classes_of(lib, written)


@pytest.mark.parametrize(
    ("written", "expected_class"),
    [
        ("Synthroid 50 mcg", "thyroid"),
        ("levothyroxine", "thyroid"),
        ("Euthyrox 75", "thyroid"),
        ("metformin 500mg", "other_diabetes"),
        ("Ozempic", "other_diabetes"),
        ("Mounjaro 5mg", "other_diabetes"),
        ("Yasmin", "contraceptive"),
        ("Microgynon 30", "contraceptive"),
        ("the pill", "contraceptive"),
        ("Mirena coil", "contraceptive"),
        ("Evorel Conti patch", "hormone_therapy"),
        ("Zyrtec", "antihistamine"),
        ("Claritin", "antihistamine"),
        ("Telfast 180", "antihistamine"),
        ("sertraline 50mg", "antidepressant"),
        ("Lexapro", "antidepressant"),
        ("Wellbutrin XL", "antidepressant"),
        ("Xanax as needed", "anxiolytic_sleep"),
        ("Lipitor 20 mg", "statin"),
        ("atorvastatin", "statin"),
        ("Crestor", "statin"),
        ("lisinopril", "antihypertensive"),
        ("amlodipine 5 mg", "antihypertensive"),
        ("losartan", "antihypertensive"),
        ("omeprazole", "acid_reducer"),
        ("Nexium", "acid_reducer"),
        ("Tylenol", "analgesic"),
        ("paracetamol", "analgesic"),
        ("co-codamol 30/500", "analgesic"),
        ("amoxicillin", "antibiotic"),
        ("Valtrex", "antibiotic"),
        ("Ventolin inhaler", "respiratory"),
        ("Flonase", "respiratory"),
        ("prednisone 5mg", "corticosteroid"),
        ("Topamax", "neurological"),
        ("Adderall XR", "neurological"),
        ("vitamin D3 2000 IU", "supplement"),
        ("Vitamin C 1000mg", "supplement"),
        ("multivitamin", "supplement"),
        ("magnesium", "supplement"),
        ("biotin", "supplement"),
        ("collagen powder", "supplement"),
        ("Co-Q10", "supplement"),
        ("probiotics", "supplement"),
        ("niacinamide serum", "skincare"),
        ("hyaluronic acid serum", "skincare"),
        ("benzoyl peroxide wash", "skincare"),
        ("CeraVe moisturiser", "skincare"),
        ("SPF 50", "skincare"),
    ],
)
def test_an_ordinary_medicine_is_recognised_and_triggers_no_mesotherapy_rule(
    lib: Any, written: str, expected_class: str
) -> None:
    found = classes_of(lib, written)
    assert expected_class in found
    assert not found & relevant_classes(lib), f"{written!r} matched {found}"


@pytest.mark.parametrize(
    "intake",
    [
        [
            "Synthroid 50 mcg",
            "metformin 500mg",
            "Ozempic",
            "Yasmin",
            "Zyrtec",
            "sertraline 50mg",
            "Lipitor 20 mg",
            "lisinopril",
            "omeprazole",
            "Tylenol",
            "Ventolin inhaler",
            "vitamin D3 2000 IU",
            "multivitamin",
            "magnesium",
            "biotin",
            "collagen powder",
        ],
        ["levothyroxine", "the pill", "Claritin", "Lexapro", "atorvastatin", "amlodipine 5 mg"],
        ["paracetamol", "iron tablets", "vitamin B12 injections", "Flonase", "Cerazette"],
    ],
)
def test_an_ordinary_intake_has_no_unrecognised_medication(lib: Any, intake: list[str]) -> None:
    unrecognised = [name for name in intake if not lib.substance_words.find(name)]
    assert unrecognised == []


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("vitamin C serum", "vitamin_c_topical"),
        ("Vitamin C 1000mg", "vitamin_c_oral"),
        ("Voltaren gel", "diclofenac_topical"),
        ("Voltaren 50mg", "diclofenac"),
        ("aspirin 81 mg daily", "low_dose_aspirin"),
        ("Aspirin 75mg", "low_dose_aspirin"),
        ("Aspirin 300mg", "aspirin"),
        ("Isotrex gel", "isotretinoin_topical"),
        ("isotretinoin 20mg", "isotretinoin"),
        ("Tylenol #3", "paracetamol_codeine"),
        ("Lévothyrox 75", "levothyroxine"),
    ],
)
def test_the_longest_name_wins(lib: Any, written: str, code: str) -> None:
    assert lib.substance_words.find(written) == {code}


def test_insulin_resistance_is_not_read_as_insulin(lib: Any) -> None:
    assert "insulin" not in classes_of(lib, "metformin for insulin resistance")
    assert "insulin" not in classes_of(lib, "non-insulin diabetes tablets")


def test_a_vitamin_e_cream_is_skincare_but_vitamin_e_oil_thins_the_blood(lib: Any) -> None:
    assert classes_of(lib, "vitamin E cream") == {"skincare"}
    assert classes_of(lib, "vitamin E oil") == {"blood_thinning_supplement"}


@pytest.mark.parametrize(
    "written", ["tamoxifen", "letrozole", "Humira", "methotrexate", "digoxin", "painkillers"]
)
def test_a_medicine_a_clinician_must_weigh_is_left_unrecognised(lib: Any, written: str) -> None:
    assert lib.substance_words.find(written) == frozenset()


def test_every_blood_thinner_insulin_and_oral_retinoid_is_prescription_only(lib: Any) -> None:
    not_prescription_only = [
        s.code
        for s in lib.substances.values()
        if set(s.classes) & ALWAYS_PRESCRIBED_CLASSES
        and s.code not in OTC_ASPIRIN
        and not s.prescription_only
    ]
    assert not_prescription_only == []


@pytest.mark.parametrize(
    ("code", "prescription_only"),
    [
        ("aspirin", False),
        ("low_dose_aspirin", True),
        ("ibuprofen", False),
        ("naproxen", False),
        ("retinol", False),
        ("adapalene", False),
        ("fish_oil", False),
        ("vitamin_c_topical", False),
        ("glycolic_acid", False),
        ("tretinoin", True),
        ("isotretinoin", True),
        ("celecoxib", True),
        ("warfarin", True),
        ("insulin_glargine", True),
    ],
)
def test_prescription_status_follows_the_us_uk_and_eu(
    lib: Any, code: str, prescription_only: bool
) -> None:
    assert lib.substances[code].prescription_only is prescription_only


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("insuline", "insulin_unspecified"),
        ("Insuline Lantus", "insulin_glargine"),
        ("insulina glargina", "insulin_glargine"),
        ("Insulin", "insulin_unspecified"),
        ("héparine", "heparin"),
        ("eparina", "heparin"),
        ("warfarina", "warfarin"),
        ("enoxaparine", "enoxaparin"),
        ("clopidogrel", "clopidogrel"),
    ],
)
def test_the_drugs_that_decide_a_verdict_are_recognised_in_other_languages_spellings(
    lib: Any, written: str, code: str
) -> None:
    assert code in lib.substance_words.find(written)


def test_other_languages_spellings_are_only_for_the_classes_that_ask_for_them(lib: Any) -> None:
    # Ibuprofen is no verdict-deciding drug: "ibuprofena" stays unknown (a clinician looks).
    assert lib.substance_words.find("ibuprofena") == frozenset()
    varied = {c.code for c in lib.substance_classes.values() if c.spelling_variants}
    assert varied == {"anticoagulant", "antiplatelet", "insulin"}


def test_both_aspirins_thin_the_blood_as_nsaid_and_antiplatelet(lib: Any) -> None:
    for code in ("aspirin", "low_dose_aspirin"):
        assert {"nsaid", "antiplatelet"} <= set(lib.substances[code].classes)


def test_every_substance_class_has_at_least_one_substance(lib: Any) -> None:
    used = {c for s in lib.substances.values() for c in s.classes}
    assert set(lib.substance_classes) - used == set()


def test_the_vocabulary_is_broad(lib: Any) -> None:
    assert 250 <= len(lib.substances) <= 400


def test_the_validator_finds_no_problem_in_the_substance_vocabulary() -> None:
    mine = [str(p) for p in check_library() if SUBSTANCES_FILE in p.file]
    assert mine == []
