"""exports/story.py: the present-mode slides as plain data, every number recomputed with queries/."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest

from exports.story import UnknownLocality, build_story, resolve_locality
from geo.boundaries import district_features
from queries.compare import compare, published_note
from queries.coverage import RATES, coverage
from queries.funding import funding
from queries.kpis import kpis
from queries.reconcile import reconcile
from queries.scope import in_scope
from tests.conftest import ROOT
from text.indicators import number_format
from text.numbers import interval

WUZHOU, GUIGANG, CENXI = "450400", "450800", "450481"
SYNTHETIC_ZH = "示例数据（合成）"
ROSTER_KINDS = {"title", "kpis", "map", "chart", "reconcile"}


@pytest.fixture(scope="module")
def wuzhou(tables):
    return build_story(tables, locality_id=WUZHOU, lang="zh")


@pytest.fixture(scope="module")
def trio(tables):
    return build_story(tables, compare_ids=[WUZHOU, GUIGANG, CENXI], lang="zh")


def _now(tables, locality_id: str, period: str) -> pl.LazyFrame:
    return in_scope(tables["community_rows"].lazy(), locality_id, tables["localities"]).filter(
        pl.col("period") == period
    )


def test_locality_sequence(wuzhou):
    assert [(s.kind, s.key) for s in wuzhou] == [
        ("title", "title"), ("kpis", "kpis"), ("map", "map"), ("chart", "coverage"), ("chart", "funding"),
        ("chart", "trend"), ("reconcile", "reconcile"), ("sources", "sources"),
    ]
    assert wuzhou.period == "2025"
    assert wuzhou[0].title == "梧州市：党建引领城市基层治理"
    assert "57 个社区" in wuzhou[0].subtitle
    assert [s.chart.kind for s in wuzhou if s.chart] == ["bar", "column", "line"]
    for s in wuzhou:
        if s.chart:
            assert s.chart.data.columns == ["category", "series", "value", "label"]


def test_kpis_equal_the_query_and_keep_the_reports_qualifiers(tables, wuzhou):
    expected = {r["indicator"]: r for r in kpis(tables["community_rows"].lazy(), WUZHOU, tables["localities"], "2025")
                .iter_rows(named=True)}
    cards = wuzhou.slide("kpis").kpis
    assert [k.indicator for k in cards] == [
        "compound_coverage", "grid_coverage", "grids", "reported_members", "services", "fund_total_per_community",
    ]
    for k in cards:
        assert k.value == pytest.approx(expected[k.indicator]["value"])
        assert k.change == pytest.approx(expected[k.indicator]["value_change"])
        assert k.synthetic
    by = {k.indicator: k for k in cards}
    members = by["reported_members"].published
    assert {f.qualifier for f in members} == {"more_than"} and all(f.text == ">30,000" for f in members)
    assert {s for f in members for s in f.source_ids} == {"S000", "S002"}
    # the total Wuzhou never states, added up from the kinds of funds it does: as on the overview
    (funds,) = by["fund_total_per_community"].published
    assert (funds.text, funds.qualifier, funds.from_parts) == ("≥10万+5万", "at_least", True)
    assert [c.indicator for c in funds.citations] == ["fund_service_per_community", "fund_work_per_community"]
    assert by["fund_total_per_community"].published_text == "公开报道：≥10万+5万 元（S000，仅分项之和）"
    assert by["grids"].published_text == "公开报道：613 个（S000）；>610 个（S002）"


def test_every_slide_with_roster_figures_is_labelled_synthetic(wuzhou, trio, tables):
    for story in (wuzhou, trio):
        for s in story:
            if s.kind in ROSTER_KINDS:
                assert s.synthetic and s.footer == SYNTHETIC_ZH, (s.key, s.footer)
    assert wuzhou.slide("sources").footer == ""
    en = build_story(tables, locality_id=GUIGANG, lang="en")
    assert {s.footer for s in en if s.kind in ROSTER_KINDS} == {"Sample data (synthetic)"}


def test_charts_and_map_equal_the_queries(tables, wuzhou):
    now = _now(tables, WUZHOU, "2025")
    names = dict(zip(tables["localities"]["locality_id"], tables["localities"]["name_zh"], strict=True))
    cov = coverage(now, "district")

    ranking = wuzhou.slide("coverage").chart
    rate = ranking.indicator
    assert rate in RATES
    expected = {names[d]: v for d, v in zip(cov["district_id"], cov[rate], strict=True)}
    got = dict(zip(ranking.categories, ranking.values(ranking.series[0]), strict=True))
    assert got == pytest.approx(expected)
    assert ranking.values(ranking.series[0]) == sorted(expected.values(), reverse=True)  # best first

    m = wuzhou.slide("map").map
    assert m.city_adcode == WUZHOU and m.highlight is None and m.indicator == rate
    # every unit of the city, keyed by its boundary feature; the units without a roster have no value
    assert set(m.values) == {f["properties"]["adcode"] for f in district_features(WUZHOU)["features"]}
    assert {k: v for k, v in m.values.items() if v is not None} == pytest.approx(
        dict(zip(cov["district_id"], cov[rate], strict=True)))

    fund = funding(now, "district")
    chart = wuzhou.slide("funding").chart
    assert chart.categories == [names[d] for d in fund["district_id"]]
    assert chart.series[0] == "每社区服务群众专项经费"
    assert chart.values(chart.series[0]) == pytest.approx(fund["fund_service_per_community"].to_list())
    assert chart.values("每社区工作经费") == pytest.approx(fund["fund_work_per_community"].to_list())

    trend = wuzhou.slide("trend").chart
    over = coverage(in_scope(tables["community_rows"].lazy(), WUZHOU, tables["localities"]), "city").sort("period")
    assert trend.categories == over["period"].to_list() == ["2023", "2024", "2025"]
    assert trend.values("小区党组织覆盖率") == pytest.approx(over["compound_coverage"].to_list())


def test_county_level_locality_maps_its_city_with_it_outlined(tables):
    s = build_story(tables, locality_id=CENXI)
    m = s.slide("map").map
    assert m.city_adcode == WUZHOU and m.highlight == CENXI
    assert s.slide("coverage").title.endswith("各街道排名")


@pytest.mark.parametrize("city_id, district_id", [("441900", "441900/东莞市"), ("620200", "620200/嘉峪关市")])
def test_an_undivided_city_is_coloured_on_its_map(tables, city_id, district_id):
    """东莞 has no county-level units: its one district is 441900/东莞市, its boundary feature 441900."""
    rows = tables["community_rows"]
    here = rows.head(2).with_columns(
        pl.lit(city_id).alias("city_id"), pl.lit(district_id).alias("district_id"), pl.lit("2025").alias("period"),
        pl.Series("community", ["甲社区", "乙社区"]), pl.Series("compounds", [10, 30]),
        pl.Series("compounds_with_party_org", [5, 15]), pl.Series("grids", [4, 4]),
        pl.Series("grids_with_party_org", [4, 4]), pl.Series("property_companies", [2, 2]),
        pl.Series("property_companies_with_party_org", [2, 2]),
    )
    story = build_story({**tables, "community_rows": pl.concat([rows, here])}, locality_id=city_id)
    m = story.slide("map").map
    assert m.indicator == "compound_coverage"  # the rate that lags: 50 % against full grid and property coverage
    assert m.values == pytest.approx({city_id: 0.5})
    assert set(m.values) == {f["properties"]["adcode"] for f in district_features(city_id)["features"]}


def test_reconciliation_slide(tables, wuzhou):
    rec = reconcile(tables["facts"], tables["community_rows"].lazy(), tables["localities"]).filter(
        pl.col("locality_id") == WUZHOU
    )
    slide = wuzhou.slide("reconcile")
    counts = rec["verdict"].value_counts()
    contradicted = counts.filter(pl.col("verdict") == "contradicted")["count"].sum()  # 0: the samples agree
    assert f"{rec.height} 条报告数字" in slide.subtitle and f"{contradicted} 条不一致" in slide.subtitle
    assert 0 < len(slide.table.rows) <= 8
    assert slide.table.columns[2] == "报告范围" and slide.table.columns[5] == "核对结果"
    # contradicted claims first; each row's verdict is the query's verdict for its first fact
    verdicts = slide.table.data["verdict"].to_list()
    assert verdicts == sorted(verdicts, key=["contradicted", "not_comparable", "consistent", "no_data"].index)
    by_fact = dict(zip(rec["fact_id"], rec["verdict"], strict=True))
    assert all(by_fact[f] == v for f, v in zip(slide.table.data["fact_id"], verdicts, strict=True))
    label = {"contradicted": "不一致", "not_comparable": "口径不可比", "consistent": "一致", "no_data": "无名册数据"}
    assert slide.table.rows[0][5].startswith(label[verdicts[0]])
    # each claim shows the range its wording allows, as the query gives it, open ends included (2600多:
    # 2,600至不足2,700), worded as the sources page words it
    data = slide.table.data
    for row, low, high, bounds, q, indicator in zip(slide.table.rows, data["low"], data["high"], data["bounds"],
                                                    data["qualifier"], data["indicator"], strict=True):
        assert row[2] == interval(low, high, number_format(indicator), "zh", bounds=bounds, qualifier=q)
    assert any("不足" in row[2] for row in slide.table.rows)


def test_a_claim_that_is_not_comparable_says_why(wuzhou):
    slide = wuzhou.slide("reconcile")
    data = slide.table.data
    reasons = dict(zip(data["fact_id"], data["reason"], strict=True))
    not_comparable = [(f, row[5]) for f, row in zip(data["fact_id"], slide.table.rows, strict=True)
                      if reasons[f] in ("unit_kind_differs", "per_differs", "period_kind_differs")]
    assert not_comparable, "the Wuzhou reports hold claims over other periods than the roster"
    for fact_id, cell in not_comparable:
        assert cell.startswith("口径不可比：") and cell != "口径不可比："
    # 17000多名 volunteers were mobilised over several years; the roster counts volunteers at a point in time
    assert any("累计（多年）" in cell and "时点" in cell for _, cell in not_comparable)


def test_sources_slide_lists_the_reports_behind_the_figures_shown(tables, wuzhou):
    refs = wuzhou.slide("sources").sources
    titles = dict(zip(tables["sources"]["source_id"], tables["sources"]["title"], strict=True))
    assert [r.source_id for r in refs] == ["S000", "S002"]
    assert [r.title for r in refs] == [titles["S000"], titles["S002"]]
    evidence = set(tables["facts"]["evidence"].to_list())
    assert all(e in evidence for r in refs for e in r.evidence) and all(r.evidence for r in refs)


def test_comparison(tables, trio):
    assert [(s.kind, s.key) for s in trio] == [
        ("title", "title"), ("kpis", "kpis"), ("chart", "funding"), ("chart", "coverage"), ("chart", "trend"),
        ("caveat", "caveat"), ("sources", "sources"),
    ]
    assert trio[0].title == "梧州市、贵港市、岑溪市：比较"
    kp = trio.slide("kpis")
    assert kp.table.columns == ("指标", "梧州市", "贵港市", "岑溪市")
    assert {k.locality_id for k in kp.kpis} == {WUZHOU, GUIGANG, CENXI}

    fund = trio.slide("funding").chart
    roster_series, published_series = fund.series
    assert fund.qualified_series == (published_series,)
    assert fund.labels(published_series) == ["≥10万+5万", "≥20万", "18万"]
    assert fund.values(published_series) == [150_000, 200_000, 180_000]
    expected = compare(tables["community_rows"].lazy(), [WUZHOU, GUIGANG, CENXI], ["fund_total_per_community"],
                       tables["localities"], periods=["2025"])
    by_id = dict(zip(expected["locality_id"], expected["value"], strict=True))
    assert fund.values(roster_series) == pytest.approx([by_id[i] for i in (WUZHOU, GUIGANG, CENXI)])
    assert published_note("zh") in trio.slide("funding").bullets

    cov = trio.slide("coverage").chart
    assert cov.series == ["小区党组织覆盖率", "网格党组织覆盖率", "物业企业党组织覆盖率"]
    trend = trio.slide("trend").chart
    assert trend.series == ["梧州市", "贵港市", "岑溪市"] and trend.categories == ["2023", "2024", "2025"]

    caveat = trio.slide("caveat")
    assert [r[0] for r in caveat.table.rows] == ["梧州市", "梧州市", "贵港市", "岑溪市"]
    assert caveat.bullets[0] == published_note("zh")
    assert {r.source_id for r in trio.slide("sources").sources} >= {"S000", "S001", "S003"}


def test_a_period_without_roster_keeps_the_reports_and_drops_the_roster_slides(tables):
    s = build_story(tables, locality_id=WUZHOU, period="1999")
    assert [x.kind for x in s] == ["title", "kpis", "reconcile", "sources"]
    assert all(k.value is None and k.text == "无数据" for k in s.slide("kpis").kpis)
    assert s[0].footer == ""


def test_localities_by_name_or_id(tables):
    locs = tables["localities"]
    assert resolve_locality(locs, "梧州市") == resolve_locality(locs, "wuzhou") == resolve_locality(locs, WUZHOU)
    with pytest.raises(UnknownLocality, match="did you mean: 梧州市"):
        resolve_locality(locs, "梧州")
    with pytest.raises(UnknownLocality, match="unknown locality"):
        resolve_locality(locs, "火星市")
    with pytest.raises(UnknownLocality):
        build_story(tables, locality_id="999999")


def test_exports_do_not_import_streamlit():
    code = "import sys, exports.story, exports.deck, exports.images, exports.cli; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
