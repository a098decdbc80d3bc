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


# ---- issue 13: a street office's 5-row file must not hide the rest of the city -------------------
SCENARIO = (  # 梧州市 2024, only 万秀区 and 长洲区: four communities the city roster holds, one new
    "城市,区县,所属街道,社区名称,统计期,小区数,已建党组织小区数,网格数（个）,在职党员报到人数,服务活动次数,服务群众专项经费（元）\n"
    "梧州市,万秀区,第2街道,第1社区,2024年,12,10,９,189,160,3.5万\n"
    "梧州市,万秀区,第3街道,第2社区,2024年,11,9,11,142,156,100000\n"
    "梧州市,万秀区,第1街道,第3社区,2024年,8,8,12,600,382,11万\n"
    "梧州市,长洲区,第1街道,第1社区,2024年,12,11,13,228,150,100000\n"
    "梧州市,长洲区,大塘街道,新建社区,2024年,6,6,8,120,90,８００００\n"
)


def _choose_roster(page, option: str) -> None:
    box = page.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text="这个文件是")
    ).first
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_app_idle(page)


def _communities(db_path) -> set[tuple[str, str]]:
    from store.db import close_database, open_database
    from store.read import community_rows

    db = open_database(db_path)
    try:
        rows = community_rows(db.reader())
    finally:
        close_database(db_path)
    return set(rows.filter(rows["period"] == "2024").select("district_id", "community").rows())


def test_a_partial_roster_previews_then_asks_twice_for_a_complete_one_and_keeps_the_rest(
    bootstrapped_db_path, tmp_path, browser
):
    file = tmp_path / "梧州2024_街道.csv"
    file.write_text(SCENARIO, encoding="utf-8")
    db = tmp_path / "served.duckdb"
    shutil.copy(bootstrapped_db_path, db)
    before = _communities(db)
    with streamlit_server(db) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 3200})
        page.goto(f"{url}/data_import")
        wait_app_idle(page)
        _upload(page, file)

        # the preview, before the confirm button: what changes and which dataset it replaces rows of
        page.get_by_text("只替代文件中列出的社区；2024 年的其他社区保持不变。").wait_for()
        page.get_by_text("梧州市 2024 年的社区数：57 → 58。").wait_for()
        page.get_by_text("新增 1 个社区；4 个社区的数据改变；0 个社区数据不变；移除 0 个社区。").wait_for()
        page.get_by_text("数据集 11（synthetic_450400_wuzhou_2024.csv，梧州市，2024，38 行）：替代其中 4 行，其余 34 行仍然有效。").wait_for()
        page.get_by_text("前 5 行（存储后的值：表头对应、万/全角已换算）").wait_for()
        shot(page, "import-preview-partial")

        # "the complete roster of 梧州市": what disappears, by district; 岑溪市 kept; then a second confirmation
        _choose_roster(page, "梧州市 2024 年的完整名册")
        page.get_by_text("将从 2024 年移除：万秀区（13 个社区）、长洲区（12 个社区）、龙圩区（9 个社区）。").wait_for()
        page.get_by_text("保留不变：岑溪市（19 个社区）。县、县级市只有在文件中出现时才会被替代。").wait_for()
        page.get_by_role("button", name="确认导入").click()
        wait_app_idle(page)
        page.get_by_text("请再次确认").wait_for()
        page.get_by_text("将改动文件未列出的区县：龙圩区。").first.wait_for()
        assert page.get_by_role("button", name="确认移除并导入").count() == 1
        shot(page, "import-second-confirmation")
        page.get_by_role("button", name="取消").click()
        wait_app_idle(page)

        # back to a partial roster, and import it
        _choose_roster(page, "部分名册：只替代文件中列出的社区")
        page.get_by_text("梧州市 2024 年的社区数：57 → 58。").wait_for()
        page.get_by_role("button", name="确认导入").click()
        wait_app_idle(page)
        page.get_by_text("已导入：数据集 19，5 行。").wait_for()
        shot(page, "import-partial-done")

        # the overview of 梧州市 2024 counts every community: the 57 and the new one
        page.goto(f"{url}/?loc=450400&period=2024")
        wait_app_idle(page)
        card = page.locator('[data-testid="stMetric"]').filter(has_text="社区数").first
        assert card.locator('[data-testid="stMetricValue"]').inner_text().strip() == "58"
        page.close()
    after = _communities(db)
    assert before <= after and after - before == {("450405", "新建社区")}
