"""`mesodesk protocol check|show`, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mesodesk.core.library import LIBRARY_ROOT, Library, check_library, load_library


def protocol(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mesodesk.cli", "protocol", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def shown() -> subprocess.CompletedProcess[str]:
    """`mesodesk protocol show`, run once for the tests that read its text."""
    return protocol("show")


def blocks(text: str) -> dict[str, list[str]]:
    """The printed entries by code: a line indented by two spaces starts one."""
    out: dict[str, list[str]] = {}
    lines: list[str] = []
    for line in text.splitlines():
        if re.match(r"^  \S", line):
            code = line.strip().split(" — ", 1)[0]
            lines = out.setdefault(code, [])
        if line.startswith("  "):
            lines.append(line)
    return out


def printed_sources(lines: list[str]) -> list[str]:
    found = [m.group(1) for line in lines if (m := re.match(r"^    source: (.+?) — “", line))]
    return list(dict.fromkeys(found))


def shown_entries(library: Library) -> list[Any]:
    return [
        *library.contraindications,
        *library.rules,
        *library.facts,
        *library.schedules.values(),
        *library.scales.values(),
        *library.rejected,
    ]


# --- check -------------------------------------------------------------------------------


def test_check_says_ok_with_the_version_of_the_shipped_library() -> None:
    result = protocol("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")
    assert load_library().version in result.stdout
    assert result.stderr == ""


def test_check_of_a_broken_copy_exits_1_listing_each_problem_as_file_entry_message(
    tmp_path: Path,
) -> None:
    root = tmp_path / "library"
    shutil.copytree(LIBRARY_ROOT, root)
    for name, old, new in (
        ("aftercare.toml", 'lasts = "15h"', 'lasts = "15 hours"'),  # keep_area_dry
        ("screening.toml", 'severity = "absolute"', 'severity = "fatal"'),  # pregnancy
    ):
        path = root / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    result = protocol("check", "--root", str(root))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert "aftercare.toml: rule 'keep_area_dry': field 'lasts': '15 hours' is not a duration" in (
        result.stderr
    )
    assert (
        "screening.toml: contraindication 'pregnancy': severity must be absolute, relative or"
        " caution, got 'fatal'" in lines
    )
    problems = check_library(root)
    assert lines == [*(str(p) for p in problems), f"{len(problems)} problem(s) in {root}"]


def test_check_of_a_broken_fixture_library_names_its_one_problem() -> None:
    root = Path(__file__).resolve().parent / "broken_libraries" / "unknown_source"
    result = protocol("check", "--root", str(root))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "aftercare.toml: rule 'no_makeup': cites unknown source 'S007'"
    )


# --- show --------------------------------------------------------------------------------


def test_show_prints_every_entry_of_the_library_with_its_seed_files(
    shown: subprocess.CompletedProcess[str],
) -> None:
    assert shown.returncode == 0, shown.stderr
    library = load_library()
    assert shown.stdout.splitlines()[0] == f"{library.name} {library.version}"
    printed = blocks(shown.stdout)
    entries = shown_entries(library)
    assert len(entries) > 50
    for item in entries:
        assert item.code in printed, f"`protocol show` does not print {item.code!r}"
        assert printed_sources(printed[item.code]) == library.source_labels(item.sources), (
            f"{item.code!r} is printed with other sources"
        )
    assert printed_sources(printed["session"]) == library.source_labels(library.session.sources)
    for source in library.sources.values():
        assert f"  {source.id} — {source.label}: " in shown.stdout


def test_show_prints_every_conflict_with_each_value_and_the_chosen_default(
    shown: subprocess.CompletedProcess[str],
) -> None:
    library = load_library()
    printed = blocks(shown.stdout)
    conflicted = [
        (item.code, item)
        for item in shown_entries(library)
        if getattr(item, "conflict", None) is not None
    ] + [("session", library.session)]
    assert len(conflicted) >= 8
    for code, item in conflicted:
        lines = printed[code]
        assert "    CONFLICT between sources:" in lines, f"{code!r}: no CONFLICT"
        for source, value in item.conflict.values:
            assert f"      {library.sources[source].label}: {value}" in lines, f"{code!r}"
        chosen = f"      chosen: {item.conflict.chosen} — {item.conflict.why}"
        assert chosen in lines, f"{code!r}: no chosen line"


def test_show_one_rule_prints_only_that_rule_with_both_seeds_and_the_chosen_15_hours() -> None:
    result = protocol("show", "keep_area_dry")
    assert result.returncode == 0, result.stderr
    assert list(blocks(result.stdout)) == ["keep_area_dry"]
    assert "for 15 hours" in result.stdout
    assert "CONFLICT" in result.stdout
    assert "000_2d6624a92658d99d.txt: 12 hours" in result.stdout
    assert "002_52dcbaaadde21bde.txt: 10-15 hours" in result.stdout
    assert "chosen: 15 hours" in result.stdout
    assert "source: 000_2d6624a92658d99d.txt" in result.stdout
    assert "source: 002_52dcbaaadde21bde.txt" in result.stdout


def test_show_says_when_no_source_gives_a_rules_figure() -> None:
    result = protocol("show", "avoid_alcohol_after")
    assert result.returncode == 0, result.stderr
    assert "figure: clinic-defined (no source gives it; set it with a clinic override)" in (
        result.stdout
    )
    assert "clinic-defined" not in protocol("show", "keep_area_dry").stdout
    (rule,) = (
        r
        for r in json.loads(protocol("show", "--format", "json").stdout)["rules"]
        if r["code"] == "avoid_alcohol_after"
    )
    assert rule["clinic_defined"] is True


def test_show_as_json_is_the_whole_library_with_its_version() -> None:
    result = protocol("show", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    library = load_library()
    assert data["version"] == library.version
    assert {rule["code"] for rule in data["rules"]} == {rule.code for rule in library.rules}
    (dry,) = (rule for rule in data["rules"] if rule["code"] == "keep_area_dry")
    assert dry["lasts"] == "PT15H"
    assert dry["conflict"]["values"] == {"S000": "12 hours", "S002": "10-15 hours"}
    assert dry["conflict"]["chosen"] == "15 hours"


def test_show_of_an_unknown_code_exits_2_with_one_line_naming_code() -> None:
    result = protocol("show", "nosuchcode")
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "CODE" in line
    assert "nosuchcode" in line
