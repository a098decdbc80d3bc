"""Display names of localities, communities and sources in the interface language (ids never reach the screen).

A page makes one ``Names()`` per run and looks names up in it: the tables are read once, not once
per row of a table.
"""

from __future__ import annotations

import polars as pl

from ui.context import table
from ui.i18n import lang, name_col


class Names:
    def __init__(self) -> None:
        self.lang = lang()
        loc = table("localities")
        self.localities: dict[str, str] = (
            {} if loc.is_empty() else dict(loc.select("locality_id", pl.coalesce(name_col(), "name_zh")).iter_rows())
        )
        src = table("sources")
        self.titles: dict[str, str] = {} if src.is_empty() else dict(src.select("source_id", "title").iter_rows())

    def locality(self, locality_id: str | None) -> str:
        if locality_id is None:
            return ""
        return self.localities.get(locality_id, locality_id)

    def community(self, district_id: str | None, name: str | None) -> str:
        """A community's name: its English name when the localities table knows one (id district/name)."""
        if name is None:
            return ""
        if self.lang == "zh" or district_id is None:
            return name
        return self.localities.get(f"{district_id}/{name}", name)

    def locality_expr(self, column: str) -> pl.Expr:
        """A column of locality ids as display names, for a whole table at once (unknown ids show themselves)."""
        return pl.col(column).replace_strict(self.localities, default=pl.col(column))

    def community_expr(self, district: str = "district_id", community: str = "community") -> pl.Expr:
        """community() for a whole table at once."""
        if self.lang == "zh":
            return pl.col(community)
        key = pl.concat_str([pl.col(district), pl.lit("/"), pl.col(community)])
        return key.replace_strict(self.localities, default=pl.col(community))

    def source_ref(self, source_id: str, *, with_id: bool = True) -> str:
        """A source as readers cite it: S000《title》 in Chinese, S000 “title” in English."""
        title = self.titles.get(source_id, source_id)
        if self.lang == "zh":
            return f"{source_id}《{title}》" if with_id else f"《{title}》"
        return f"{source_id} “{title}”" if with_id else f"“{title}”"
