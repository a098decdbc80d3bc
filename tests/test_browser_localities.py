"""Cities outside the source reports in a real browser: rosters imported, the district page draws their map offline."""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from geo.boundaries import district_features
from store.db import close_database, open_database
from store.importer import import_file
from tests.browser_support import require_chromium, shot, streamlit_server, wait_app_idle
from tests.builders import wait_until

pytestmark = pytest.mark.browser

DECK_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
HEADER = ["市", "区县", "街道", "社区名称", "统计期", "常住人口", "小区数", "已建党组织小区数", "网格数", "已建党组织网格数"]
# city id, the name a roster gives it, how many communities per district
CITIES = {"610400": "咸阳市", "110100": "北京市", "500100": "重庆市", "530700": "丽江"}


def roster(city_id: str, city_name: str) -> bytes:
    """Two communities in every county-level unit of the city, coverage rising from unit to unit."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    units = sorted(f["properties"]["name_zh"] for f in district_features(city_id)["features"])
    for i, district in enumerate(units):
        for k in range(2):
            compounds = 20
            covered = 4 + (i * 16) // max(len(units) - 1, 1)  # 4..20 of 20: every colour class used
            w.writerow([city_name, district, "城关街道", f"{district}第{k + 1}社区", "2025", 6000 + 10 * i,
                        compounds, covered, 10, 10])
    return buf.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def national_server(bootstrapped_db_path, tmp_path_factory):
    """The dashboard on the bootstrapped store plus rosters of four cities the reports never name."""
    require_chromium()
    tmp = tmp_path_factory.mktemp("national_served")
    db_path = tmp / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, db_path)
    db = open_database(db_path)
    try:
        for city_id, name in CITIES.items():
            path = tmp / f"{city_id}.csv"
            path.write_bytes(roster(city_id, name))
            result = import_file(db, path, who="t")
            assert result.ok, [p.reason for p in result.problems]
            assert result.scope_id == city_id
    finally:
        close_database(db_path)
    with streamlit_server(db_path) as url:
        yield url


def _drawn_share(page) -> float:
    """Share of the map canvas's pixels that are not background: polygons were actually drawn."""
    from PIL import Image

    png = page.locator(DECK_CANVAS).first.screenshot()
    img = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(img.get_flattened_data())
    background = max(set(pixels[:: max(len(pixels) // 5000, 1)]), key=pixels.count)
    return sum(1 for p in pixels if p != background) / len(pixels)


def _open_district_page(page, url: str, city_id: str, city_zh: str) -> None:
    page.goto(f"{url}/district?loc={city_id}&ind=compound_coverage&period=2025")
    wait_app_idle(page)
    page.get_by_role("heading", name="区县与社区").wait_for()
    page.wait_for_selector(DECK_CANVAS, timeout=60_000)
    page.get_by_text(f"{city_zh}各区县小区党组织覆盖率").wait_for()
    wait_until(lambda: _drawn_share(page) > 0.2, timeout=30, what="deck.gl to draw the districts")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_district_page_draws_a_city_outside_the_reports(national_server, page):
    _open_district_page(page, national_server, "610400", "咸阳市")
    n = 2 * len(district_features("610400")["features"])  # the roster's communities, in the table's caption
    assert page.get_by_text(f"共 {n} 个社区", exact=False).is_visible()
    assert _drawn_share(page) > 0.2
    shot(page, "district-xianyang")


@pytest.mark.parametrize(("city_id", "city_zh", "name"), [("110100", "北京市", "beijing"),
                                                          ("500100", "重庆市", "chongqing"),
                                                          ("530700", "丽江市", "lijiang")])
def test_district_page_of_a_dense_and_a_sparse_city(national_server, page, city_id, city_zh, name):
    _open_district_page(page, national_server, city_id, city_zh)
    assert _drawn_share(page) > 0.2
    shot(page, f"district-{name}")


def test_overview_map_of_china_places_the_new_cities(national_server, page):
    page.goto(f"{national_server}/?loc=610400&period=2025")
    wait_app_idle(page)
    page.wait_for_selector(DECK_CANVAS, timeout=60_000)
    wait_until(lambda: _drawn_share(page) > 0.1, timeout=30, what="deck.gl to draw the map of China")
    assert page.locator('[data-testid="stException"]').count() == 0
    shot(page, "overview-national")
