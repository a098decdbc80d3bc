"""exports/images.py: the deck's map picture follows the page's colour rule, so the two never disagree."""

from __future__ import annotations

from exports.images import map_figure
from exports.story.model import MapData
from ui.maps import color_domain, color_for


def _fills(fig) -> dict[str, str]:
    return {tr.name: tr.fillcolor for tr in fig.data if getattr(tr, "fill", None) == "toself"}


def test_two_close_rates_share_a_colour_as_on_the_page():
    # 万秀区 83.0% and 长洲区 83.5%: the old picture put them at the two ends of the palette
    values = {"450403": 0.830, "450405": 0.835}
    fig = map_figure(MapData("450400", "compound_coverage", "覆盖率", "percent", values), "zh", big=False)
    fills = _fills(fig)
    assert fills["万秀区"] == fills["长洲区"]
    lo, hi = color_domain(values.values(), "percent")
    assert fills["万秀区"] == color_for(0.830, lo, hi)


def test_a_unit_without_data_is_grey():
    fig = map_figure(MapData("450400", "compound_coverage", "覆盖率", "percent", {"450403": 0.9}), "zh", big=False)
    assert _fills(fig)["长洲区"] == "#D9D9D9"
