"""End to end in a real browser: `streamlit run app.py`, Debian's chromium, Playwright."""

from __future__ import annotations

import pytest

from tests.browser_support import ARTIFACTS, shot, wait_app_idle

pytestmark = pytest.mark.browser


def test_overview_renders_in_chinese(server, page):
    page.goto(f"{server}/")
    wait_app_idle(page)
    page.get_by_role("heading", name="总览").wait_for()
    shot(page, "overview")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_language_in_url_reopens_in_english(server, page):
    page.goto(f"{server}/?lang=en")
    wait_app_idle(page)
    page.get_by_role("heading", name="Overview").wait_for()
    shot(page, "overview-en")


def test_clicking_english_switches_language_and_url(server, page):
    page.goto(f"{server}/")
    wait_app_idle(page)
    page.get_by_role("radio", name="English").click()
    page.get_by_role("heading", name="Overview").wait_for()
    page.wait_for_url("**lang=en**", timeout=10_000)


# ------------------------------------------------------------------ the explore pages, end to end
DECK_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'


def _open(page, url: str) -> None:
    page.goto(url)
    wait_app_idle(page)


def _choose(page, label: str, option: str, *, sidebar: bool = False) -> None:
    """Pick `option` in the selectbox labelled `label` (Streamlit's own dropdown), then wait for the rerun."""
    root = page.locator('[data-testid="stSidebar"]') if sidebar else page.locator('[data-testid="stMain"]')
    box = root.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)
    ).first
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_app_idle(page)


def _metric(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    ).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def test_overview_page_cards_map_sources_and_locality_switch(server, page):
    _open(page, f"{server}/?loc=450400&period=2025")
    page.get_by_role("heading", name="总览").wait_for()
    page.wait_for_selector('[data-testid="stMetricValue"]')
    page.wait_for_selector(DECK_CANVAS, timeout=30_000)
    assert _metric(page, "社区数") == "57"
    assert _metric(page, "小区党组织覆盖率") == "100.0%"
    assert page.get_by_text("公开报道：≥10万+5万 元（S000，仅分项之和）").is_visible()
    assert page.get_by_text("示例数据（合成）", exact=False).first.is_visible()
    _no_errors(page)
    shot(page, "page-overview")
    # one click on a card's 来源 shows the report sentence and its document
    page.get_by_role("button", name="来源").last.click()
    page.get_by_text("服务群众专项经费不少于10万元").first.wait_for()
    page.keyboard.press("Escape")
    # another locality in the sidebar: the figures change, and the URL says so
    _choose(page, "地区", "贵港市", sidebar=True)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')].some(e => e.innerText.trim() === '36')"
    )
    assert _metric(page, "社区数") == "36"
    assert "loc=450800" in page.url
    shot(page, "page-overview-guigang")
    # an earlier period: coverage was below target, so the lag ranking appears
    _choose(page, "时期", "2024", sidebar=True)
    page.get_by_text("小区党组织覆盖率最低的社区").wait_for()
    page.wait_for_selector(".js-plotly-plot")
    assert _metric(page, "小区党组织覆盖率") != "100.0%"
    shot(page, "page-overview-lag")


def test_compare_page_journey_two_and_the_link_reopens_it(server, page):
    url = f"{server}/compare?locs=450400,450800,450481&inds=fund_total_per_community&view=bar"
    _open(page, url)
    page.get_by_role("heading", name="城市比较").wait_for()
    page.wait_for_selector(".js-plotly-plot")
    plot = page.locator(".js-plotly-plot").first
    for label in ("≥10万+5万", "≥20万", "18万"):
        assert plot.get_by_text(label, exact=True).count() >= 1, label
    assert page.get_by_text("口径不同", exact=False).first.is_visible()
    _no_errors(page)
    shot(page, "page-compare")
    # switching the view is a URL change; the same link reopens the ranking
    page.get_by_role("radio", name="排序").click()
    wait_app_idle(page)
    page.wait_for_url("**view=ranking**", timeout=10_000)
    reopened = page.url
    page.goto(reopened)
    wait_app_idle(page)
    page.wait_for_selector(".js-plotly-plot")
    assert page.get_by_role("radio", name="排序").is_checked()
    assert page.locator(".js-plotly-plot").first.get_by_text("≥20万", exact=True).count() >= 1
    page.get_by_role("radio", name="散点图").click()
    wait_app_idle(page)
    page.wait_for_selector(".js-plotly-plot")
    shot(page, "page-compare-scatter")


def test_district_page_map_table_and_district_filter(server, page):
    _open(page, f"{server}/district?loc=450400&ind=compound_coverage&period=2024")
    page.get_by_role("heading", name="区县与社区").wait_for()
    page.wait_for_selector(DECK_CANVAS, timeout=30_000)
    page.get_by_text("梧州市各区县小区党组织覆盖率").wait_for()
    assert page.get_by_text("共 57 个社区", exact=False).is_visible()
    assert page.get_by_text("图例", exact=False).first.is_visible()
    _no_errors(page)
    shot(page, "page-district")
    _choose(page, "区县", "万秀区", sidebar=True)
    page.get_by_text("万秀区的社区").wait_for()
    page.get_by_text("共 16 个社区", exact=False).wait_for()
    page.wait_for_selector(DECK_CANVAS, timeout=30_000)
    assert "district=450403" in page.url
    shot(page, "page-district-wanxiu")


def test_sources_page_conflict_reconciliation_and_filters(server, page):
    _open(page, f"{server}/sources?src_loc=450400")
    page.get_by_role("heading", name="来源与证据").wait_for()
    page.get_by_role("heading", name="说法不一的数字").wait_for()
    for value in ("201 个", "543 个"):  # the two sides of the conflict, each a figure of its own
        page.locator('[data-testid="stMetricValue"]', has_text=value).first.wait_for()
    quotes = page.locator("blockquote")
    assert quotes.filter(has_text="小区党支部（或联合党支部）201个").first.is_visible()
    assert quotes.filter(has_text="建立党支部(或联合党支部)543个").first.is_visible()
    page.get_by_role("heading", name="报道与名册对照：梧州市").wait_for()
    _no_errors(page)
    shot(page, "page-sources")
    # the reconciliation sits below the fold of even a tall window: shoot that table on its own
    recon = page.locator('[data-testid="stDataFrame"]').last
    recon.scroll_into_view_if_needed()
    recon.screenshot(  # Playwright waits for the element to be visible and stable first
path=str(ARTIFACTS / "page-sources-reconcile.png"))
    page.get_by_role("heading", name="来源与证据").scroll_into_view_if_needed()
    _choose(page, "报道地区", "岑溪市")
    page.get_by_role("heading", name="报道与名册对照：岑溪市").wait_for()
    page.get_by_text("当前筛选范围内没有相互矛盾的公开数字").wait_for()
    assert "src_loc=450481" in page.url
    shot(page, "page-sources-cenxi")


def test_english_link_stays_english_through_an_interaction(server, page):
    _open(page, f"{server}/compare?lang=en&locs=450400,450800&inds=compound_coverage")
    page.get_by_role("heading", name="Compare cities").wait_for()
    page.get_by_role("radio", name="Ranking").click()
    wait_app_idle(page)
    page.wait_for_url("**view=ranking**", timeout=10_000)
    page.get_by_role("heading", name="Compare cities").wait_for()
    assert "lang=en" in page.url
    page.wait_for_selector(".js-plotly-plot")
    assert page.locator(".js-plotly-plot").first.get_by_text("Published", exact=True).count() >= 1
    shot(page, "page-compare-en")


def test_page_switch_keeps_language_and_locality(server, page):
    # Streamlit drops widget state and the query string on a navigation click; the choice must survive.
    _open(page, f"{server}/?lang=en&loc=450800")
    page.get_by_role("heading", name="Overview").wait_for()
    page.get_by_role("link", name="Compare cities").click()
    page.get_by_role("heading", name="Compare cities").wait_for()
    page.wait_for_url("**lang=en**", timeout=10_000)
    assert "loc=450800" in page.url
    page.get_by_role("link", name="Districts and communities").click()
    page.get_by_role("heading", name="Districts and communities").wait_for()
    page.wait_for_url("**/district?**loc=450800**", timeout=10_000)
    _no_errors(page)
