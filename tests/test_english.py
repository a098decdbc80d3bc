"""English mode without leftovers: every view-model, chart and map the pages draw, built in English, holds no Han
character outside data values (tests/english_support.py says which those are). The browser test
(test_browser_english.py) looks at what chromium shows; this one reads every row and every hover text, which
a virtualised table or a canvas never puts in the page."""

from __future__ import annotations

import dataclasses
import json

import polars as pl
import pytest

from queries.catalog import roster_indicator_ids
from queries.coverage import RATES
from tests.english_support import data_strings, leftovers
from text import units
from views import common, compare, district, overview, present, sources

LANG = "en"


@pytest.fixture(scope="module")
def store(tables):
    """The bootstrapped store's tables (conftest's session-wide `tables`), by the name these tests use."""
    return tables


@pytest.fixture(scope="module")
def data(store):
    return data_strings(store)


def texts(obj, seen=None):
    """Every string a view-model (dataclasses, tuples, dicts, frames, plotly and deck JSON) carries."""
    seen = seen if seen is not None else set()
    if id(obj) in seen:
        return
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, pl.DataFrame):
        yield from obj.columns
        for c in obj.columns:
            if obj.schema[c] == pl.String:
                yield from (v for v in obj[c].drop_nulls().to_list())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        seen.add(id(obj))
        for f in dataclasses.fields(obj):
            yield from texts(getattr(obj, f.name), seen)
    elif isinstance(obj, dict):
        seen.add(id(obj))
        for k, v in obj.items():
            yield from texts(k, seen)
            yield from texts(v, seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        seen.add(id(obj))
        for v in obj:
            yield from texts(v, seen)


def assert_english(obj, data, where: str) -> None:
    found = [x for t in texts(obj) for x in leftovers(t, data)]
    assert not found, f"{where}: Chinese outside data values:\n" + "\n".join(sorted(set(found))[:40])


def _periods(store, locality_id):
    return common.filter_options(store, LANG).periods.get(locality_id, []) or [None]


def _focus(store):
    return common.focus_localities(store)["locality_id"].to_list()


def test_the_filters_and_every_overview_are_in_english(store, data):
    assert_english(common.filter_options(store, LANG), data, "filters")
    for loc in _focus(store):
        for period in (*_periods(store, loc), "1999"):  # 1999: no roster, the reports' figures only
            assert_english(overview.build(store, scope_id=loc, period=period, lang=LANG), data, f"overview {loc} {period}")


@pytest.mark.parametrize("indicator", RATES)
def test_every_lag_section_and_its_chart_and_map_are_in_english(store, data, indicator):
    from ui import charts, draw

    for loc in _focus(store):
        period = _periods(store, loc)[0]
        lag = overview.build_lagging(store, scope_id=loc, locality_id=loc, district_id=None, level=None,
                                     period=period, indicator=indicator, lang=LANG)
        assert_english(lag, data, f"lag {loc}")
        if lag.chart is not None:
            assert_english(charts.lag_ranking(lag.chart).to_plotly_json(), data, f"lag chart {loc}")
        if lag.map is not None:
            assert_english(json.loads(draw._draw(lag.map, 360, None).to_json()), data, f"lag map {loc}")


@pytest.mark.parametrize("view", compare.VIEWS)
def test_compare_in_every_view_is_in_english(store, data, view):
    from ui import draw

    locs = tuple(_focus(store))
    for points in compare.POINTS if view == "scatter" else ("locality",):
        v = compare.build(store, localities=locs, indicators=tuple(roster_indicator_ids()), view=view, points=points,
                          period=None, lang=LANG)
        assert_english(v, data, f"compare {view} {points}")
        for chart in v.charts:
            if not chart.empty:
                fig = draw._compare_chart(chart, v.series, view == "ranking")
                assert_english(fig.to_plotly_json(), data, f"compare chart {chart.indicator}")
        if v.scatter is not None:
            assert_english(draw._compare_scatter(v.scatter).to_plotly_json(), data, "scatter")
    assert_english(compare.options(store, LANG), data, "compare options")


def test_every_district_page_and_its_map_is_in_english(store, data):
    from ui import draw

    focus = common.focus_localities(store)
    for loc, level in focus.select("locality_id", "level").iter_rows():
        v = district.build(store, locality_id=loc, district_id=None, level=level, period=_periods(store, loc)[0],
                           indicator=district.DEFAULT_INDICATOR, lang=LANG)
        assert_english(v, data, f"district {loc}")
        if v.map is not None:
            deck = json.loads(draw._draw(v.map, 520, None).to_json())
            assert_english(deck, data, f"district map {loc}")
            assert_english(draw.legend(v.map.values_by_adcode, v.map.fmt, lang=LANG, domain=v.map.domain), data,
                           "legend")
    assert_english(district.indicator_options(LANG), data, "district options")


def test_sources_with_every_filter_is_in_english(store, data):
    assert_english(sources.build(store, locality_id=sources.ALL, category=sources.ALL, indicator=sources.ALL, lang=LANG),
                   data, "sources")
    opts = sources.options(store, sources.ALL, LANG)
    assert_english(opts, data, "sources options")
    for category in opts.categories:
        assert_english(sources.build(store, locality_id=sources.ALL, category=category, indicator=sources.ALL,
                                     lang=LANG), data, f"sources {category}")


def test_present_slides_for_each_locality_and_a_comparison_are_in_english(store, data):
    for loc in _focus(store):
        assert_english(present.build(store, locality_id=loc, compare_ids=(), period=None, lang=LANG), data,
                       f"present {loc}")
    trio = tuple(present.default_comparison(present.choices(store, LANG)))
    assert_english(present.build(store, locality_id=None, compare_ids=trio, period=None, lang=LANG), data,
                   "present comparison")


def test_china_map_is_in_english(store, data):
    from ui import draw

    view = overview.build(store, scope_id="450400", period=None, lang=LANG).china
    deck = draw.china_overview([{"name": p.name, "lon": p.lon, "lat": p.lat, "value": p.value} for p in view.points],
                               value_label=view.value_label, lang=LANG, width=480, height=430)
    assert_english(json.loads(deck.to_json()), data, "china map")


def test_every_unit_and_kind_in_the_facts_has_its_english(store):
    facts = store["facts"]
    for u in facts["unit"].drop_nulls().unique().to_list():
        assert u in units.units_table(), f"{u} is missing from data/mappings/units.csv"
    for k in facts["counts"].drop_nulls().unique().to_list():
        assert k in units.counts_table(), f"{k} is missing from data/mappings/counts.csv"
    from queries.catalog import load_catalog

    for k in load_catalog()["counts"].drop_nulls().unique().to_list():
        assert k in units.counts_table(), f"catalog counts {k} is missing from data/mappings/counts.csv"


@pytest.mark.parametrize(
    ("unit", "counts", "per", "value", "zh", "en"),
    [
        ("个", "party_orgs", None, 201, "个", "party organisations"),
        ("次", "briefings", "year", 1, "次/年", "briefing per year"),
        ("元", "yuan", "month", 3800, "元/月", "yuan per month"),
        ("人次", "person_times", None, 55300, "人次", "person-times"),
        ("名", "persons", None, 1, "名", "person"),
        ("家", None, None, 41, "家", ""),                 # a measure word with nothing to say in English
        ("平方米", "m2", "compound", 300, "平方米/小区", "m² per compound"),
        ("%", "share", None, 100, "", ""),
    ],
)
def test_units_in_both_languages(unit, counts, per, value, zh, en):
    assert units.unit(unit, "zh", counts=counts, per_code=per, value=value) == zh
    assert units.unit(unit, "en", counts=counts, per_code=per, value=value) == en


def test_a_change_in_points_reads_pp_in_english():
    from text.numbers import change

    assert change(-0.167, "percent", "en") == "-16.7 pp"
    assert "百分点" in change(-0.167, "percent", "zh")


# Messages whose English quotes what a user's own file contains (Chinese headers, 暂无, 2024年, 1.2万) or
# a report's word the reviewer sees highlighted (一): the Chinese there is the data being described.
QUOTES_INPUT = frozenset({"import.err.no_header", "import.rule.invalid_period", "import.rule.not_a_number",
                          "import.preview.first_rows", "intake.kind.indefinite"})


def test_no_english_message_holds_chinese_except_where_it_quotes_a_users_file():
    from tests.english_support import HAN
    from text.messages import catalog

    found = {k for k, v in catalog().items() if HAN.search(v["en"])}
    assert found == QUOTES_INPUT


def test_the_check_itself_catches_a_chinese_unit_and_spares_data(data):
    # what the no-Han tests rely on: a data value goes, a stray measure word stays
    assert leftovers("Wuzhou (梧州市) · 201 个", data) == ["Wuzhou ( ) · 201 个"]
    assert leftovers("S002 “‘邻里党建’让城市基层治理更有温度” · 第12社区", data) == []  # a nested title, a community
    assert leftovers("语言 / Language 中文 English", data) == []  # the language switch names Chinese in Chinese
