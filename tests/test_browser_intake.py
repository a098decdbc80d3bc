"""A report never seen before, in a real browser: uploaded on 报告录入, reviewed, a missed figure added, published,
then shown on the sources page beside the bundled figures it disagrees with; withdrawn again."""

from __future__ import annotations

import shutil

import pytest

from tests.browser_support import shot, streamlit_server, wait_app_idle
from tests.report_files import docx_bytes

pytestmark = pytest.mark.browser

TITLE = "广西壮族自治区贵港市：网格化服务管理调研报告"
BODY = """贵港市近年来推进城市社区网格化服务管理，全市共有街道9个，每个网格常住居民300至500户。
全市共组建志愿服务队126支，累计服务群众4.2万人次，化解矛盾纠纷近800件。
据统计，全市社区“两委”成员中，大专以上学历的有1380人。"""


def _count(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_a_new_report_goes_from_upload_to_published_figures(bootstrapped_db_path, tmp_path, browser):
    report = tmp_path / "贵港网格化调研.docx"
    report.write_bytes(docx_bytes(TITLE, BODY))
    db = tmp_path / "served.duckdb"
    shutil.copy(bootstrapped_db_path, db)
    with streamlit_server(db) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        page.goto(f"{url}/sources")
        wait_app_idle(page)
        page.get_by_text("公开报道数字（270 条）").wait_for()

        page.goto(f"{url}/report_intake")
        wait_app_idle(page)
        page.get_by_role("heading", name="报告录入").wait_for()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(report))
        wait_app_idle(page)
        page.get_by_text("核对候选数字").wait_for()
        assert _count(page, "报告主体地区") == "贵港市"
        found = int(_count(page, "候选数字"))
        assert found >= 5

        # the DOCX's table row is a figure the extractor leaves to the reviewer: add it by its verbatim phrase
        page.get_by_text("补录漏提的数字").click()
        page.get_by_label("原文短语").fill("小区数，451")
        page.get_by_role("button", name="补录").click()
        wait_app_idle(page)
        assert int(_count(page, "候选数字")) == found + 1
        # a phrase that is not in the report is refused
        page.get_by_text("补录漏提的数字").click() if not page.get_by_label("原文短语").is_visible() else None
        page.get_by_label("原文短语").fill("全市共有街道99个")
        page.get_by_role("button", name="补录").click()
        wait_app_idle(page)
        page.get_by_text("这个短语不在报告原文中").wait_for()
        shot(page, "intake-review")

        page.get_by_label("作者或发布单位").fill("贵港市委组织部")
        page.get_by_label("报告日期（年、年-月或年-月-日）").fill("2024-06")
        page.get_by_role("button", name="发布已采纳的数字").click()
        wait_app_idle(page)
        done = page.get_by_text("来源编号 R0001")
        done.wait_for()
        published = int(done.inner_text().split("已发布 ")[1].split(" 个")[0])
        assert published >= found  # every candidate this sure starts accepted, plus the one added by hand
        shot(page, "intake-published")

        page.goto(f"{url}/sources")
        wait_app_idle(page)
        page.get_by_text(f"公开报道数字（{270 + published} 条）").wait_for()
        # 9 streets against the bundled report's 7: both shown side by side, each with its source
        page.locator('[data-testid="stMetric"]').filter(has_text="R0001").first.wait_for()
        shot(page, "intake-on-sources")

        page.goto(f"{url}/report_intake")
        wait_app_idle(page)
        page.get_by_role("button", name="撤回").click()
        wait_app_idle(page)
        page.get_by_text("已撤回 R0001").wait_for()
        page.goto(f"{url}/sources")
        wait_app_idle(page)
        page.get_by_text("公开报道数字（270 条）").wait_for()
        page.close()
