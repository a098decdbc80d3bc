"""Display names in the page's language: views.names.Names made from the store's tables (shared per data version)."""

from __future__ import annotations

from ui.cache import shared
from ui.context import table
from ui.i18n import lang
from views.names import Names as _Names


def Names() -> _Names:  # noqa: N802 - kept callable as the class it was, for the pages being edited elsewhere
    """The current language's names, built once per data version and language, shared by every session."""
    code = lang()
    return shared("names", (code,), lambda: _Names(table("localities"), table("sources"), code))
