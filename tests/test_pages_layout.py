"""The viewing pages only lay out view-models: no polars, pandas or SQL in pages/ (a scan of the source)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VIEWING = ("overview.py", "compare.py", "district.py", "sources.py", "present.py")
DATA_LIBS = {"polars", "pandas", "duckdb", "pyarrow", "numpy"}
# method names that only dataframes have (a view-model's tuples and dicts have none of them)
FRAME_METHODS = {
    "filter", "select", "with_columns", "group_by", "sort",  # not join: str.join "unique", "iter_rows", "to_list", "rename",
    "drop", "is_empty", "collect", "lazy", "agg", "pivot", "unpivot", "concat", "row", "head", "to_dicts",
    "map_elements", "map_batches", "to_pandas", "to_arrow", "execute", "sql",
}


def _problems(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in DATA_LIBS]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in DATA_LIBS | {"queries", "store"}:
            out.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and node.attr in FRAME_METHODS:
            out.append(f".{node.attr} (line {node.lineno})")
        elif isinstance(node, ast.Attribute) and node.attr in ("height", "shape", "schema"):  # not columns: st.columns
            out.append(f".{node.attr} (line {node.lineno})")
    return out


def test_the_scan_finds_a_dataframe_operation():
    assert sorted(_problems("import polars as pl\nx = df.filter(pl.col('a') > 1).height\n")) == [
        ".filter (line 2)", ".height (line 2)", "import polars"]


@pytest.mark.parametrize("page", VIEWING)
def test_a_viewing_page_holds_no_dataframe_operation(page):
    assert _problems((ROOT / "pages" / page).read_text(encoding="utf-8")) == []


def test_view_models_do_not_reach_into_the_streamlit_side():
    # views/ sit between queries/ and ui/: they may use text/, geo/, queries/ and store/, never ui/
    import re

    offenders = [
        f"{path.name}:{n}"
        for path in sorted((ROOT / "views").glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.match(r"\s*(from ui[. ]|import ui\b)", line)
    ]
    assert offenders == []
