"""The README and .env.example stay true to the code: every setting, subcommand, slash command and the
test command CI runs are documented where a newcomer looks for them."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot.arguments import build_parser
from bot.settings import ROWS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def test_every_setting_is_in_the_configuration_table_and_in_env_example():
    table = section("Configuration")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for row in ROWS:
        assert row.name in documented, f"{row.name} is missing from the README's Configuration table"
        assert re.search(rf"^#? ?{row.name}=", example, re.M), f"{row.name} is missing from .env.example"


def test_every_subcommand_is_shown_in_the_command_line_section():
    (subparsers,) = (a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    shown = section("Command line (offline mode)")
    for name in subparsers.choices:
        if name in ("run", "health"):  # running the bot and the container check have their own sections
            continue
        assert f"python -m bot {name}" in shown, name


def test_every_slash_command_is_in_the_commands_table():
    table = section("Commands in Discord")
    for name in ("tokenize", "attention", "compare", "quiz", "predict", "settings", "about", "help"):
        assert f"`/{name}" in table, name


def test_the_readme_test_command_is_what_ci_runs():
    (command,) = re.findall(r"\*\*Run the tests:\*\*\n\n```bash\n(.+)\n```", README)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    install, run = command.split(" && ")
    assert "pip install --quiet -e '.[dev]'" in ci and install == "pip install -e '.[dev]'"
    assert f"\n{run}\n" in ci


def test_the_readme_installs_torch_as_ci_does():
    """The CPU build from PyTorch's index, in the set-up command and in CI alike (a bare torch
    requirement pulls the CUDA build on Linux)."""
    (setup,) = re.findall(r"\*\*Set up and try it offline\*\*.*?```bash\n(.+?)\n```", README, re.S)
    (torch,) = re.findall(r"pip install (torch==\S+ --extra-index-url \S+)", setup)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"pip install --quiet {torch}" in ci
