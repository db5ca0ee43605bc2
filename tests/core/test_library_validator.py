"""`check_library` reports every kind of error with the file and entry it is in.

Most cases copy the shipped library to tmp_path and make one targeted edit, so the rest of
the copy is known to be sound; the small hand-written libraries under `broken_libraries/`
keep the most important cases readable as files.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mesodesk.core.library import (
    LIBRARY_ROOT,
    LibraryError,
    Problem,
    check_library,
    load_library,
)

BROKEN_LIBRARIES = Path(__file__).resolve().parent / "broken_libraries"


def copy_library(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(LIBRARY_ROOT, root)
    return root


def edit_entry(root: Path, file: str, code: str, pattern: str, replacement: str) -> None:
    """Replace the one match of the regex `pattern` inside entry `code` of `file`."""
    path = root / file
    text = path.read_text(encoding="utf-8")
    head = re.search(rf'^code = "{re.escape(code)}"$', text, re.MULTILINE)
    assert head, f"{file} has no entry {code!r} any more: update this test"
    start = text.rfind("\n[", 0, head.start()) + 1
    following = re.compile(r"^\[", re.MULTILINE).search(text, head.end())
    end = following.start() if following else len(text)
    entry, count = re.subn(pattern, replacement, text[start:end], flags=re.MULTILINE)
    assert count == 1, f"{pattern!r} matches {count} times in {file} {code!r}: update this test"
    path.write_text(text[:start] + entry + text[end:], encoding="utf-8")


def append(root: Path, file: str, text: str) -> None:
    with (root / file).open("a", encoding="utf-8") as handle:
        handle.write("\n" + text)


def problems_after_edit(
    tmp_path: Path, file: str, code: str, pattern: str, replacement: str
) -> list[Problem]:
    root = copy_library(tmp_path)
    edit_entry(root, file, code, pattern, replacement)
    return check_library(root)


def problems_after_append(tmp_path: Path, file: str, text: str) -> list[Problem]:
    root = copy_library(tmp_path)
    append(root, file, text)
    return check_library(root)


def assert_reported(problems: list[Problem], file: str, entry: str, message: str) -> None:
    """`problems` holds one at `file`/`entry` saying `message`, and none anywhere else."""
    listing = "\n".join(str(p) for p in problems) or "(no problems)"
    assert any(p.file == file and p.entry == entry and message in p.message for p in problems), (
        f"expected {file}: {entry}: ...{message}..., got:\n{listing}"
    )
    assert all(p.file == file for p in problems), f"problems outside {file}:\n{listing}"


# --- The shipped library -----------------------------------------------------------------


def test_the_shipped_library_has_no_problems() -> None:
    problems = check_library()
    assert problems == [], "\n".join(str(p) for p in problems)


# --- Sources and conflicts ---------------------------------------------------------------


def test_it_reports_a_rule_citing_an_unknown_source(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "aftercare.toml", "keep_area_dry", r'ref = "S000"', 'ref = "S999"'
    )
    assert_reported(
        problems, "aftercare.toml", "rule 'keep_area_dry'", "cites unknown source 'S999'"
    )


def test_it_reports_a_conflict_without_a_chosen_default(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "aftercare.toml", "keep_area_dry", r'chosen = "[^"]*", ', ""
    )
    assert_reported(
        problems, "aftercare.toml", "rule 'keep_area_dry'", "conflict has no chosen default"
    )


def test_it_reports_a_conflict_that_does_not_say_why(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "aftercare.toml", "keep_area_dry", r', why = "[^"]*"', ""
    )
    assert_reported(
        problems,
        "aftercare.toml",
        "rule 'keep_area_dry'",
        "conflict does not say why its default was chosen",
    )


def test_it_reports_a_conflict_naming_an_unknown_source(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "aftercare.toml", "keep_area_dry", r"\bS000 = ", "S999 = "
    )
    assert_reported(
        problems,
        "aftercare.toml",
        "rule 'keep_area_dry'",
        "conflict names unknown source 'S999'",
    )


def test_it_reports_a_conflict_with_a_single_source(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "aftercare.toml", "keep_area_dry", r', S002 = "[^"]*"', ""
    )
    assert_reported(
        problems,
        "aftercare.toml",
        "rule 'keep_area_dry'",
        "conflict needs `values` from at least two sources",
    )


# --- Timing of rules ---------------------------------------------------------------------


def test_it_reports_a_duration_that_does_not_parse(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "aftercare.toml", "no_makeup", r'^lasts = "15h"$', 'lasts = "15 hours"'
    )
    assert_reported(
        problems,
        "aftercare.toml",
        "rule 'no_makeup'",
        "field 'lasts': '15 hours' is not a duration",
    )


def test_it_reports_a_preparation_rule_without_lead_days(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "preparation.toml", "avoid_aha_peels", r"^lead_days = .*\n", ""
    )
    assert_reported(
        problems, "preparation.toml", "rule 'avoid_aha_peels'", "missing field 'lead_days'"
    )


def test_it_reports_an_aftercare_rule_with_neither_lasts_nor_until_end_of_day(
    tmp_path: Path,
) -> None:
    problems = problems_after_edit(tmp_path, "aftercare.toml", "no_makeup", r"^lasts = .*\n", "")
    assert_reported(
        problems,
        "aftercare.toml",
        "rule 'no_makeup'",
        "needs exactly one of `lasts` or `until_end_of_day`",
    )


# --- References to vocabularies ----------------------------------------------------------


def test_it_reports_an_unknown_condition(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "screening.toml", "cancer", r'conditions = \["cancer"\]', 'conditions = ["cancr"]'
    )
    assert_reported(
        problems, "screening.toml", "contraindication 'cancer'", "unknown condition 'cancr'"
    )


def test_it_reports_an_unknown_substance_class(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "screening.toml", "anticoagulant_therapy", r'"antiplatelet"', '"antiplatelets"'
    )
    assert_reported(
        problems,
        "screening.toml",
        "contraindication 'anticoagulant_therapy'",
        "unknown substance class 'antiplatelets'",
    )


def test_it_reports_an_unknown_ingredient(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "screening.toml", "injection_lipolysis", r'"deoxycholate"', '"deoxycolate"'
    )
    assert_reported(
        problems,
        "screening.toml",
        "contraindication 'injection_lipolysis'",
        "unknown ingredient 'deoxycolate'",
    )


def test_it_reports_an_unknown_procedure_class(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path,
        "preparation.toml",
        "avoid_aha_peels",
        r'procedure_classes = \["chemical_peel"\]',
        'procedure_classes = ["chemical_peels"]',
    )
    assert_reported(
        problems,
        "preparation.toml",
        "rule 'avoid_aha_peels'",
        "unknown procedure class 'chemical_peels'",
    )


def test_it_reports_an_unknown_special_hook(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path,
        "screening.toml",
        "ingredient_allergy",
        r'special = "ingredient_allergy"',
        'special = "ingredient_alergy"',
    )
    assert_reported(
        problems,
        "screening.toml",
        "contraindication 'ingredient_allergy'",
        "unknown special hook 'ingredient_alergy'",
    )


# --- Typos in the structure --------------------------------------------------------------


def test_it_reports_an_unknown_field_in_an_entry(tmp_path: Path) -> None:
    problems = problems_after_edit(tmp_path, "aftercare.toml", "no_makeup", r"^note = ", "notes = ")
    assert_reported(problems, "aftercare.toml", "rule 'no_makeup'", "unknown field 'notes'")


def test_it_reports_an_unknown_field_in_a_selector(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "screening.toml", "cancer", r"\{ conditions = ", "{ condition = "
    )
    assert_reported(
        problems, "screening.toml", "contraindication 'cancer' (when)", "unknown field 'condition'"
    )


def test_it_reports_an_unknown_table(tmp_path: Path) -> None:
    problems = problems_after_append(tmp_path, "aftercare.toml", '[[rulez]]\ncode = "zz"\n')
    assert_reported(problems, "aftercare.toml", "rulez", "unknown table (a typo?)")


def test_it_reports_a_file_that_is_not_valid_toml(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "aftercare.toml", "keep_area_dry", r'^lasts = "15h"$', "lasts = 15h"
    )
    assert_reported(problems, "aftercare.toml", "file", "not valid TOML")
    assert "line" in problems[0].message, "the message should say where in the file"


def test_it_reports_a_missing_required_field(tmp_path: Path) -> None:
    problems = problems_after_edit(tmp_path, "aftercare.toml", "no_makeup", r"^label = .*\n", "")
    assert_reported(problems, "aftercare.toml", "rule 'no_makeup'", "missing field 'label'")


def test_it_reports_a_field_of_the_wrong_type(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "preparation.toml", "avoid_nsaids", r"^lead_days = 7$", 'lead_days = "7"'
    )
    assert_reported(
        problems,
        "preparation.toml",
        "rule 'avoid_nsaids'",
        "field 'lead_days' must be int, got '7'",
    )


def test_it_reports_a_severity_that_is_not_absolute_relative_or_caution(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "screening.toml", "cancer", r'^severity = "absolute"$', 'severity = "fatal"'
    )
    assert_reported(
        problems,
        "screening.toml",
        "contraindication 'cancer'",
        "severity must be absolute, relative or caution, got 'fatal'",
    )


def test_it_reports_an_approval_without_the_text_shown_once_approved(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "aftercare.toml", "gentle_massage", r"^text_approved = .*\n", ""
    )
    assert_reported(
        problems,
        "aftercare.toml",
        "rule 'gentle_massage'",
        "`approval` and `text_approved` go together",
    )


# --- Codes and synonyms ------------------------------------------------------------------

DUPLICATE_RULE = """\
[[rule]]
code = "no_makeup"
phase = "aftercare"
kind = "avoid"
label = "No make-up (a second time)"
lasts = "15h"
text = "Don't put make-up on the treated skin."
sources = [{ ref = "S002", at = "Makeup should not be applied" }]
"""


def test_it_reports_a_code_defined_twice(tmp_path: Path) -> None:
    problems = problems_after_append(tmp_path, "watch.toml", DUPLICATE_RULE)
    assert_reported(problems, "watch.toml", "rule 'no_makeup'", "rule 'no_makeup' is defined twice")


def test_it_reports_a_fact_sharing_its_code_with_a_rule(tmp_path: Path) -> None:
    fact = (
        '[[fact]]\ncode = "keep_area_dry"\ntopic = "aftercare"\ntext = "Keep it dry."\n'
        'sources = [{ ref = "S000", at = "do not take a shower" }]\n'
    )
    problems = problems_after_append(tmp_path, "session.toml", fact)
    assert_reported(problems, "session.toml", "fact 'keep_area_dry'", "also used by a rule")


def probe_substance(code: str, synonym: str) -> str:
    return (
        f'[[substance]]\ncode = "{code}"\nlabel = "{code} probe"\nclasses = ["nsaid"]\n'
        f'synonyms = ["{synonym}"]\n'
    )


def test_it_reports_a_synonym_that_names_two_substances(tmp_path: Path) -> None:
    text = probe_substance("zz_first", "zzquux") + "\n" + probe_substance("zz_second", "ZZQuux")
    problems = problems_after_append(tmp_path, "vocabulary/substances.toml", text)
    assert_reported(
        problems,
        "vocabulary/substances.toml",
        "substance 'zz_second'",
        "synonym 'ZZQuux' also names 'zz_first'",
    )


def test_it_reports_a_synonym_that_is_a_single_stop_word(tmp_path: Path) -> None:
    problems = problems_after_append(
        tmp_path, "vocabulary/substances.toml", probe_substance("zz_cream", "Cream")
    )
    assert_reported(
        problems,
        "vocabulary/substances.toml",
        "substance 'zz_cream'",
        "synonym 'Cream' names nothing",
    )


def test_it_reports_a_folder_without_any_library_file(tmp_path: Path) -> None:
    problems = check_library(tmp_path)
    assert Problem(str(tmp_path), "library", "no .toml files found") in problems


# --- The hand-written broken libraries ---------------------------------------------------

FIXTURES = {
    "unknown_source": ["aftercare.toml: rule 'no_makeup': cites unknown source 'S007'"],
    "conflict_without_default": [
        "aftercare.toml: rule 'keep_area_dry': conflict has no chosen default (`chosen`)"
    ],
    "bad_duration": [
        "aftercare.toml: rule 'no_makeup': field 'lasts': '15 hours' is not a duration"
        " (use e.g. 20m, 15h, 5d, 29w)",
        "aftercare.toml: rule 'no_makeup': an aftercare or watch item needs exactly one of"
        " `lasts` or `until_end_of_day`",
    ],
}


def test_every_broken_library_folder_has_its_expected_problems_listed() -> None:
    assert {p.name for p in BROKEN_LIBRARIES.iterdir() if p.is_dir()} == set(FIXTURES)


@pytest.mark.parametrize("case", FIXTURES)
def test_each_broken_fixture_library_reports_exactly_its_problem(case: str) -> None:
    problems = check_library(BROKEN_LIBRARIES / case)
    assert [str(p) for p in problems] == FIXTURES[case]


# --- Loading and versions ----------------------------------------------------------------


def test_loading_a_broken_library_raises_library_error_listing_every_problem() -> None:
    root = BROKEN_LIBRARIES / "bad_duration"
    with pytest.raises(LibraryError) as caught:
        load_library(root)
    assert caught.value.problems == check_library(root)
    assert len(caught.value.problems) == 2
    assert str(caught.value).startswith("2 problem(s) in the protocol library: aftercare.toml")


def test_the_version_is_the_release_and_twelve_hex_digits_of_the_content(tmp_path: Path) -> None:
    library = load_library(copy_library(tmp_path))
    assert library.release
    assert re.fullmatch(rf"{re.escape(library.release)}\+[0-9a-f]{{12}}", library.version)
    assert library.version.endswith(library.hash[:12])


def test_the_version_stays_the_same_while_no_library_file_changes(tmp_path: Path) -> None:
    first = copy_library(tmp_path / "a")
    version = load_library(first).version
    assert load_library(first).version == version
    second = tmp_path / "b"
    shutil.copytree(first, second)
    (second / "README.md").write_text("notes beside the library are not part of it\n")
    assert load_library(second).version == version


def test_the_version_changes_when_a_library_file_changes(tmp_path: Path) -> None:
    root = copy_library(tmp_path)
    before = load_library(root)
    append(root, "aftercare.toml", "# a comment is a change too\n")
    after = load_library(root)
    assert after.release == before.release
    assert after.version != before.version


# --- What staff read agrees with what patients get ----------------------------------------


def test_a_conflict_that_chooses_hours_for_a_preparation_counted_in_days_is_reported(
    tmp_path: Path,
) -> None:
    problems = problems_after_edit(
        tmp_path, "preparation.toml", "avoid_alcohol", r'chosen = "2 days', 'chosen = "48 hours'
    )
    assert_reported(
        problems,
        "preparation.toml",
        "rule 'avoid_alcohol'",
        "conflict chooses '48 hours' but the rule starts 2 calendar days before the session day",
    )


def test_a_conflict_that_chooses_another_duration_than_the_rule_applies_is_reported(
    tmp_path: Path,
) -> None:
    problems = problems_after_edit(
        tmp_path, "aftercare.toml", "keep_area_dry", r'^lasts = "15h"', 'lasts = "12h"'
    )
    assert_reported(
        problems, "aftercare.toml", "rule 'keep_area_dry'", "conflict chooses '15 hours'"
    )


def test_a_wording_that_says_it_needs_a_wording_for_several_entries(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "preparation.toml", "consult_prescriber", r"^text_matched_many = .*$", ""
    )
    assert_reported(
        problems, "preparation.toml", "rule 'consult_prescriber'", "add `text_matched_many`"
    )


def test_a_clinic_defined_figure_needs_a_note_and_no_conflict(tmp_path: Path) -> None:
    problems = problems_after_edit(
        tmp_path, "aftercare.toml", "keep_area_dry", r"^lasts = ", "clinic_defined = true\nlasts = "
    )
    assert_reported(
        problems,
        "aftercare.toml",
        "rule 'keep_area_dry'",
        "a clinic-defined figure has no conflict",
    )


def test_a_supplement_without_its_own_source_or_the_clinics_addition_is_reported(
    tmp_path: Path,
) -> None:
    problems = problems_after_edit(
        tmp_path, "vocabulary/substances.toml", "turmeric", r"^addition = .*$", ""
    )
    assert_reported(
        problems,
        "vocabulary/substances.toml",
        "substance 'turmeric'",
        "its class needs each member to cite its own source or be an `addition`",
    )


def test_an_injection_technique_with_a_bad_range_or_device_is_reported(tmp_path: Path) -> None:
    root = copy_library(tmp_path)
    path = root / "injection.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "depth_mm = { min = 1.0, max = 2.0 }", "depth_mm = { min = 3.0, max = 2.0 }"
    )
    text = text.replace('device_type = "meso_gun"', 'device_type = "laser"')
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in check_library(root)]
    assert "injection.toml: injection_technique 'papule': depth_mm has min above max" in problems
    assert (
        "injection.toml: injection_technique 'meso_gun': refers to unknown device type 'laser'"
        in problems
    )
