"""The serving path runs no Python callbacks inside polars and never asks polars for pandas (see ui/tables.py).

A callback on polars' thread pool waiting for the GIL, while another session's thread holds the
GIL waiting on that pool (DataFrame.to_pandas(), which st.dataframe calls on a polars frame),
stops the whole server. A scan of the source, since the hang needs concurrent sessions to show.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVING = ("app.py", "pages", "ui", "views", "text", "queries", "exports", "store")
CALLBACKS = {"map_elements", "map_batches", "map_rows", "map_groups", "apply", "to_pandas", "to_numpy"}


def _files() -> list[Path]:
    out: list[Path] = []
    for name in SERVING:
        path = ROOT / name
        out += [path] if path.is_file() else sorted(path.rglob("*.py")) if path.is_dir() else []
    return out


def _calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CALLBACKS]


def test_the_scan_sees_a_callback():
    tree = "import polars as pl\ndf.select(pl.col('a').map_elements(str))\n"
    path = ROOT / "tests" / "_scan_probe.py"
    path.write_text(tree, encoding="utf-8")
    try:
        assert _calls(path) == ["tests/_scan_probe.py:2 .map_elements()"]
    finally:
        path.unlink()


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_polars_callback_or_pandas_conversion_on_the_serving_path(path):
    assert _calls(path) == []
