"""The README documents the interfaces, in datasette's manner (its test_docs.py): every command and every
setting the code has is in the README, and nothing the README lists is missing from the code."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from exports.cli import _parser as exports_parser
from store.cli import _parser as store_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Code that reads settings: everything but the tests (a test may read its own, e.g. GOV_SEEDS).
SOURCES = [p for p in ROOT.rglob("*.py") if not p.relative_to(ROOT).parts[0] in ("tests", ".git")]
SETTING = re.compile(r"\bGOV_[A-Z][A-Z_]*[A-Z]\b")


def _subcommands(parser: argparse.ArgumentParser, prefix: str) -> set[str]:
    """Every command a parser accepts, nested ones as 'user add'."""
    out: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                inner = _subcommands(sub, f"{prefix}{name} ")
                out |= inner or {f"{prefix}{name}"}
    return out


def _readme_commands(module: str) -> set[str]:
    """`python -m store import ...` -> 'import'; nested commands keep their second word ('user add')."""
    found = set()
    for m in re.finditer(rf"python -m {re.escape(module)} ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", README):
        found.add(m.group(1) if m.group(1) != "user" else f"user {m.group(2)}")
    return found


STORE = _subcommands(store_parser(), "")
EXPORTS = _subcommands(exports_parser(), "")


@pytest.mark.parametrize("command", sorted(STORE))
def test_every_store_command_is_in_the_readme(command):
    assert f"python -m store {command}" in README


@pytest.mark.parametrize("command", sorted(EXPORTS))
def test_every_exports_command_is_in_the_readme(command):
    assert f"python -m exports {command}" in README


def test_every_command_the_readme_lists_exists():
    assert _readme_commands("store") - STORE == set()
    assert _readme_commands("exports") - EXPORTS == set()


def _bench_entries() -> set[str]:
    """bench modules one runs with python -m: the package itself and every module with a __main__ block."""
    mains = {f"bench.{p.stem}" for p in (ROOT / "bench").glob("*.py")
             if p.stem != "__main__" and '__name__ == "__main__"' in p.read_text(encoding="utf-8")}
    return {"bench", *mains}


@pytest.mark.parametrize("entry", sorted(_bench_entries()))
def test_every_benchmark_entry_is_in_the_readme(entry):
    assert re.search(rf"python -m {re.escape(entry)}(?![\w.])", README)


def test_every_benchmark_the_readme_lists_exists():
    listed = set(re.findall(r"python -m (bench(?:\.[a-z_]+)?)", README))
    assert listed - _bench_entries() == set()


def _settings_read_by_code() -> set[str]:
    return {name for path in SOURCES for name in SETTING.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("setting", sorted(_settings_read_by_code()))
def test_every_setting_the_code_reads_is_in_the_readme(setting):
    assert f"`{setting}`" in README or f"{setting}=" in README


def test_every_setting_the_readme_names_is_read_by_the_code():
    assert set(SETTING.findall(README)) - _settings_read_by_code() == set()


def test_the_checks_would_see_a_missing_command():
    parser = store_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.add_parser("frobnicate")
    assert "frobnicate" in _subcommands(parser, "") and "python -m store frobnicate" not in README
