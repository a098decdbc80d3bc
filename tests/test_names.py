"""Whole-table name expressions give exactly what the per-row lookups give."""

from __future__ import annotations

import polars as pl
import pytest

from ui.names import Names

FRAME = pl.DataFrame({
    "district_id": ["450403", "450403", None, "999999", "450481"],
    "community": ["城东社区", "未知社区", "某社区", "外地社区", None],
})
LOCALITIES = {"450403": "Wanxiu District", "450403/城东社区": "Chengdong Community", "450481": "Cenxi"}


def _names(lang: str) -> Names:
    names = object.__new__(Names)  # no Streamlit session: the tables are given here
    names.lang, names.localities, names.titles = lang, dict(LOCALITIES), {}
    return names


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_community_expr_matches_community(lang):
    names = _names(lang)
    got = FRAME.select(names.community_expr().alias("x"))["x"].to_list()
    want = [names.community(d, c) or None for d, c in FRAME.iter_rows()]
    assert got == want
    if lang == "en":
        assert got[0] == "Chengdong Community"


def test_locality_expr_matches_locality():
    names = _names("en")
    got = FRAME.select(names.locality_expr("district_id").alias("x"))["x"].to_list()
    assert got == ["Wanxiu District", "Wanxiu District", None, "999999", "Cenxi"]
