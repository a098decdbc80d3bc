"""The message catalog is complete in both languages and every key the code uses exists."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from text.messages import catalog, message


def test_every_message_has_both_languages():
    cat = catalog()
    assert cat, "no messages loaded"
    for key, entry in cat.items():
        assert entry["zh"].strip() and entry["en"].strip(), key


def test_every_t_call_names_a_defined_key():
    keys = set(catalog())
    used: set[str] = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), *ROOT.glob("views/*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\b(?:t|m|message)\(\s*["']([a-z_][\w.]*\.[\w.]+)["']""", text))
    assert used, "no t() calls found"
    assert sorted(used - keys) == []


def test_unknown_key_shows_itself():
    assert message("no.such.key", "en") == "no.such.key"


def test_format_arguments_fill_placeholders():
    assert "梧州" not in message("app.title", "zh", city="梧州")  # no placeholder: unchanged
