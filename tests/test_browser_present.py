"""Present mode in a real browser: `streamlit run app.py`, Debian's chromium, a projector-sized window."""

from __future__ import annotations

import pytest

from tests.browser_support import shot, wait_app_idle

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")  # a projector's 16:10
    pg = ctx.new_page()
    yield pg
    ctx.close()


def heading(page) -> str:
    return page.locator('[data-testid="stHeading"] h1').first.inner_text().strip()


# Counts the animation frames in which the sidebar is on screen.
SIDEBAR_FRAMES = """
window.__sidebarFrames = 0;
(function tick() {
  const e = document.querySelector('[data-testid="stSidebar"]');
  if (e && getComputedStyle(e).display !== 'none' && e.getBoundingClientRect().width > 0) window.__sidebarFrames++;
  requestAnimationFrame(tick);
})();
"""


def test_a_projector_never_shows_the_sidebar_not_even_while_loading_and_leaving_brings_it_back(server, page):
    # first in the module: the server's first page load is the one that used to flash the sidebar
    page.add_init_script(SIDEBAR_FRAMES)
    page.goto(f"{server}/present?loc=450800")
    page.get_by_role("heading", name="贵港市：党建引领城市基层治理").wait_for()
    wait_app_idle(page)
    assert page.evaluate("window.__sidebarFrames") == 0
    page.get_by_role("link", name="退出演示").click()
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible", timeout=15_000)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.wait_for()  # the filters are back


def test_slides_step_forward_and_back_with_the_number_in_the_url(server, page):
    page.goto(f"{server}/present?loc=450800")
    wait_app_idle(page)
    page.get_by_role("heading", name="贵港市：党建引领城市基层治理").wait_for()
    assert "slide=1" in page.url
    # no sidebar on a projector, but a way back. The projector style is a style-only st.html, which
    # Streamlit draws in its event container, on a busy machine after the heading: wait, bounded.
    page.locator('[data-testid="stSidebar"]').wait_for(state="hidden", timeout=10_000)
    page.locator('[data-testid="stExpandSidebarButton"]').wait_for(state="hidden", timeout=10_000)
    page.get_by_role("link", name="退出演示").wait_for()
    page.get_by_text("示例数据（合成）").first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    shot(page, "present-slide1")

    page.get_by_role("button", name="下一页").click()
    page.wait_for_url("**slide=2**", timeout=15_000)
    page.get_by_role("heading", name="贵港市主要指标").wait_for()
    page.locator('[data-testid="stMetricValue"]').first.wait_for()
    size = page.locator('[data-testid="stMetricValue"]').first.evaluate(
        "e => { let n = e; while (n.firstElementChild) n = n.firstElementChild; "
        "return parseFloat(getComputedStyle(n).fontSize); }"
    )
    assert size >= 48, size  # projector type
    shot(page, "present-slide2")

    page.get_by_role("button", name="下一页").click()
    page.wait_for_url("**slide=3**", timeout=15_000)
    page.get_by_role("heading", name="物业企业党组织覆盖率：贵港市各区县").wait_for()
    page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(timeout=30_000)

    page.get_by_role("button", name="上一页").click()
    page.wait_for_url("**slide=2**", timeout=15_000)
    page.get_by_role("heading", name="贵港市主要指标").wait_for()
    assert heading(page) == "贵港市主要指标"


def test_a_link_opens_a_chart_slide(server, page):
    page.goto(f"{server}/present?loc=450400&slide=4")
    wait_app_idle(page)
    page.get_by_role("heading", name="物业企业党组织覆盖率：各区县排名").wait_for()
    page.locator(".js-plotly-plot .main-svg").first.wait_for()  # plotly has drawn the chart
    page.locator('[data-testid="stSidebar"]').wait_for(state="hidden", timeout=10_000)
    shot(page, "present-slide4-chart")


def test_download_gives_the_same_sequence_as_pptx(server, page, tmp_path):
    from pptx import Presentation

    page.goto(f"{server}/present?loc=450800&slide=2")
    wait_app_idle(page)
    page.get_by_role("heading", name="贵港市主要指标").wait_for()
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("button", name="下载 PPTX").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".pptx"
    prs = Presentation(str(path))
    assert len(prs.slides) == 8
    first = "\n".join(sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame)
    assert "贵港市：党建引领城市基层治理" in first
