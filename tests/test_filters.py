"""ui/filters.py: a link that asks for a place or period the store cannot show says so on the page."""

from __future__ import annotations

import pytest


def warnings(at) -> list[str]:
    """The notices about the link (the page's other warnings, such as the synthetic-data banner, left out)."""
    return [w.value for w in at.warning if "此处显示的是" in w.value or "this page shows" in w.value]


def test_a_link_to_a_known_city_without_data_names_it_and_the_city_shown(open_page):
    at = open_page(loc="610400")  # 咸阳市: in the national list, no roster or report in the sample store
    said = " ".join(warnings(at))
    assert "咸阳市" in said and "梧州市" in said
    assert at.query_params["loc"] in ("450400", ["450400"])  # the URL now names what is shown


def test_the_notice_is_in_english_when_the_link_asks_for_english(open_page):
    at = open_page(loc="610400", lang="en")
    said = " ".join(warnings(at))
    assert "Xianyang" in said and "Wuzhou" in said
    assert "咸阳" not in said


@pytest.mark.parametrize("code", ["999999", "[x](http://example.com)", "**bold**<b>"])
def test_an_unknown_code_is_shown_back_only_as_letters_and_digits(open_page, code):
    said = " ".join(warnings(open_page(loc=code)))
    assert "梧州市" in said
    assert "://" not in said and "*" not in said and "<" not in said and "](" not in said


def test_a_period_without_a_roster_names_the_period_shown(open_page):
    said = " ".join(warnings(open_page(loc="450400", period="2019")))
    assert "2019" in said and "2025" in said


def test_a_link_the_store_can_show_says_nothing(open_page):
    assert warnings(open_page(loc="450800", period="2025")) == []
