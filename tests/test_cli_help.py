"""`mesodesk --help` agrees with the README, and every command it lists exists."""

from __future__ import annotations

import re

import pytest
from django.core.management import get_commands

from mesodesk import cli
from tests.helpers import README

# A command is the word after `mesodesk` inside code: `mesodesk demo`, `uv run mesodesk serve`.
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_COMMAND = re.compile(r"(?:^|\buv run )mesodesk[ \t]+([a-z][a-z_-]*)", re.MULTILINE)


def readme_commands() -> set[str]:
    snippets = _CODE.findall(README.read_text(encoding="utf-8"))
    return {command for snippet in snippets for command in _COMMAND.findall(snippet)}


def help_text(capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(["--help"]) == 0
    return capsys.readouterr().out


def test_the_readme_names_the_two_main_commands() -> None:
    assert {"demo", "serve"} <= readme_commands()


def test_help_lists_every_command_the_readme_names(capsys: pytest.CaptureFixture[str]) -> None:
    listed = set(re.findall(r"^  (\S+) ", help_text(capsys), re.MULTILINE))
    missing = readme_commands() - listed
    assert not missing, f"in the README but not in `mesodesk --help`: {sorted(missing)}"


def test_every_clinic_command_in_the_help_is_a_real_command() -> None:
    assert {name.replace("-", "_") for name in cli.CLINIC_COMMANDS} <= set(get_commands())
