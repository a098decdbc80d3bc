"""Journey 4 in a real browser: a GBK roster with a title row and a 合计 row, three problems, fixed, imported."""

from __future__ import annotations

import shutil

import pytest

from tests.browser_support import shot, streamlit_server, wait_app_idle

pytestmark = pytest.mark.browser

HEADER = "城市,区县,街道,社区名称,统计期,小区数,已建党组织小区数,网格数,已建党组织网格数,常住人口（人）"
GOOD = [
    "梧州市,万秀区,城东街道,甲社区,2026年,8,8,10,10,\"5,200\"",
    "梧州市,万秀区,城东街道,乙社区,2026年,6,5,9,9,4800",
    "梧州市,长洲区,大塘街道,丙社区,2026年,7,7,12,11,1.1万",
    "梧州市,龙圩区,龙圩街道,丁社区,2026年,5,5,8,8,3900",
    "梧州市,龙圩区,龙圩街道,戊社区,2026年,9,9,11,11,—",
]


def _write(path, rows: list[str]) -> None:
    total = "合计,,,,,35,34,50,49,"
    text = "\n".join(["梧州市2026年城市社区党建工作统计表", HEADER, *rows, total]) + "\n"
    path.write_bytes(text.encode("gbk"))


def _upload(page, path) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    wait_app_idle(page)


def test_gbk_roster_with_problems_then_fixed_then_imported(bootstrapped_db_path, tmp_path, browser):
    bad = list(GOOD)
    bad[1] = bad[1].replace(",6,5,", ",6,7,")           # part above its whole
    bad[2] = bad[2].replace("长洲区", "长州区")          # unknown district (closest: 长洲区)
    bad[3] = bad[3].replace(",8,8,3900", ",-8,8,3900")   # negative count (and then a part above it)
    bad_file, good_file = tmp_path / "梧州2026_错误.csv", tmp_path / "梧州2026.csv"
    _write(bad_file, bad)
    _write(good_file, GOOD)

    db = tmp_path / "served.duckdb"
    shutil.copy(bootstrapped_db_path, db)
    with streamlit_server(db) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 2100})
        page.goto(f"{url}/data_import")
        wait_app_idle(page)
        page.get_by_role("heading", name="数据导入").wait_for()

        _upload(page, bad_file)
        # Three bad rows, four problems (row 6 has a negative count and so a part above its whole);
        # the grid is a canvas, so row numbers and reasons are asserted in the AppTest and CLI tests.
        page.get_by_text("问题（4）：修改文件后重新上传").wait_for()
        page.get_by_text("提示（1）").wait_for()  # the dropped 合计 row
        shot(page, "import-problems")
        assert page.get_by_role("button", name="确认导入").count() == 0

        _upload(page, good_file)
        page.get_by_text("全部 5 行通过校验").wait_for()
        page.get_by_role("button", name="确认导入").click()
        wait_app_idle(page)
        page.get_by_text("已导入：数据集").wait_for()
        page.wait_for_url("**period=2026**", timeout=10_000)  # the session moves on to the new period
        shot(page, "import-done")

        page.goto(f"{url}/?loc=450400")
        wait_app_idle(page)
        assert "period=2026" in page.url  # the new period is now the default view
        card = page.locator('[data-testid="stMetric"]').filter(has_text="社区数").first
        assert card.locator('[data-testid="stMetricValue"]').inner_text().strip() == "5"
        page.close()
