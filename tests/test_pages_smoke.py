"""One AppTest smoke test per page: it runs with data and shows what it should."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from queries.catalog import indicator as catalog_row
from queries.kpis import KPIS, kpis
from tests.builders import app_test
from text import indicators as ind
from text.messages import message


def test_the_default_page_is_the_overview_of_the_first_locality_with_its_kpi_cards(open_page, tables):
    at = open_page()
    assert [t.value for t in at.title] == ["总览"]
    # no locality in the URL: the first focus locality (梧州市) in its latest roster period, written back to the URL
    assert (at.query_params["loc"], at.query_params["period"]) in ((["450400"], ["2025"]), ("450400", "2025"))
    assert at.caption[0].value == "梧州市 · 2025 年度"
    expected = kpis(tables["community_rows"].lazy(), "450400", tables["localities"], "2025")
    cards = {m.label: m.value for m in at.metric}
    assert cards == {ind.label(r["indicator"], "zh"): ind.value(r["indicator"], r["value"], "zh")
                     for r in expected.iter_rows(named=True)}
    assert cards["社区数"] == "57"


def test_language_comes_from_the_url(open_page):
    at = open_page(lang="en")
    assert [t.value for t in at.title] == ["Overview"]
    assert at.query_params["lang"] in ("en", ["en"])
    assert "Communities" in [m.label for m in at.metric]


# ------------------------------------------------------------------ the four explore pages, with data
SYNTHETIC = message("common.synthetic_banner", "zh")


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _decks(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.json) for c in at.get("deck_gl_json_chart")]


def _no_basemap(deck: dict) -> None:
    assert deck.get("mapProvider") is None
    text = json.dumps(deck)
    assert "cartocdn" not in text and "mapbox://" not in text


def _no_raw_keys(at: AppTest) -> None:
    """No message key (overview.x, sources.y) reached the screen untranslated."""
    shown = [e.value for kind in ("title", "subheader", "caption", "markdown", "info", "warning", "success")
             for e in getattr(at, kind)] + [m.label for m in at.metric]
    leaked = [s for s in shown if isinstance(s, str) and any(
        s.startswith(p) for p in ("overview.", "compare.", "district.", "sources.", "common.")
    )]
    assert leaked == []


def test_overview_cards_show_roster_values_changes_and_published_sources(open_page):
    at = open_page("pages/overview.py", loc="450400", period="2025")
    metrics = {m.label: m for m in at.metric}
    assert list(metrics) == [catalog_row(k)["name_zh"] for k in KPIS]
    assert metrics["社区数"].value == "57" and metrics["网格数"].value == "613"
    assert metrics["小区党组织覆盖率"].value == "100.0%"
    assert metrics["小区党组织覆盖率"].proto.delta == "+15.7 个百分点"  # 2024 → 2025
    assert metrics["每社区经费合计"].value == "18.7万"
    assert all(m.proto.help for m in at.metric), "every card explains its definition on hover"
    captions = [c.value for c in at.caption]
    # beside the roster figures, the published ones with qualifier and source
    assert "公开报道：100%（S000、S002）" in captions
    assert "公开报道：613 个（S000）；>610 个（S002）" in captions
    assert "公开报道：≥10万+5万 元（S000，仅分项之和）" in captions
    # one click away (the 来源 popover): the evidence phrase and the document's title
    assert "> 服务群众专项经费不少于10万元" in [m.value for m in at.markdown]
    assert any("《广西壮族自治区梧州市：党建引领注入强大动能 千年古郡迸发时代活力》" in c and "F000-053" in c for c in captions)
    assert SYNTHETIC in [w.value for w in at.warning]
    # the China map: every seed locality as a point, values in the tooltip, no basemap
    deck, lag_deck = _decks(at)
    _no_basemap(deck)
    dots = next(layer for layer in deck["layers"] if layer["id"] == "localities")["data"]
    names = {d["tooltip_name"]: d["tooltip_value"] for d in dots}
    assert {"梧州市", "贵港市", "岑溪市"} <= set(names) and names["梧州市"] == "100.0%"
    # the city's districts coloured by the lag indicator: which district is behind
    _no_basemap(lag_deck)
    shapes = next(layer for layer in lag_deck["layers"] if layer["@@type"] == "GeoJsonLayer")["data"]["features"]
    by_name = {fe["properties"]["name_zh"]: fe["properties"] for fe in shapes}
    assert len(by_name) == 7 and "蒙山县" in by_name
    assert "梧州市各区县小区党组织覆盖率" in [m.value.strip("*") for m in at.markdown]
    _no_raw_keys(at)


def test_overview_shows_where_coverage_lags(open_page):
    at = open_page("pages/overview.py", loc="450400", period="2024", lag="grid_coverage")
    (chart,) = _charts(at)
    bars = chart["data"][0]
    assert chart["layout"]["title"]["text"] == "网格党组织覆盖率最低的社区"
    assert len(bars["y"]) == 10 and all("（" in label for label in bars["y"])  # 第n社区（万秀区）
    assert bars["x"] == sorted(bars["x"]) and max(bars["x"]) < 1.0  # lowest first, all below target
    assert all(text.endswith("%") for text in bars["text"])
    tables = [df.value for df in at.dataframe]
    assert any("区县" in t.columns and "距目标" in t.columns for t in tables)


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/compare.py", "pages/district.py", "pages/sources.py"])
def test_an_empty_database_says_what_to_do(empty_db, tmp_path, monkeypatch, page):
    monkeypatch.setenv("GOV_DB", str(tmp_path / "empty.duckdb"))
    at = app_test(page)
    assert not at.exception, [e.value for e in at.exception]
    assert any(message("empty.title", "zh") in i.value for i in at.info)
    assert not at.metric and not at.get("plotly_chart") and not at.get("deck_gl_json_chart")


def test_compare_journey_two_funding_per_community_with_qualifiers(open_page):
    at = open_page("pages/compare.py", locs="450400,450800,450481", inds="fund_total_per_community", view="bar")
    (chart,) = _charts(at)
    series = {tr["name"]: tr for tr in chart["data"]}
    published = series["公开报道"]
    assert published["x"] == ["梧州市", "贵港市", "岑溪市"]
    assert published["text"] == ["≥10万+5万", "≥20万", "18万"]
    assert published["marker"]["color"] == "#E69F00"  # PUBLISHED_COLOR, roster bars another colour
    assert series["名册（示例数据）"]["marker"]["color"] != published["marker"]["color"]  # labelled synthetic
    assert chart["layout"]["yaxis"]["ticktext"][1].endswith("万")
    # the caveat that reports define the money differently, and the data behind the chart
    assert any("口径" in w.value for w in at.warning)
    (table,) = [df.value for df in at.dataframe]
    pub = table[table["依据"] == "公开报道"]
    assert list(pub["显示数值"]) == ["≥10万+5万", "≥20万", "18万"]
    assert list(pub["限定"]) == ["不少于", "不少于", "确数"]
    assert "分项" in pub.iloc[0]["说明"]
    assert SYNTHETIC in [w.value for w in at.warning]
    assert {b.proto.label for b in at.get("download_button")} >= {"下载 CSV", "下载 Excel"}
    # the URL holds the view as stable codes, so the link reopens it
    assert at.query_params["locs"] == "450400,450800,450481"
    assert at.query_params["inds"] == "fund_total_per_community"
    _no_raw_keys(at)


def test_compare_url_reopens_ranking_and_scatter_views(open_page):
    at = open_page("pages/compare.py", locs="450400,450800", inds="compound_coverage,services_per_10k", view="ranking",
               lang="en")
    charts = _charts(at)
    # titles wrap to fit a half-width column (<br>), and say their unit once
    assert [c["layout"]["title"]["text"].replace("<br>", " ") for c in charts] == [
        "Compound party-organisation coverage (%)", "Service activities per 10k residents"]
    assert {tr["name"] for tr in charts[0]["data"]} == {"Published", "Roster (synthetic sample)"}
    assert any("Definitions" in e.label for e in at.expander)
    at = open_page("pages/compare.py", locs="450400,450800,450481", view="scatter", points="locality")
    (chart,) = _charts(at)
    assert chart["data"][0]["text"] == ["梧州市", "贵港市", "岑溪市"]
    assert chart["layout"]["xaxis"]["title"]["text"].startswith("每社区经费合计")
    at = open_page("pages/compare.py", locs="450481", view="scatter", points="community")
    (chart,) = _charts(at)
    assert len(chart["data"][0]["x"]) == 19  # Cenxi's communities


def test_district_map_has_one_feature_per_wuzhou_district_and_no_basemap(open_page):
    at = open_page("pages/district.py", loc="450400", ind="compound_coverage", period="2024")
    (deck,) = _decks(at)
    _no_basemap(deck)
    polygons = next(layer for layer in deck["layers"] if layer["@@type"] == "GeoJsonLayer")
    features = polygons["data"]["features"]
    assert sorted(f["properties"]["adcode"] for f in features) == [
        "450403", "450405", "450406", "450421", "450422", "450423", "450481"]
    tips = {f["properties"]["tooltip_name"]: f["properties"]["tooltip_value"] for f in features}
    assert tips["蒙山县"] == "无数据" and tips["万秀区"].endswith("%")
    assert any(layer["@@type"] == "ScatterplotLayer" and len(layer["data"]) == 57 for layer in deck["layers"])
    # legend drawn with Streamlit, community table with catalog names
    assert any("图例" in m.value for m in at.markdown)
    tables = [df.value for df in at.dataframe]
    communities = next(t for t in tables if "社区" in t.columns)
    assert len(communities) == 57 and "小区党组织覆盖率" in communities.columns
    assert communities["小区党组织覆盖率"].is_monotonic_increasing  # sorted by the chosen indicator
    assert SYNTHETIC in [w.value for w in at.warning]
    _no_raw_keys(at)


def test_district_page_highlights_a_county_level_locality_in_its_city_and_speaks_english(open_page):
    at = open_page("pages/district.py", loc="450481", ind="fund_total_per_community", lang="en")
    (deck,) = _decks(at)
    features = next(layer for layer in deck["layers"] if layer["@@type"] == "GeoJsonLayer")["data"]["features"]
    widths = {f["properties"]["adcode"]: f["properties"]["line_width"] for f in features}
    assert widths["450481"] > widths["450403"]  # Cenxi outlined in Wuzhou's map
    tips = {f["properties"]["tooltip_name"]: f["properties"] for f in features}
    assert tips["Cenxi City"]["tooltip_label"] == "Total funds per community" and tips["Cenxi City"]["tooltip_value"] == "180K"
    assert tips["Mengshan County"]["tooltip_value"] == "no data"
    communities = next(t for t in (df.value for df in at.dataframe) if "Community" in t.columns)
    assert len(communities) == 19


def test_sources_page_shows_the_201_vs_543_conflict_side_by_side(open_page):
    at = open_page("pages/sources.py", src_loc="450400", cat="coverage", src_ind="compound_party_branches")
    shown = {m.label: m.value for m in at.metric}
    assert shown["S000 · F000-009"] == "201 个" and shown["S002 · F002-001"] == "543 个"
    assert "**梧州市 · 小区党支部数**" in [m.value for m in at.markdown]
    facts, recon = (df.value for df in at.dataframe)
    assert list(facts["编号"]) == ["F000-009", "F002-001"]
    assert set(facts["来源"]) == {"S000《广西壮族自治区梧州市：党建引领注入强大动能 千年古郡迸发时代活力》",
                                "S002《“邻里党建”让城市基层治理更有温度》"}
    # reconciliation: branches are not compounds, and no roster column counts them
    assert list(recon["报道数字"]) == ["201 个", "543 个"]
    assert list(recon["结论"]) == ["无名册数据", "无名册数据"]
    _no_raw_keys(at)


def test_sources_page_lists_every_fact_with_qualifiers(open_page):
    at = open_page("pages/sources.py")
    facts = at.dataframe[0].value
    assert len(facts) == 270
    assert (facts["数值"].str.startswith(">")).sum() > 0 and (facts["数值"].str.startswith("≥")).sum() > 0
    row = facts[facts["编号"] == "F000-053"].iloc[0]
    # the denominator stays with the unit (每个社区不少于10万元 is per community), and the range is shown
    assert (row["数值"], row["范围"], row["单位"], row["限定"]) == ("≥10万", "≥10万", "元/社区", "不少于")
    assert len(at.metric) == 4  # two conflicts (201 vs 543 branches, 41 vs 25 property party orgs), two sides each
    at = open_page("pages/sources.py", cat="other")
    # a fact with no catalog indicator says so, with its theme, and names its subject in Chinese (never "—")
    other = at.dataframe[0].value
    assert {c.split(" · ")[0] for c in other["类别"]} == {"其他"}
    assert {c.split(" · ")[1] for c in other["类别"]} >= {"组织与机制", "服务"}
    assert not (other["指标"] == "—").any()


@pytest.mark.parametrize(
    "page, params",
    [
        ("pages/district.py", {"loc": "450400", "period": "2024"}),
        ("pages/overview.py", {"loc": "450400", "period": "2024"}),
        ("pages/compare.py", {"loc": "450400"}),
        ("pages/sources.py", {"src_loc": "450400"}),
    ],
)
def test_tables_show_a_missing_value_as_a_dash_not_none(open_page, page, params):
    # a community with no grids has no grid coverage: Streamlit would print "None"
    at = open_page(page, **params)
    assert at.dataframe, "the page should show a table"
    assert {df.proto.placeholder for df in at.dataframe} == {"—"}
