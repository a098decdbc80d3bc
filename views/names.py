"""Display names of localities, communities and sources in a language (ids never reach the screen)."""

from __future__ import annotations

import polars as pl

from text import punct


class Names:
    """Looks names up in dictionaries made once from the localities and sources tables."""

    def __init__(self, localities: pl.DataFrame, sources: pl.DataFrame, lang: str) -> None:
        self.lang = lang
        name_col = "name_en" if lang == "en" else "name_zh"
        self.localities: dict[str, str] = (
            {} if localities.is_empty()
            else dict(localities.select("locality_id", pl.coalesce(name_col, "name_zh")).iter_rows())
        )
        self.titles: dict[str, str] = {} if sources.is_empty() else dict(sources.select("source_id", "title").iter_rows())

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
        return punct.cite(source_id, title, self.lang) if with_id else punct.title(title, self.lang)
