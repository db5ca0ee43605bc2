"""`mesodesk screen|timeline|plan` as an integrator runs them (DESIGN section 7).

Real subprocesses of the installed `mesodesk` script: exit 0 with JSON (or ICS, or text)
on stdout, or exit 2 with exactly one line on stderr naming the bad field.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest

from tests.helpers import MESODESK, README, mesodesk_env

S002 = "002_52dcbaaadde21bde.txt"

# DESIGN 7.1 and 7.2, verbatim.
INTAKE: dict[str, Any] = {
    "birth_date": "1990-04-01",
    "sex": "female",
    "pregnant": False,
    "breastfeeding": False,
    "conditions": ["cardiac_disease"],
    "medications": [
        {"name": "Advil 200 mg", "prescribed": False},
        {"name": "warfarin", "prescribed": True},
    ],
    "allergies": ["lidocaine"],
    "recent_procedures": [{"name": "glycolic peel", "date": "2026-03-10"}],
    "fitzpatrick": 3,
}
PLAN: dict[str, Any] = {
    "indication": "skin_rejuvenation",
    "areas": ["face", "neck"],
    "ingredients": ["hyaluronic_acid", "vitamin_c", "amino_acids", "lidocaine"],
    "technique": "manual_needle",
}

PHASES = {"prep", "day_of", "aftercare", "watch"}
KINDS = {"avoid", "do", "expect", "warning"}
ITEM_FIELDS = {
    "code", "phase", "kind", "starts_at", "ends_at", "repeat", "matched", "text", "sources",
    "conflict",
}  # fmt: skip
ITEM_CODES = {
    "avoid_nsaids", "avoid_blood_thinning_supplements", "avoid_aha_peels", "avoid_retinoids",
    "avoid_vitamin_c_topicals", "avoid_alcohol", "consult_prescriber", "patch_test",
    "numbing_cream", "keep_area_dry", "no_makeup", "no_sauna_hot_tub", "no_swimming",
    "avoid_sun", "sunscreen", "no_tanning_bed", "cold_compress", "gentle_massage",
    "no_strenuous_exercise", "hydrate", "avoid_alcohol_after", "no_nsaids_after",
    "no_tight_clothing", "no_touching", "expected_redness_swelling", "expected_bruising",
    "red_flags",
}  # fmt: skip
# A booking made long before, so the answer does not depend on today's date.
BOOKED = "2026-01-02T09:00:00+01:00"
TIMELINE_ARGS = ("--start", "2026-03-28T18:00", "--tz", "Europe/Berlin", "--booked-at", BOOKED)


def mesodesk(
    *args: str | Path, stdin: str | None = None, cwd: Path | None = None, **env: str | None
) -> subprocess.CompletedProcess[str]:
    """Run `mesodesk` to completion; the core commands need no data folder, so any will do."""
    return subprocess.run(
        [str(MESODESK), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
        env=mesodesk_env((cwd or Path.cwd()) / "var", **env),
    )


def ok_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def offset_aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    intake = tmp_path / "intake.json"
    intake.write_text(json.dumps(INTAKE), encoding="utf-8")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN), encoding="utf-8")
    return {"intake": intake, "plan": plan, "dir": tmp_path}


# --- screen -----------------------------------------------------------------------------


def check_screening(data: dict[str, Any]) -> None:
    assert set(data) >= {"verdict", "findings", "protocol_version"}
    assert data["verdict"] == "ineligible"
    assert isinstance(data["protocol_version"], str)
    assert data["protocol_version"]
    for finding in data["findings"]:
        assert set(finding) >= {"code", "severity", "message", "sources"}
        assert finding["severity"] in {"absolute", "relative", "caution"}
        assert finding["message"]
        assert finding["sources"]
    by_code = {f["code"]: f for f in data["findings"]}
    assert by_code["cardiac_disease"]["severity"] == "absolute"
    assert by_code["cardiac_disease"]["sources"] == [S002]
    assert by_code["ingredient_allergy"]["severity"] == "absolute"
    assert by_code["anticoagulant_therapy"]["severity"] == "relative"
    assert by_code["otc_blood_thinner"]["severity"] == "caution"
    assert "unrecognized_medication" not in by_code


def test_screen_prints_the_verdict_and_findings_of_the_design_example(
    files: dict[str, Path],
) -> None:
    check_screening(ok_json(mesodesk("screen", files["intake"], "--plan", files["plan"])))


def test_screen_reads_the_intake_from_stdin_with_a_dash() -> None:
    check_screening(ok_json(mesodesk("screen", "-", stdin=json.dumps(INTAKE))))


def test_screen_and_timeline_take_an_intake_without_fitzpatrick_as_an_unknown_skin_type(
    tmp_path: Path,
) -> None:
    unsure = _without("fitzpatrick")
    check_screening(ok_json(mesodesk("screen", "-", stdin=unsure, cwd=tmp_path)))
    assert ok_json(mesodesk(*TL, stdin=unsure, cwd=tmp_path))["items"]


# --- timeline ---------------------------------------------------------------------------


@pytest.fixture
def timeline_json(files: dict[str, Path]) -> dict[str, Any]:
    return ok_json(  # type: ignore[no-any-return]
        mesodesk("timeline", *TIMELINE_ARGS, "--intake", files["intake"], "--plan", files["plan"])
    )


def test_timeline_json_has_the_fields_of_design_7_4(timeline_json: dict[str, Any]) -> None:
    session = timeline_json["session"]
    assert session["start"] == "2026-03-28T18:00:00+01:00"
    assert session["end"] == "2026-03-28T18:30:00+01:00"
    items = timeline_json["items"]
    assert {item["code"] for item in items} >= ITEM_CODES
    for item in items:
        assert set(item) >= ITEM_FIELDS, item["code"]
        assert item["phase"] in PHASES
        assert item["kind"] in KINDS
        assert offset_aware(item["starts_at"]) <= offset_aware(item["ends_at"])
        assert isinstance(item["matched"], list)
        assert item["text"]
        assert item["sources"]
        assert item["conflict"] is None or set(item["conflict"]) >= {"values", "chosen"}
    by_code = {item["code"]: item for item in items}
    # 15 real hours across the spring-forward night (10:30), then the next whole hour.
    assert by_code["keep_area_dry"]["ends_at"] == "2026-03-29T11:00:00+02:00"
    assert by_code["keep_area_dry"]["conflict"]["chosen"] == "15 hours"
    assert by_code["avoid_nsaids"]["matched"] == ["Advil 200 mg"]
    assert by_code["consult_prescriber"]["matched"] == ["warfarin"]
    assert by_code["cold_compress"]["repeat"] is not None
    [warning] = timeline_json["warnings"]
    assert set(warning) >= {"code", "item", "earliest_start"}
    assert warning["code"] == "washout_too_short"
    assert warning["item"] == "avoid_aha_peels"
    assert warning["earliest_start"] == "2026-04-08T18:00:00+02:00"


def test_timeline_ics_is_an_rfc_5545_calendar_with_one_event_per_item(
    files: dict[str, Path], timeline_json: dict[str, Any]
) -> None:
    # Bytes, not text: text mode would turn the CRLF line endings into "\n".
    result = subprocess.run(
        [str(MESODESK), "timeline", *TIMELINE_ARGS, "--intake", str(files["intake"]),
         "--plan", str(files["plan"]), "--format", "ics"],
        capture_output=True, timeout=60, check=False, env=mesodesk_env(files["dir"] / "var"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    raw = result.stdout
    assert raw.count(b"\n") == raw.count(b"\r\n") > 0
    assert raw.endswith(b"\r\n")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 75
    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    items = timeline_json["items"]
    assert len(events) == len(items) + 1
    for event in events:
        assert "DTSTART" in event
        assert "DTEND" in event
        assert "UID" in event
    labels = {item["code"]: item["label"] for item in items}
    compress = [e for e in events if str(e["SUMMARY"]) == labels["cold_compress"]]
    assert len(compress) == 1
    assert "RRULE" in compress[0]
    assert list(calendar.walk("VALARM"))
    session = events[0]
    assert session.decoded("dtstart") == offset_aware(timeline_json["session"]["start"])


def test_timeline_text_is_a_printable_sheet_not_json(files: dict[str, Path]) -> None:
    result = mesodesk("timeline", *TIMELINE_ARGS, "--intake", files["intake"], "--format", "text")
    assert result.returncode == 0, result.stderr
    sheet = result.stdout
    for heading in ("Before your session", "On the day", "After your session", "What to expect"):
        assert heading in sheet
    assert "{" not in sheet
    assert '"code"' not in sheet
    with pytest.raises(json.JSONDecodeError):
        json.loads(sheet)


def test_a_start_in_the_repeated_hour_with_its_offset_is_accepted(files: dict[str, Path]) -> None:
    data = ok_json(
        mesodesk(
            "timeline", "--start", "2026-10-25T02:30+01:00", "--tz", "Europe/Berlin",
            "--booked-at", BOOKED, "--intake", files["intake"],
        )
    )  # fmt: skip
    assert data["session"]["start"] == "2026-10-25T02:30:00+01:00"
    assert data["session"]["end"] == "2026-10-25T03:00:00+01:00"


# --- plan -------------------------------------------------------------------------------


def test_plan_does_what_the_readme_says_of_a_dst_gap(tmp_path: Path) -> None:
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert "a later session whose wall time falls in a DST gap moves forward by the gap" in readme
    assert "`--first 2026-03-29T02:30 --tz Europe/Berlin`) or happens twice is refused" in readme
    refused = mesodesk(
        *PL[:3], "--first", "2026-03-29T02:30", "--tz", "Europe/Berlin", cwd=tmp_path
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("mesodesk plan: --first: 2026-03-29T02:30 does not exist")
    sessions = ok_json(
        mesodesk(*PL[:3], "--first", "2026-03-15T02:30", "--tz", "Europe/Berlin", cwd=tmp_path)
    )["sessions"]
    assert sessions[1]["starts_at"] == "2026-03-29T03:30:00+02:00"
    assert sessions[2]["starts_at"] == "2026-04-12T02:30:00+02:00"


def test_plan_prints_the_sessions_and_maintenance_windows() -> None:
    data = ok_json(
        mesodesk(
            "plan", "--template", "biweekly_series", "--first", "2026-01-03T10:00",
            "--tz", "Europe/Berlin", "--sessions", "7", "--closed", "sat,sun",
            "--holidays", "2026-01-19,2026-12-25",
        )
    )  # fmt: skip
    assert data["template"] == "biweekly_series"
    sessions = data["sessions"]
    assert [s["n"] for s in sessions] == list(range(1, 8))
    assert sessions[0]["starts_at"] == "2026-01-05T10:00:00+01:00"
    assert sessions[1]["starts_at"] == "2026-01-20T10:00:00+01:00"
    for s in sessions:
        assert offset_aware(s["starts_at"]).weekday() < 5
    assert data["maintenance"]
    for window in data["maintenance"]:
        assert set(window) >= {"from", "until"}
        assert window["from"] <= window["until"]
        assert window["from"] > sessions[-1]["starts_at"][:10]


# --- bad input: exit 2, one line on stderr naming the field ------------------------------


def _with(**changes: Any) -> str:
    return json.dumps({**INTAKE, **changes})


def _without(field: str) -> str:
    return json.dumps({k: v for k, v in INTAKE.items() if k != field})


TL = ("timeline", "--start", "2026-06-10T14:00", "--tz", "Europe/Berlin", "--intake", "-")
PL = ("plan", "--template", "biweekly_series", "--first", "2026-01-05T10:00", "--tz", "UTC")
GOOD = json.dumps(INTAKE)

BAD_INPUT = [
    # id, args, stdin, the field the one line must name
    ("unknown-condition", ("screen", "-"), _with(conditions=["hiccups"]), "conditions[0]"),
    ("wrong-type", ("screen", "-"), _with(pregnant="no"), "pregnant"),
    ("missing-field", ("screen", "-"), _without("medications"), "medications"),
    ("bad-date", ("screen", "-"), _with(birth_date="1990-13-01"), "birth_date"),
    ("bad-medication", ("screen", "-"), _with(medications=[{"name": ""}]), "medications[0]"),
    ("invalid-json", ("screen", "-"), '{"birth_date": "1990-04-01",', "INTAKE"),
    ("missing-file", ("screen", "no-such-intake.json"), None, "INTAKE"),
    ("missing-plan", ("screen", "-", "--plan", "no-such-plan.json"), GOOD, "--plan"),
    ("unknown-zone", ("timeline", "--start", "2026-06-10T14:00", "--tz", "Mars/Olympus_Mons",
                      "--intake", "-"), GOOD, "--tz"),
    ("nonexistent-time", ("timeline", "--start", "2026-03-29T02:30", "--tz", "Europe/Berlin",
                          "--intake", "-"), GOOD, "--start"),
    ("ambiguous-time", ("timeline", "--start", "2026-10-25T02:30", "--tz", "Europe/Berlin",
                        "--intake", "-"), GOOD, "--start"),
    ("bad-start", ("timeline", "--start", "tomorrow", "--tz", "UTC", "--intake", "-"), GOOD,
     "--start"),
    ("timeline-invalid-json", TL, "not json", "--intake"),
    ("bad-format", (*TL, "--format", "pdf"), GOOD, "--format"),
    ("bad-duration", (*TL, "--duration", "0"), GOOD, "--duration"),
    ("missing-tz", ("timeline", "--start", "2026-06-10T14:00", "--intake", "-"), GOOD, "--tz"),
    ("unknown-template", ("plan", "--template", "weekly_forever", "--first", "2026-01-05T10:00",
                          "--tz", "UTC"), None, "--template"),
    ("too-many-sessions", (*PL, "--sessions", "9"), None, "--sessions"),
    ("too-few-sessions", (*PL, "--sessions", "2"), None, "--sessions"),
    ("bad-closed-day", (*PL, "--closed", "sat,funday"), None, "--closed"),
    ("bad-holiday", (*PL, "--holidays", "2026-12-25,2026-02-30"), None, "--holidays"),
    # Input that once ended in a traceback (issue 14, finding 5).
    ("deeply-nested-json", ("screen", "-"), "[" * 100_000, "INTAKE"),
    ("5000-digit-number", ("screen", "-"), "1" * 5000, "INTAKE"),
    ("lone-surrogate-in-a-name", ("screen", "-"),
     _with(medications=[{"name": "\ud800", "prescribed": False}]),  # JSON escapes it
     "medications[0].name"),
    ("300-character-zone", ("timeline", "--start", "2026-06-10T14:00", "--tz", "A" * 300,
                            "--intake", "-"), GOOD, "--tz"),
    ("start-out-of-range", ("timeline", "--start", "9999-12-31T23:59", "--tz", "Europe/Berlin",
                            "--intake", "-"), GOOD, "--start"),
    ("first-out-of-range", ("plan", "--template", "biweekly_series", "--first",
                            "9999-12-01T10:00", "--tz", "Europe/Berlin"), None, "--first"),
    ("birth-date-out-of-range", ("screen", "-"), _with(birth_date="0001-01-01"), "birth_date"),
    ("booked-at-out-of-range", (*TL, "--booked-at", "0001-01-01T00:00+00:00"), GOOD,
     "--booked-at"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "stdin", "field"), [case[1:] for case in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_exits_2_with_one_line_naming_the_field(
    tmp_path: Path, args: tuple[str, ...], stdin: str | None, field: str
) -> None:
    result = mesodesk(*args, stdin=stdin, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert field in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def test_screen_with_a_clinic_where_there_is_no_database_creates_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "intake.json").write_text(GOOD, encoding="utf-8")
    # The embedded database, as on a laptop (the suite's own DATABASE_URL left out).
    result = mesodesk(
        "screen", "intake.json", "--clinic", "nosuch", cwd=tmp_path, DATABASE_URL=None
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("mesodesk screen: --clinic: no database at ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intake.json"]
