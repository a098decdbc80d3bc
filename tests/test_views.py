"""views/: each page's view-model, built from the bootstrapped store with no Streamlit, says what the page shows."""

from __future__ import annotations

import pytest

from exports.story import build_story
from queries.kpis import KPIS
from views import compare, district, overview, present, sources

WUZHOU, TONGHUA, GUIGANG, CENXI = "450400", "220500", "450800", "450481"


@pytest.fixture(scope="module")
def store(tables):
    """The bootstrapped store's tables (conftest's session-wide `tables`), by the name these tests use."""
    return tables


def test_overview_cards_carry_roster_values_and_the_reports_figures(store):
    v = overview.build(store, scope_id=WUZHOU, period="2025", lang="zh")
    assert (v.state, v.roster, v.synthetic, v.period) == ("ok", True, True, "2025")
    by = {c.indicator: c for c in v.cards}
    assert list(by) == list(KPIS)
    assert (by["communities"].text, by["compound_coverage"].change_text) == ("57", "+15.7 个百分点")
    assert by["fund_total_per_community"].published_text == "公开报道：≥10万+5万 元（S000，仅分项之和）"
    assert by["fund_total_per_community"].popover.parts_note  # the sum of parts says so, one click away
    assert v.kpi_table.height == len(KPIS)
    assert {p.name for p in v.china.points} >= {"梧州市", "贵港市", "通化市"}


def test_overview_without_a_roster_shows_the_reports_figures_only(store):
    v = overview.build(store, scope_id=WUZHOU, period="1999", lang="en")
    assert not v.roster and v.cards and all(c.published for c in v.cards)
    assert "no community roster" in v.cards_note


@pytest.mark.parametrize(("locality", "lagging"), [(TONGHUA, True), (WUZHOU, False)])
def test_where_it_lags(store, locality, lagging):
    lag = overview.build_lagging(store, scope_id=locality, locality_id=locality, district_id=None, level="city",
                                 period="2025", indicator="compound_coverage", lang="zh")
    assert (lag.chart is not None) == lagging and bool(lag.all_reached) != lagging
    if lagging:
        assert lag.chart.values == tuple(sorted(lag.chart.values)) and max(lag.chart.values) < 1.0
        assert lag.communities.height == len(lag.chart.labels) == 3
    assert lag.map is not None and lag.map.has_boundaries


def test_compare_bars_show_the_reports_qualifiers_beside_the_roster(store):
    v = compare.build(store, localities=(WUZHOU, GUIGANG, CENXI), indicators=("fund_total_per_community",),
                      view="bar", points="locality", period=None, lang="zh")
    (chart,) = v.charts
    published = chart.frame.filter(chart.frame["kind"] == "published")
    assert published["text"].to_list() == ["≥10万+5万", "≥20万", "18万"]
    assert published["locality"].to_list() == ["梧州市", "贵港市", "岑溪市"]
    assert v.published_note and v.synthetic and v.series["公开报道"] == "published"


def test_compare_scatter_has_one_point_per_community(store):
    v = compare.build(store, localities=(CENXI,), indicators=(), view="scatter", points="community", period=None,
                      lang="en")
    assert v.scatter.per_community and len(v.scatter.xs) == v.table.height == 19


def test_district_table_is_sorted_by_the_chosen_indicator(store):
    v = district.build(store, locality_id=WUZHOU, district_id=None, level="city", period="2024",
                       indicator="compound_coverage", lang="zh")
    assert v.communities.height == 57 and len(v.map.points) == 57
    values = v.communities["小区党组织覆盖率"].drop_nulls().to_list()
    assert values == sorted(values)
    assert v.map.values_by_adcode["450423"] is None  # 蒙山县: no roster, no data


def test_sources_lists_every_fact_and_the_conflicts(store):
    v = sources.build(store, locality_id=sources.ALL, category=sources.ALL, indicator=sources.ALL, lang="zh")
    # interval-aware conflicts (#14): only 201 vs 543 compound branches and 41 vs 25 property party orgs disagree
    assert v.facts.height == 270 and len(v.conflicts) == 2
    assert all(len(c.sides) >= 2 for c in v.conflicts)
    opts = sources.options(store, "other", "zh")
    assert opts.indicator_disabled and list(opts.categories)[0] == sources.ALL


def test_present_is_the_story(store):
    story = present.build(store, locality_id=WUZHOU, compare_ids=(), period=None, lang="zh")
    assert [s.key for s in story] == [s.key for s in build_story(store, locality_id=WUZHOU, lang="zh")]
    assert present.default_comparison(present.choices(store, "zh")) == [WUZHOU, GUIGANG, CENXI]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_slide_and_the_overview_show_the_same_cards(store, lang):
    page = {c.indicator: c for c in overview.build(store, scope_id=GUIGANG, period="2025", lang=lang).cards}
    slide = build_story(store, locality_id=GUIGANG, period="2025", lang=lang).slide("kpis")
    assert slide.kpis
    for k in slide.kpis:
        assert (k.text, k.change_text, k.published_text) == (
            page[k.indicator].text, page[k.indicator].change_text, page[k.indicator].published_text)


def test_views_and_text_load_without_streamlit():
    import subprocess
    import sys

    code = ("import sys, views.overview, views.compare, views.district, views.sources, views.present, text.indicators; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_overview_says_what_the_arrows_compare_when_the_rosters_hold_other_communities(store):
    import polars as pl

    rows = store["community_rows"]
    mine = (pl.col("city_id") == WUZHOU) & (pl.col("period") == "2025")
    kept = rows.filter(mine).sort("district_id", "community").head(5)
    shrunk = {**store, "community_rows": pl.concat([rows.filter(~mine), kept])}
    prev_n = rows.filter((pl.col("city_id") == WUZHOU) & (pl.col("period") == "2024")).height
    v = overview.build(shrunk, scope_id=WUZHOU, period="2025", lang="zh")
    by = {c.indicator: c for c in v.cards}
    assert by["communities"].change == 5 - prev_n  # the communities card is the change in coverage
    assert f"2024 年 {prev_n} 个 → 2025 年 5 个" in v.cards_note and "5 个社区" in v.cards_note
    en = overview.build(shrunk, scope_id=WUZHOU, period="2025", lang="en")
    assert "compare the 5 communities both periods hold" in en.cards_note


def test_overview_says_nothing_extra_when_both_periods_hold_the_same_communities(store):
    v = overview.build(store, scope_id=WUZHOU, period="2025", lang="zh")
    assert all(c.change_note == "" for c in v.cards) and "同一批社区" not in v.cards_note


# ---------------------------------------------------------------- #14: what a figure's wording claims, in both languages
def _row(frame, column, value):
    (row,) = frame.filter(frame[column] == value).iter_rows(named=True)
    return row


@pytest.mark.parametrize(
    ("lang", "fact", "expected"),
    [
        # 3万多名在职党员: more than 30,000 and fewer than 40,000 (多 stops at the next digit)
        ("zh", "F000-039", ("3万多", ">30,000", "30,000至不足40,000", "名")),
        ("en", "F000-039", ("3万多", ">30,000", "30,000 to under 40,000", "people")),
        # 5.53万人次, exact: the stated precision, in person-times
        ("en", "F001-034", ("5.53万", "55,300", "55,250–55,350", "person-times")),
        ("zh", "F001-034", ("5.53万", "55,300", "55,250–55,350", "人次")),
    ],
)
def test_sources_table_shows_each_figures_range_and_unit_in_the_readers_language(store, lang, fact, expected):
    v = sources.build(store, locality_id=sources.ALL, category=sources.ALL, indicator=sources.ALL, lang=lang)
    h = v.headings
    row = _row(v.facts, h["fact"], fact)
    assert expected[0] in row[h["evidence"]]
    assert (row[h["value"]], row[h["interval"]], row[h["unit"]]) == expected[1:]


def test_units_keep_their_denominator(store):
    zh = sources.build(store, locality_id=sources.ALL, category=sources.ALL, indicator=sources.ALL, lang="zh")
    en = sources.build(store, locality_id=sources.ALL, category=sources.ALL, indicator=sources.ALL, lang="en")
    zh_units, en_units = set(zh.facts[zh.headings["unit"]]), set(en.facts[en.headings["unit"]])
    assert {"次/年", "元/月", "个/街道"} <= zh_units  # 次/年 no longer becomes 次
    assert {"briefing per year", "yuan per month", "offices per street"} <= en_units  # ≥1 briefing: singular


def test_a_fact_without_an_indicator_names_its_subject_and_theme_never_a_dash(store):
    for lang, subject, theme in (("zh", "市委每年听取城市基层党建专题汇报次数", "其他 · 组织与机制"),
                                 ("en", "city committee briefings on urban party building per year",
                                  "Other · Organisation")):
        v = sources.build(store, locality_id=sources.ALL, category="other", indicator=sources.ALL, lang=lang)
        h = v.headings
        assert not (v.facts[h["indicator"]] == "—").any()
        row = _row(v.facts, h["fact"], "F000-001")
        assert (row[h["indicator"]], row[h["category"]]) == (subject, theme)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reconciliation_gives_the_claims_range_the_roster_value_the_verdict_and_the_reason(store, lang):
    v = sources.build(store, locality_id=sources.ALL, category=sources.ALL, indicator=sources.ALL, lang=lang)
    h = v.headings
    row = _row(v.reconcile, h["fact"], "F000-010")  # 全市451个小区 against a roster of 451 compounds
    assert row[h["interval"]] == "450.5–451.5" and row[h["roster"]] == "451"
    expected = {"zh": ("一致", "名册数 451 在报告范围 450.5–451.5 内"),
                "en": ("consistent", "roster value 451 lies in the claim's range 450.5–451.5")}[lang]
    assert (row[h["verdict"]], row[h["reason"]]) == expected
    assert all(v.reconcile[h["reason"]].str.len_chars() > 0)
    assert not any("_" in r or "{" in r for r in v.reconcile[h["reason"]])  # no code or placeholder shows


def test_conflict_cards_say_what_each_report_counts_in_english(store):
    v = sources.build(store, locality_id="450400", category=sources.ALL, indicator=sources.ALL, lang="en")
    sides = [s for c in v.conflicts for s in c.sides]
    assert {s.value for s in sides} >= {"201 party organisations", "543 party organisations"}
    assert any(s.caption.startswith("Range: 200.5–201.5 · “") for s in sides)
    # the title's own quotation marks nest, never double: “‘邻里党建’让…”
    assert any("“‘邻里党建’让城市基层治理更有温度”" in s.source for s in sides)
    assert not any("““" in s.source or "”“" in s.source for s in sides)


def test_popover_and_compare_show_the_range_of_a_published_figure(store):
    v = overview.build(store, scope_id=WUZHOU, period="2025", lang="en")
    members = next(c for c in v.cards if c.indicator == "reported_members")
    headings = [h for h, _ in members.popover.figures]
    assert headings[0] == "**Published: >30,000 members** (range: 30,000 to under 40,000)"
    c = compare.build(store, localities=(WUZHOU, GUIGANG, CENXI), indicators=("fund_total_per_community",),
                      view="bar", points="locality", period=None, lang="zh")
    (chart,) = c.charts
    cenxi = _row(chart.frame.filter(chart.frame["kind"] == "published"), "locality", "岑溪市")
    assert cenxi["hover"] == "18万 · 范围：17.5万–18.5万"
    column = c.interval_help[0]
    assert "17.5万–18.5万" in c.table[column].to_list()


def test_district_subtitle_names_the_scope_only_when_it_is_narrower_than_the_city(store):
    city = district.build(store, locality_id=WUZHOU, district_id=None, level="city", period="2024",
                          indicator="compound_coverage", lang="en")
    assert city.subtitle == "Wuzhou · 2024"
    one = district.build(store, locality_id=WUZHOU, district_id="450403", level="city", period="2024",
                         indicator="compound_coverage", lang="en")
    assert one.subtitle.startswith("Wuzhou · scope: ") and "Wuzhou · scope: Wuzhou" not in one.subtitle


def test_a_rate_map_is_coloured_on_a_scale_of_at_least_25_points(store):
    v = district.build(store, locality_id=GUIGANG, district_id=None, level="city", period="2024",
                       indicator="compound_coverage", lang="en")
    present = [x for x in v.map.values_by_adcode.values() if x is not None]
    assert max(present) - min(present) < 0.02  # the two districts are less than 2 points apart ...
    lo, hi = v.map.domain
    assert hi - lo >= 0.25 and lo <= min(present) and max(present) <= hi  # ... and the scale does not stretch it
    assert "percentage points a class" in v.map.scale_note


def test_the_map_of_china_is_the_same_for_every_locality_of_a_period(store):
    china = overview.china_map(store, period="2025", lang="zh")
    built = overview.build(store, scope_id=WUZHOU, period="2025", lang="zh").china
    flat = lambda m: ([(p.name, p.lon, p.lat, p.value) for p in m.points], m.title, m.caption)  # noqa: E731
    assert flat(built) == flat(china)
    assert overview.build(store, scope_id=TONGHUA, period="2025", lang="zh", china=china).china is china
