"""One AppTest smoke test per page: it runs with data and shows what it should."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def _run(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_shows_store_summary(app_env):
    at = _run()
    labels = [m.label for m in at.metric]
    assert "公开数据条目" in labels or "总览" in [t.value for t in at.title]


def test_language_comes_from_the_url(app_env):
    at = _run(lang="en")
    assert any(t.value == "Overview" for t in at.title)
    assert at.query_params["lang"] == "en"
