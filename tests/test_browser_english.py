"""Every page in English, in chromium at 1440 px: no Chinese outside data values, no label cut short.

What the page shows is read from the DOM: the app's visible text, the cells a table has rendered (its
accessible grid; a table draws on a canvas), the text of every plotly chart, and each source popover
opened. Data values are taken out first (tests/english_support.py: names, titles, evidence, collected
from the store); any Han character left fails the test, with its context. Rows a table has not
rendered and map labels (drawn on a canvas) are read by tests/test_english.py from the view-models.
Screenshots: artifacts/en-*.png.
"""

from __future__ import annotations

import pytest

from tests.browser_support import shot, wait_app_idle
from tests.english_support import data_strings, leftovers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH = 1440
PAGES = [
    ("overview", "/?lang=en&loc=450400&period=2025"),
    ("overview-lagging", "/?lang=en&loc=220500&period=2025"),
    ("overview-guigang-2024", "/?lang=en&loc=450800&period=2024"),
    ("compare", "/compare?lang=en"),
    ("compare-ranking", "/compare?lang=en&view=ranking"),
    ("compare-scatter", "/compare?lang=en&view=scatter&points=community"),
    ("district", "/district?lang=en&loc=450800&period=2024"),
    ("district-wuzhou", "/district?lang=en&loc=450400&district=450403"),
    ("sources", "/sources?lang=en"),
    ("sources-other", "/sources?lang=en&cat=other"),
    ("data_import", "/data_import?lang=en"),
    ("report_intake", "/report_intake?lang=en"),
]

PAGE_TEXT = """() => {
  const parts = [document.querySelector('[data-testid="stApp"]').innerText];
  const extra = '[data-testid="stDataFrame"] th, [data-testid="stDataFrame"] td, .js-plotly-plot text, '
              + '[data-testid="stPopoverBody"]';
  document.querySelectorAll(extra).forEach(e => parts.push(e.textContent));
  return parts.join('\\n');
}"""

# Labels cut short: a metric label, a multiselect chip or a chart title wider than its box.
CUT_SHORT = """() => {
  const out = [];
  document.querySelectorAll('[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"], [data-baseweb="tag"] span')
    .forEach(e => { if (e.scrollWidth > e.clientWidth + 1) out.push(e.textContent); });
  document.querySelectorAll('.js-plotly-plot').forEach(plot => {
    const box = plot.getBoundingClientRect();
    plot.querySelectorAll('.gtitle').forEach(t => {
      const r = t.getBoundingClientRect();
      if (r.right > box.right + 1 || r.left < box.left - 1) out.push(t.textContent);
    });
  });
  return out;
}"""


@pytest.fixture(scope="module")
def data(bootstrapped_db_path):
    from store import read
    from store.db import open_database

    cur = open_database(bootstrapped_db_path).reader()
    try:
        return data_strings({n: getattr(read, n)(cur) for n in ("localities", "sources", "facts", "community_rows")})
    finally:
        cur.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": WIDTH, "height": 2400}, locale="en-GB")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def _open(page, url: str) -> None:
    """Open a page and wait until it has settled: a page writes its choices back to the URL and runs again,
    so idle once is not enough; the text must stay the same for a moment, with no skeleton left."""
    page.goto(url)
    wait_app_idle(page)
    before = None
    for _ in range(40):
        now = page.evaluate(PAGE_TEXT)
        if now == before and not page.locator('[data-testid="stSkeleton"]').count():
            break
        before = now
        page.wait_for_timeout(500)
        wait_app_idle(page)


def _popovers(page) -> str:
    """Open each source popover in turn and keep its text."""
    out = []
    buttons = page.get_by_role("button", name="Source")
    for i in range(buttons.count()):
        buttons.nth(i).click()
        body = page.locator('[data-testid="stPopoverBody"]').last
        body.wait_for()
        out.append(body.inner_text())
        page.keyboard.press("Escape")
        body.wait_for(state="hidden")
    return "\n".join(out)


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[n for n, _ in PAGES])
def test_english_page_has_no_chinese_outside_data_and_no_label_cut_short(server, page, data, name, path):
    _open(page, f"{server}{path}")
    assert page.locator('[data-testid="stException"]').count() == 0
    text = page.evaluate(PAGE_TEXT)
    if name.startswith("overview"):
        text += "\n" + _popovers(page)
    shot(page, f"en-{name}")
    found = leftovers(text, data)
    assert not found, f"{name}: Chinese outside data values:\n" + "\n".join(sorted(set(found)))
    assert page.evaluate(CUT_SHORT) == [], f"{name}: labels cut short"


@pytest.mark.parametrize("mode", ["locality", "compare"])
def test_every_slide_in_english_has_no_chinese_outside_data(server, page, data, mode):
    _open(page, f"{server}/present?lang=en&pmode={mode}&slide=1")
    numbers = page.locator('[data-testid="stButtonGroup"] button').filter(has_text="1")
    assert numbers.count() >= 1
    total = max(int(t) for t in page.locator('[data-testid="stButtonGroup"] button').all_inner_texts() if t.isdigit())
    assert total >= 5
    problems = []
    for n in range(1, total + 1):
        _open(page, f"{server}/present?lang=en&pmode={mode}&slide={n}")
        assert page.locator('[data-testid="stException"]').count() == 0
        shot(page, f"en-present-{mode}-{n}")
        problems += [f"slide {n}: {x}" for x in leftovers(page.evaluate(PAGE_TEXT), data)]
    assert not problems, "Chinese outside data values:\n" + "\n".join(sorted(set(problems)))

