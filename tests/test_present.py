"""pages/present.py in AppTest: the slide sequence, the slide number in the URL, the PPTX download."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

PAGE = "pages/present.py"


@pytest.fixture
def present(open_page):
    """Present mode opened directly, as a link to /present?loc=… would."""
    return lambda **params: open_page(PAGE, **params)


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def _slide_param(at: AppTest) -> str:
    value = at.query_params["slide"]
    return value[0] if isinstance(value, list) else value


def test_first_slide_shows_the_title(present):
    at = present(loc="450800")
    assert _titles(at) == ["贵港市：党建引领城市基层治理"]
    assert _slide_param(at) == "1"
    assert any("示例数据（合成）" in str(h.proto) for h in at.get("html"))


def test_next_and_previous_change_the_slide_number_and_the_content(present):
    at = present(loc="450800")
    at.button(key="present_next").click().run()
    assert not at.exception
    assert _titles(at) == ["贵港市主要指标"]
    assert _slide_param(at) == "2"
    metrics = {m.label: m.value for m in at.metric}
    assert "小区党组织覆盖率" in metrics and metrics["小区党组织覆盖率"] == "100.0%"

    at.button(key="present_next").click().run()  # the map
    assert _titles(at) == ["物业企业党组织覆盖率：贵港市各区县"]
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert deck["mapStyle"] == "__MAP_STYLE__"  # no basemap: nothing fetched from outside

    at.button(key="present_next").click().run()  # a chart, drawn big for the projector
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["font"]["size"] >= 20

    at.button(key="present_prev").click().run()
    assert _titles(at) == ["物业企业党组织覆盖率：贵港市各区县"]
    assert _slide_param(at) == "3"


def test_slide_number_comes_from_the_url_and_download_exists(present):
    at = present(loc="450400", slide="7")
    assert _titles(at) == ["梧州市：报告数字与名册核对"]
    assert len(at.table) == 1
    buttons = at.get("download_button")
    assert len(buttons) == 1 and "PPTX" in buttons[0].proto.label


def test_comparison_is_a_url_bound_choice(present):
    at = present(pmode="compare", cmp="450400,450800,450481")
    assert _titles(at) == ["梧州市、贵港市、岑溪市：比较"]
    at.button(key="present_next").click().run()
    at.button(key="present_next").click().run()
    assert _titles(at) == ["每社区每年经费"]
    assert _slide_param(at) == "3" and at.query_params["cmp"] in ("450400,450800,450481", ["450400,450800,450481"])


def test_english(present):
    at = present(loc="450800", lang="en")
    assert _titles(at) == ["Guigang: party-building-led urban grassroots governance"]
    assert [b.label for b in at.button] == ["Previous", "Next"]
