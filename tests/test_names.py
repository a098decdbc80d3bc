"""views/names.py: whole-table name expressions give exactly what the per-row lookups give."""

from __future__ import annotations

import polars as pl
import pytest

from views.names import Names

FRAME = pl.DataFrame({
    "district_id": ["450403", "450403", None, "999999", "450481"],
    "community": ["城东社区", "未知社区", "某社区", "外地社区", None],
})
LOCALITIES = {"450403": "Wanxiu District", "450403/城东社区": "Chengdong Community", "450481": "Cenxi"}


def _names(lang: str) -> Names:
    loc = pl.DataFrame({"locality_id": list(LOCALITIES), "name_zh": list(LOCALITIES), "name_en": list(LOCALITIES.values())})
    return Names(loc, pl.DataFrame(), lang)


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
