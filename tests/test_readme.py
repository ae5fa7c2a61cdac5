"""The README says what the code does: finding codes, commands, set-up, exit codes."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from pathlib import Path

import pytest

from kpixl import cli
from kpixl.batch import ANNOTATED_SUFFIX, RESULT_FILES
from kpixl.findings import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_RUN = ROOT / ".ci" / "run"


def section(title: str) -> str:
    match = re.search(rf"^##+ {re.escape(title)}\n(.*?)(?=^##+ |\Z)", README, re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match[1]


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the markdown tables in ``text`` (header and rule left out)."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]
    return [row for row in rows if not set("".join(row)) <= set("-: ") and row[0] != "code"]


def test_every_catalogued_code_is_in_the_table_with_its_severity() -> None:
    documented: dict[str, str] = {}
    for row in table_rows(section("What kpixl checks")):
        codes, severity = row[0], row[1]
        for code in re.findall(r"`([a-z0-9-]+)`", codes):
            assert code not in documented, f"{code} is listed twice"
            documented[code] = severity
    assert set(documented) == set(CATALOGUE), (
        f"not in the README: {sorted(set(CATALOGUE) - set(documented))}; "
        f"not in the catalogue: {sorted(set(documented) - set(CATALOGUE))}"
    )
    for code, severity in documented.items():
        assert severity == CATALOGUE[code].severity, code


def _subcommands(
    parser: argparse.ArgumentParser, prefix: str
) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _subcommands(sub, f"{prefix} {name}")
                found.update(nested or {f"{prefix} {name}": sub})
    return found


COMMANDS = _subcommands(cli._parser(), "kpixl")


def test_the_parser_has_the_documented_commands() -> None:
    assert set(COMMANDS) == {
        "kpixl master check",
        "kpixl master init",
        "kpixl templates",
        "kpixl check",
        "kpixl score",
        "kpixl round",
        "kpixl ledger list",
        "kpixl ledger history",
        "kpixl ledger export",
        "kpixl summary",
        "kpixl report",
        "kpixl demo",
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_in_the_command_line_table(command: str) -> None:
    first_cells = [row[0] for row in table_rows(section("Command line"))]
    assert any(cell.startswith(f"`{command}") for cell in first_cells), command


UNDOCUMENTED_OPTIONS: set[tuple[str, str]] = set()
"""Options the README does not mention yet (none: add one here only with an issue note)."""


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_is_in_the_readme(command: str) -> None:
    for action in COMMANDS[command]._actions:
        if isinstance(action, argparse._HelpAction) or not action.option_strings:
            continue
        mentioned = any(
            re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", README)
            for option in action.option_strings
        )
        expected = (command, action.option_strings[-1]) not in UNDOCUMENTED_OPTIONS
        assert mentioned == expected, (command, action.option_strings)


def test_output_files_are_named_as_documented() -> None:
    table = section("Command line")
    assert f"`<name>{ANNOTATED_SUFFIX}`" in table
    for name in RESULT_FILES:
        assert f"`{name}`" in table


def test_exit_codes_are_documented_as_the_cli_uses_them() -> None:
    text = " ".join(section("Command line").split())
    assert (
        f"**{cli.EXIT_OK}** no errors, **{cli.EXIT_ERRORS}** errors found in the inputs, "
        f"**{cli.EXIT_UNUSABLE}** usage error or nothing readable"
    ) in text


# -- set-up ------------------------------------------------------------------------------------


def test_first_section_is_the_two_set_up_commands() -> None:
    first = re.search(r"^## (.*?)\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert first and first[1] == "Set-up"
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", first[2], re.S)
    commands = [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert commands == ["python3 -m pip install . && kpixl demo", ".ci/run"]


def _ci_commands() -> list[str]:
    return [
        line.strip()
        for line in CI_RUN.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_ci_run_is_an_executable_script() -> None:
    assert CI_RUN.is_file()
    assert os.access(CI_RUN, os.X_OK)
    text = CI_RUN.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in _ci_commands()  # a failing step fails the run
    syntax = subprocess.run(
        ["bash", "-n", str(CI_RUN)], capture_output=True, text=True, check=False
    )
    assert syntax.returncode == 0, syntax.stderr


def test_ci_run_ends_with_ruff_mypy_and_pytest() -> None:
    *_, ruff_check, ruff_format, mypy, pytest_ = _ci_commands()
    assert re.fullmatch(r"ruff check( [\w./-]+)*", ruff_check)
    assert re.fullmatch(r"ruff format --check( [\w./-]+)*", ruff_format)
    for command in (ruff_check, ruff_format):
        assert {"kpixl", "tests"} <= set(command.split()[2:]), command
    assert mypy == "mypy"
    assert re.fullmatch(r"(python3? -m )?pytest( -q)?", pytest_)
    assert "pip install" in " ".join(_ci_commands()) and ".[test]" in " ".join(_ci_commands())
