"""exports/deck.py and `python -m exports deck`: the editable PPTX, read back with python-pptx.

Every chart number is recomputed with queries/ on the same tables and compared with the series
values stored in the deck's native charts.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

import polars as pl
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from pptx.util import Inches

from exports import deck as deck_module
from exports.cli import run as run_cli
from exports.deck import EA_FONT, build_deck
from exports.story import build_story, value_text
from geo.boundaries import district_features
from queries.compare import compare
from queries.coverage import coverage
from queries.funding import funding
from queries.scope import in_scope
from tests.browser_support import require_chromium
from tests.conftest import ROOT

WUZHOU, GUIGANG, CENXI = "450400", "450800", "450481"
TRIO = [WUZHOU, GUIGANG, CENXI]


@pytest.fixture(scope="module")
def story(tables):
    return build_story(tables, locality_id=WUZHOU, lang="zh")


@pytest.fixture(scope="module")
def deck(story):
    # without the map picture, which chromium renders (test_map_slide_is_a_picture_of_the_boundaries)
    return Presentation(io.BytesIO(build_deck(story, render_map=False)))


@pytest.fixture(scope="module")
def trio_story(tables):
    return build_story(tables, compare_ids=TRIO, lang="zh")


@pytest.fixture(scope="module")
def trio_deck(trio_story):
    return Presentation(io.BytesIO(build_deck(trio_story)))


@pytest.fixture(scope="module")
def db_copy(bootstrapped_db_path, tmp_path_factory):
    """A copy for the CLI subprocess: this process holds the original open (DuckDB: one writer process)."""
    path = tmp_path_factory.mktemp("deckcli") / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, path)
    return path


def charts(prs) -> list:
    return [sh.chart for slide in prs.slides for sh in slide.shapes if sh.has_chart]


def chart_on(prs, index: int):
    return next(sh.chart for sh in prs.slides[index].shapes if sh.has_chart)


def values_by_category(chart, series_index: int = 0) -> dict[str, float | None]:
    plot = chart.plots[0]
    return dict(zip(plot.categories, plot.series[series_index].values, strict=True))


def slide_text(slide) -> str:
    parts = []
    for sh in slide.shapes:
        if sh.has_text_frame:
            parts.append(sh.text_frame.text)
        if sh.has_table:
            parts += [c.text for row in sh.table.rows for c in row.cells]
    return "\n".join(parts)


def all_runs(prs):
    for slide in prs.slides:
        for sh in slide.shapes:
            frames = [sh.text_frame] if sh.has_text_frame else []
            if sh.has_table:
                frames += [c.text_frame for row in sh.table.rows for c in row.cells]
            for tf in frames:
                for p in tf.paragraphs:
                    yield from p.runs


def test_sixteen_by_nine_with_one_slide_per_story_slide(deck, story):
    assert len(deck.slides) == len(story) == 8
    assert deck.slide_width == Inches(13.333) and deck.slide_height == Inches(7.5)
    assert deck.core_properties.title == story.title


def test_native_chart_types(deck):
    assert [c.chart_type for c in charts(deck)] == [
        XL_CHART_TYPE.BAR_CLUSTERED, XL_CHART_TYPE.COLUMN_CLUSTERED, XL_CHART_TYPE.LINE_MARKERS,
    ]


def test_chart_values_equal_the_queries(deck, story, tables):
    names = dict(zip(tables["localities"]["locality_id"], tables["localities"]["name_zh"], strict=True))
    rows, locs = tables["community_rows"].lazy(), tables["localities"]
    now = in_scope(rows, WUZHOU, locs).filter(pl.col("period") == "2025")
    keys = [s.key for s in story]

    ranking = chart_on(deck, keys.index("coverage"))
    rate = story.slide("coverage").chart.indicator
    cov = coverage(now, "district")
    expected = {names[d]: v for d, v in zip(cov["district_id"], cov[rate], strict=True)}
    assert values_by_category(ranking) == pytest.approx(expected)

    fund_chart = chart_on(deck, keys.index("funding"))
    fund = funding(now, "district")
    kinds = ["fund_service_per_community", "fund_work_per_community", "fund_party_per_community",
             "fund_other_per_community"]
    assert [s.name for s in fund_chart.plots[0].series] == [
        "每社区服务群众专项经费", "每社区工作经费", "每社区党建工作经费", "每社区其他经费",
    ]
    for i, kind in enumerate(kinds):
        expected = {names[d]: v for d, v in zip(fund["district_id"], fund[kind], strict=True)}
        assert values_by_category(fund_chart, i) == pytest.approx(expected), kind

    trend = chart_on(deck, keys.index("trend"))
    over = coverage(in_scope(rows, WUZHOU, locs), "city").sort("period")
    for i, rate in enumerate(("compound_coverage", "grid_coverage", "property_coverage")):
        assert values_by_category(trend, i) == pytest.approx(dict(zip(over["period"], over[rate], strict=True)))


def test_without_the_picture_the_map_slide_lists_every_unit_with_its_value(deck, story):
    slide = deck.slides[[s.key for s in story].index("map")]
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    m = story.slide("map").map
    got = {row.cells[0].text: row.cells[1].text for row in list(table.rows)[1:]}
    names = {f["properties"]["adcode"]: f["properties"]["name_zh"] for f in district_features(m.city_adcode)["features"]}
    assert got == {names[code]: value_text(m.number_format, v, "zh") for code, v in m.values.items()}
    assert got["万秀区"] != "无数据"


@pytest.mark.browser  # the picture is rendered through kaleido and the system chromium
def test_map_slide_is_a_picture_of_the_boundaries(story):
    require_chromium()
    deck = Presentation(io.BytesIO(build_deck(story)))
    slide = deck.slides[[s.key for s in story].index("map")]
    pictures = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    if not pictures:  # no chromium here: the same values as a native table
        pytest.skip("no browser to render the map picture; the map slide carries a table")
    assert pictures[0].image.content_type == "image/png"
    assert pictures[0].image.size[0] >= 1800


def test_reconciliation_is_a_native_table(deck, story):
    slide = deck.slides[[s.key for s in story].index("reconcile")]
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    expected = story.slide("reconcile").table
    got = [tuple(c.text for c in row.cells) for row in table.rows]
    assert got[0] == expected.columns and got[1:] == list(expected.rows)
    # every column gets its share of the slide's width: none left at python-pptx's default
    width = sum(c.width for c in table.columns)
    assert abs(width - (deck_module.SLIDE_W - 2 * deck_module.MARGIN)) < len(table.columns)


def test_sources_slide_lists_the_source_titles(deck, story, tables):
    text = slide_text(deck.slides[len(deck.slides) - 1])
    titles = dict(zip(tables["sources"]["source_id"], tables["sources"]["title"], strict=True))
    for ref in story.slide("sources").sources:
        assert titles[ref.source_id] in text
    assert "服务群众专项经费不少于10万元" in text  # an evidence phrase


def test_synthetic_label_on_every_slide_with_roster_figures(deck, story):
    for slide, data in zip(deck.slides, story, strict=True):
        assert ("示例数据（合成）" in slide_text(slide)) == bool(data.footer), data.key


def test_east_asian_font_is_set_on_runs_charts_and_theme(deck):
    runs = list(all_runs(deck))
    assert len(runs) > 50
    for run in runs:
        ea = run.font._rPr.find(qn("a:ea"))
        assert ea is not None and ea.get("typeface") == EA_FONT, run.text
        assert run.font.name == EA_FONT
    for chart in charts(deck):
        txpr = chart._chartSpace.find(qn("c:txPr"))
        eas = txpr.findall(".//" + qn("a:ea"))
        assert eas and {e.get("typeface") for e in eas} == {EA_FONT}
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = deck.slide_master.part.part_related_by(RT.THEME).blob.decode("utf-8")
    assert f'<a:ea typeface="{EA_FONT}"/>' in theme


def test_another_font_can_be_written(story):
    prs = Presentation(io.BytesIO(build_deck(story, font="Noto Sans CJK SC", render_map=False)))
    run = next(all_runs(prs))
    assert run.font._rPr.find(qn("a:ea")).get("typeface") == "Noto Sans CJK SC"
    map_slide = prs.slides[[s.key for s in story].index("map")]
    assert any(sh.has_table for sh in map_slide.shapes)  # without a picture the values come as a table


def test_comparison_deck(trio_deck, trio_story, tables):
    assert len(trio_deck.slides) == len(trio_story) == 7
    assert [c.chart_type for c in charts(trio_deck)] == [
        XL_CHART_TYPE.COLUMN_CLUSTERED, XL_CHART_TYPE.COLUMN_CLUSTERED, XL_CHART_TYPE.LINE_MARKERS,
    ]
    fund = chart_on(trio_deck, [s.key for s in trio_story].index("funding"))
    roster = compare(tables["community_rows"].lazy(), TRIO, ["fund_total_per_community"], tables["localities"],
                     periods=["2025"])
    by_id = dict(zip(roster["locality_id"], roster["value"], strict=True))
    assert list(fund.plots[0].categories) == ["梧州市", "贵港市", "岑溪市"]
    assert list(fund.plots[0].series[0].values) == pytest.approx([by_id[i] for i in TRIO])
    assert list(fund.plots[0].series[1].values) == [150_000, 200_000, 180_000]
    labels = [p.data_label.text_frame.text for p in fund.plots[0].series[1].points]
    assert labels == ["≥10万+5万", "≥20万", "18万"]  # the reports' qualifiers travel with the bars
    kpi_table = next(sh.table for sh in trio_deck.slides[1].shapes if sh.has_table)
    assert [c.text for c in kpi_table.rows[0].cells] == ["指标", "梧州市", "贵港市", "岑溪市"]
    assert "公开报道：≥20万 元（S001，仅分项之和）" in kpi_table.cell(7, 2).text  # the overview card's words
    caveat = slide_text(trio_deck.slides[5])
    assert "不宜直接比较" in caveat and "每社区服务群众专项经费" in caveat


def _cli(*args: str):
    return subprocess.run([sys.executable, "-m", "exports", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_unknown_locality_exits_2_without_traceback(db_copy, tmp_path, capsys):
    # in-process: the command's own entry (test_cli_comparison_deck_by_names runs `python -m exports` itself)
    assert run_cli(["deck", "--locality", "火星市", "--out", str(tmp_path / "x.pptx"), "--db", str(db_copy)]) == 2
    out = capsys.readouterr()
    assert "unknown locality '火星市'" in out.err and "Traceback" not in out.err + out.out
    assert not (tmp_path / "x.pptx").exists()
    assert run_cli(["deck", "--compare", "梧州市,火星市", "--out", str(tmp_path / "y.pptx"), "--db", str(db_copy)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_comparison_deck_by_names(db_copy, tmp_path):
    path = tmp_path / "cmp.pptx"
    out = _cli("deck", "--compare", "梧州市,Guigang,450481", "--out", str(path), "--db", str(db_copy))
    assert out.returncode == 0, out.stderr
    assert "7 slides" in out.stdout
    prs = Presentation(str(path))
    assert len(prs.slides) == 7
    assert "梧州市、贵港市、岑溪市" in slide_text(prs.slides[0])
