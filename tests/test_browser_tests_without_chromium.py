"""The browser tests on a machine without Chromium: skipped with one line saying how to
install it, never an error; failed instead where they are required (`.ci/run`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import mesodesk_env

ROOT = Path(__file__).resolve().parents[1]
CI_RUN = ROOT / ".ci" / "run"

pytestmark = pytest.mark.slow


def run_browser_tests(tmp_path: Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    """pytest on two browser test modules in a subprocess, Chromium pointed at a missing
    file, on a SQLite database of its own."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:xdist",
            "tests/browser/test_home.py",
            "tests/browser/test_staff_sign_off.py",
        ],
        env=mesodesk_env(
            tmp_path / "var",
            MESODESK_CHROMIUM=str(tmp_path / "no-chromium"),
            DATABASE_URL=None,
            MESODESK_SCREENSHOTS=None,
            **env,
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_without_chromium_the_browser_tests_are_skipped_with_one_line_saying_how_to_install_it(
    tmp_path: Path,
) -> None:
    result = run_browser_tests(tmp_path, MESODESK_BROWSER_TESTS=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 skipped" in result.stdout
    assert "error" not in result.stdout.lower()
    install = [line for line in result.stdout.splitlines() if "apt-get install -y chromium" in line]
    assert len(install) == 1, result.stdout
    assert install[0].startswith("SKIPPED [3] ")


def test_where_browser_tests_are_required_a_missing_chromium_fails_the_run(
    tmp_path: Path,
) -> None:
    result = run_browser_tests(tmp_path, MESODESK_BROWSER_TESTS="required")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "3 errors" in result.stdout
    assert "apt-get install -y chromium (MESODESK_BROWSER_TESTS=required)" in result.stdout


def test_ci_requires_the_browser_tests() -> None:
    lines = CI_RUN.read_text().splitlines()
    assert "export MESODESK_BROWSER_TESTS=required" in lines
