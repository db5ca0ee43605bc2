"""`mesodesk screen|timeline --clinic SLUG` apply that clinic's overrides from the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mesodesk.accounts.models import User
from mesodesk.cli import main
from mesodesk.clinics.models import Clinic
from mesodesk.protocols.services import set_clinic_override

INTAKE = {
    "birth_date": "1990-04-01",
    "sex": "female",
    "pregnant": False,
    "breastfeeding": False,
    "conditions": ["urticaria"],
    "medications": [{"name": "Advil 200 mg", "prescribed": False}],
    "allergies": [],
    "recent_procedures": [],
    "fitzpatrick": 3,
}


@pytest.fixture
def intake_file(tmp_path: Path) -> str:
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(INTAKE))
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out else {}), err


def test_screen_without_a_clinic_uses_the_library_defaults(
    db: None, capsys: pytest.CaptureFixture[str], intake_file: str
) -> None:
    code, result, _ = run(capsys, "screen", intake_file)
    assert (code, result["verdict"]) == (0, "ineligible")


def test_screen_with_a_clinic_applies_its_severity_override(
    clinic: Clinic, alice: User, capsys: pytest.CaptureFixture[str], intake_file: str
) -> None:
    set_clinic_override(
        clinic=clinic,
        rule_code="urticaria",
        severity="relative",
        reason="Our dermatologist reviews urticaria case by case.",
        by=alice,
    )
    code, result, _ = run(capsys, "screen", intake_file, "--clinic", "lindenhof")
    [finding] = [f for f in result["findings"] if f["code"] == "urticaria"]
    assert (code, result["verdict"]) == (0, "review")
    assert (finding["severity"], finding["overridden"]) == ("relative", True)


def test_timeline_with_a_clinic_applies_its_longer_washout(
    clinic: Clinic, alice: User, capsys: pytest.CaptureFixture[str], intake_file: str
) -> None:
    set_clinic_override(
        clinic=clinic, rule_code="avoid_nsaids", value=14, reason="Two weeks here.", by=alice
    )
    argv = ["timeline", "--start", "2026-06-20T10:00", "--tz", "Europe/Berlin"]
    argv += ["--intake", intake_file, "--booked-at", "2026-05-01T09:00+02:00"]
    code, result, _ = run(capsys, *argv, "--clinic", "lindenhof")
    [item] = [i for i in result["items"] if i["code"] == "avoid_nsaids"]
    assert (code, item["starts_at"]) == (0, "2026-06-06T00:00:00+02:00")


def test_an_unknown_clinic_is_one_line_and_exit_2(
    db: None, capsys: pytest.CaptureFixture[str], intake_file: str
) -> None:
    code, _, err = run(capsys, "screen", intake_file, "--clinic", "nowhere")
    assert code == 2
    assert err.splitlines() == ["mesodesk screen: --clinic: no clinic with the slug 'nowhere'"]
