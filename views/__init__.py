"""View-models: what each page shows, computed and worded, with no Streamlit in sight.

One module per viewing page (overview, compare, district, sources, present). Each `build(...)`
takes the store's tables (a mapping of polars frames: localities, sources, facts, datasets,
community_rows), the choices a reader made (locality, period, indicator ...) and a language, and
returns a frozen dataclass of ready-to-show data: worded labels, formatted numbers, small
display frames, map values. The page in pages/ only lays it out; exports/story/ builds its
slides from the same builders where it shows the same things (KPI cards, published figures, city maps),
so a page and a slide cannot disagree.

Why a layer of its own, not queries/: queries/ computes data (pure polars, LazyFrame in, one grain
out) and knows nothing of language or wording; a view-model is the opposite end, one page's
worth of text and numbers in one language, built from several queries. Why not ui/: ui/ holds
the Streamlit side (widgets, caches, charts and decks drawn from view-models), and a view-model
must be testable, cacheable and usable by the PPTX export without a Streamlit session.

Because a view-model depends only on (page, choices, language, data version), the dashboard
builds it once and every viewer with the same choices shares it (ui/cache.py).

Rules: no Streamlit; no Python callbacks inside polars (map_elements and friends: see
ui/tables.py for the deadlock they cause); text only through text/ with the language given.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

Tables = Mapping[str, pl.DataFrame]  # store table name -> frame (store.read's columns)
TABLES: tuple[str, ...] = ("localities", "sources", "facts", "datasets", "community_rows")
