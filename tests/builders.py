"""Builders every test shares: community rows from a few fields, one small locality table, a page opener."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

from store.columns import CANONICAL

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")

# ------------------------------------------------------------------ community rows
# The columns store.read.community_rows gives the queries.
SCHEMA: dict[str, pl.DataType] = {
    "dataset_id": pl.Int64(), "synthetic": pl.Boolean(), "city_id": pl.String(), "district_id": pl.String(), **CANONICAL,
}
# One community's place and period, for tests about a single street of Wuzhou's 万秀区.
WANXIU_2024: dict[str, object] = {
    "synthetic": False, "city_id": "450400", "district_id": "450403", "street": "城东街道", "period": "2024",
}


def rows(*records: dict, **defaults: object) -> pl.LazyFrame:
    """Community rows with every canonical column: each record over `defaults`; what both leave out is null."""
    return pl.LazyFrame([{c: {**defaults, **r}.get(c) for c in SCHEMA} for r in records], schema=SCHEMA)


def rows_with(**defaults: object) -> Callable[..., pl.LazyFrame]:
    """rows() with these defaults, for a test module whose rows share a place, a period or a flag."""
    return lambda *records: rows(*records, **defaults)


# ------------------------------------------------------------------ localities
LOCALITY_COLUMNS: tuple[str, ...] = ("locality_id", "name_zh", "name_en", "level", "parent_id", "adcode")
# Guangxi with Wuzhou and Guigang (a street and a community among them), and Jinyuan, whose city is
# deliberately absent (a district without its parent).
LOCALITY_ROWS: list[tuple[str | None, ...]] = [
    ("450000", "广西壮族自治区", "Guangxi", "province", None, "450000"),
    ("450400", "梧州市", "Wuzhou", "city", "450000", "450400"),
    ("450403", "万秀区", "Wanxiu District", "district", "450400", "450403"),
    ("450405", "长洲区", "Changzhou District", "district", "450400", "450405"),
    ("450406", "龙圩区", "Longxu District", "district", "450400", "450406"),
    ("450481", "岑溪市", "Cenxi", "district", "450400", "450481"),
    ("450403/城东街道", "城东街道", "Chengdong Subdistrict", "street", "450403", None),
    ("450405/大塘街道", "大塘街道", "Datang", "street", "450405", None),
    ("450800", "贵港市", "Guigang", "city", "450000", "450800"),
    ("450802", "港北区", "Gangbei District", "district", "450800", "450802"),
    ("450802/荷城社区", "荷城社区", "Hecheng", "community", "450802", None),
    ("140110", "晋源区", "Jinyuan District", "district", "140100", "140110"),
]
LOCALITIES: pl.DataFrame = pl.DataFrame(LOCALITY_ROWS, schema=list(LOCALITY_COLUMNS), orient="row")


def insert_localities(cur) -> None:
    """Fill the store's localities table with LOCALITIES inside an open transaction."""
    cur.register("_loc", LOCALITIES.to_arrow())
    try:
        cur.execute(f"INSERT INTO localities ({', '.join(LOCALITY_COLUMNS)}) SELECT * FROM _loc")
    finally:
        cur.unregister("_loc")


# The tables whose rows an import or a refusal may change: a refusal must leave every count as it was.
STORE_TABLES: tuple[str, ...] = ("datasets", "community_rows", "files", "localities", "facts", "sources")


def store_counts(path: Path, tables: tuple[str, ...] = STORE_TABLES) -> dict[str, int]:
    """Rows per table of the store at `path` (opened and closed again)."""
    from store.db import close_database, open_database

    db = open_database(path)
    try:
        cur = db.reader()
        return {t: cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
    finally:
        close_database(path)


def copy_store(template: Path, to: Path) -> Path:
    """A store of the test's own: a template's file (conftest's store_template) copied to `to`; it
    publishes itself when opened."""
    import shutil

    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, to)
    return to


# ------------------------------------------------------------------ sign-in
# store.access._hasher as the dashboard has it: conftest gives the tests argon2's cheapest parameters instead.
REAL_PASSWORD_HASHER: list = []


# ------------------------------------------------------------------ pages
def app_test(page: str | None = None, *, run: bool = True, **params: str):
    """The dashboard (app.py) in Streamlit's AppTest, opened straight on `page` (pages/x.py; None: the
    default page) with these URL query parameters, as a deep link opens it; run once unless `run` is False."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    return at.run() if run else at


def page_alone(page: str):
    """One page file (pages/x.py) in AppTest without app.py's navigation and sign-in, not yet run."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / page), default_timeout=60)


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.02) -> None:
    """Poll `condition` until it holds: synchronisation with a deadline, never a fixed sleep that hopes.
    AssertionError naming `what` when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
