"""exports/images.py: PNGs at presentation resolution through plotly's kaleido and the system chromium.

Checks that the image has the requested size and real content, and that Chinese renders as glyphs:
a Chinese title changes the title band against a blank title (the layout below is identical), and
two different Chinese titles of the same length differ from each other — missing-glyph boxes
("tofu") would render both strings as the same row of boxes.
"""

from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image, ImageChops

from exports import cli
from exports.images import chart_figure, png_session, to_png
from exports.story import build_story
from store import read
from store.db import open_database
from tests.browser_support import require_chromium

WIDTH, HEIGHT = 1920, 1080
TITLE_BAND = (0, 0, WIDTH, 60)   # the chart title sits above the plot (top margin 60 px when titled)
TITLE_A, TITLE_B = "小区党组织覆盖率排名", "网格物业企业经费分布"  # same length, no character in common


# kaleido drives the system chromium to draw each PNG
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def rendered(bootstrapped_db_path, tmp_path_factory):
    require_chromium()  # skip without chromium on a laptop; fail in CI
    cur = open_database(bootstrapped_db_path).reader()
    try:
        tables = {n: getattr(read, n)(cur) for n in ("localities", "sources", "facts", "community_rows")}
    finally:
        cur.close()
    chart = build_story(tables, locality_id="450400", lang="zh").slide("coverage").chart
    db = tmp_path_factory.mktemp("png") / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, db)
    out = tmp_path_factory.mktemp("png") / "funding.png"
    with png_session():  # one browser for every image below
        images = {
            name: to_png(chart_figure(chart, "zh", title=title), width=WIDTH, height=HEIGHT)
            for name, title in (("a", TITLE_A), ("blank", " "), ("b", TITLE_B))
        }
        code = cli.run(["png", "--chart", "funding", "--locality", "梧州市", "--out", str(out), "--db", str(db),
                        "--width", "1280", "--height", "720", "--scale", "2"])
    return {k: Image.open(io.BytesIO(v)).convert("RGB") for k, v in images.items()}, code, out


def changed_pixels(x: Image.Image, y: Image.Image, box: tuple[int, int, int, int]) -> int:
    diff = ImageChops.difference(x.crop(box).convert("L"), y.crop(box).convert("L"))
    return diff.point(lambda v: 255 if v > 60 else 0).histogram()[255]


def test_png_has_the_requested_size_and_real_content(rendered):
    images, _, _ = rendered
    img = images["a"]
    assert img.size == (WIDTH, HEIGHT)
    grey = img.convert("L").histogram()
    non_white = 1 - sum(grey[245:]) / (WIDTH * HEIGHT)
    assert non_white > 0.10, non_white            # bars, labels, axes: not a blank page
    assert len(img.getcolors(1 << 20)) > 20        # anti-aliased text and several fills, not one flat colour


def test_chinese_title_renders_as_glyphs(rendered):
    images, _, _ = rendered
    below = (0, TITLE_BAND[3], WIDTH, HEIGHT)
    assert changed_pixels(images["a"], images["blank"], below) < 50     # same layout: only the title differs
    assert changed_pixels(images["a"], images["blank"], TITLE_BAND) > 1000
    # tofu boxes would make two different strings of equal length look the same
    assert changed_pixels(images["a"], images["b"], TITLE_BAND) > 1000


def test_cli_png_with_scale(rendered):
    _, code, out = rendered
    assert code == 0
    with Image.open(out) as img:
        assert img.size == (2560, 1440)
        grey = img.convert("L").histogram()
        assert 1 - sum(grey[245:]) / (img.size[0] * img.size[1]) > 0.05


def test_unknown_chart_for_a_comparison_is_refused(bootstrapped_db_path, tmp_path, capsys):
    db = tmp_path / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, db)
    code = cli.run(["png", "--chart", "map", "--compare", "梧州市,贵港市", "--out", str(tmp_path / "m.png"),
                    "--db", str(db)])
    assert code == 2 and "no 'map' chart" in capsys.readouterr().err
