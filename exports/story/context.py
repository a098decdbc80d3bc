"""What every slide builder shares: the store's tables, the page view-models' context, one language."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from exports.story.model import Cited, Figure, Kpi, SourceRef, UnknownLocality
from queries.compare import published_values
from queries.scope import in_scope
from text import indicators as ind
from text import numbers, punct
from text.messages import check_lang, message, no_data
from views.common import Context
from views.overview import cards

MAX_EVIDENCE_PER_SOURCE = 4


def resolve_locality(localities: pl.DataFrame, text: str) -> str:
    """A locality id from an id, a Chinese name or an English name (case-insensitive).

    Raises UnknownLocality with the candidates when nothing (or more than one place) matches.
    """
    key = text.strip()
    if not key:
        raise UnknownLocality("empty locality name")
    ids = localities["locality_id"].to_list()
    if key in ids:
        return key
    low = key.lower()
    hits = localities.filter(
        (pl.col("name_zh") == key) | (pl.col("name_en").str.to_lowercase() == low) | (pl.col("adcode") == key)
    )
    focus_level = pl.col("level").is_in(["city", "district"])
    if hits.height > 1 and hits.select(focus_level.any()).item():
        hits = hits.filter(focus_level)  # prefer cities and county-level units over same-named streets
    if hits.height == 1:
        return hits["locality_id"].item()
    focus = localities.filter(focus_level)
    known = punct.join_list(focus["name_zh"].to_list()[:40], "zh")
    if hits.height > 1:
        listed = ", ".join(hits["locality_id"].to_list())
        raise UnknownLocality(f"locality {text!r} is ambiguous: {listed}; give its id")
    near = focus.filter(pl.col("name_zh").str.contains(key, literal=True)
                        | pl.col("name_en").str.to_lowercase().str.contains(low, literal=True))
    if near.height:
        guesses = ", ".join(f"{r['name_zh']} ({r['locality_id']})" for r in near.iter_rows(named=True))
        raise UnknownLocality(f"unknown locality {text!r}; did you mean: {guesses}?")
    raise UnknownLocality(f"unknown locality {text!r}; known cities and counties: {known}")


def value_text(number_format: str, value: float | None, lang: str) -> str:
    """A roster value as the slides print it, by catalog format (无数据 / no data when missing)."""
    return numbers.number(value, number_format, lang, no_data=no_data(lang))


class StoryContext:
    """The tables, the language and the view-models' context shared by every slide builder."""

    def __init__(self, tables: dict[str, pl.DataFrame], lang: str) -> None:
        self.view = Context({"datasets": pl.DataFrame(), **tables}, check_lang(lang))  # what the pages build from
        self.lang = lang
        self.localities = tables["localities"]
        self.facts = tables["facts"]
        self.sources = tables["sources"]
        self.rows_df = tables["community_rows"]
        self.rows = self.rows_df.lazy()
        self.name_col = self.view.name_col
        self._published = published_values(self.facts, self.localities) if self.facts.height else None

    # ------------------------------------------------------------ text
    def m(self, key: str, **kw: object) -> str:
        return message(f"present.{key}", self.lang, **kw)

    def name(self, locality_id: str) -> str:
        return self.view.names.locality(locality_id)

    def label(self, indicator_id: str) -> str:
        return ind.label(indicator_id, self.lang)

    def unit(self, indicator_id: str) -> str:
        return ind.unit(indicator_id, self.lang)

    def definition(self, indicator_id: str) -> str:
        return ind.definition(indicator_id, self.lang)

    def formula(self, indicator_id: str) -> str:
        return ind.formula(indicator_id)

    def number_format(self, indicator_id: str) -> str:
        return ind.number_format(indicator_id)

    def paren(self, text: str) -> str:
        return punct.paren(text, self.lang)

    def value_text(self, indicator_id: str, value: float | None) -> str:
        return ind.value(indicator_id, value, self.lang)

    def published_text(self, indicator_id: str, value: float | None, qualifier: str | None) -> str:
        """A published value as printed, qualifier kept, as the pages print it: ≥10万, >2,600, 100%."""
        return ind.published(indicator_id, value, qualifier, self.lang)

    def footer(self, synthetic: bool) -> str:
        return self.m("synthetic_footer") if synthetic else ""

    # ------------------------------------------------------------ data
    def locality(self, locality_id: str) -> dict:
        if locality_id not in self.view.by_id:
            raise UnknownLocality(f"unknown locality id {locality_id!r}")
        return self.view.by_id[locality_id]

    def periods(self, locality_id: str) -> list[str]:
        scoped = in_scope(self.rows, locality_id, self.localities)
        return sorted(scoped.select(pl.col("period").unique()).collect()["period"].drop_nulls().to_list())

    def figures(self, locality_id: str, indicators: Sequence[str]) -> list[Figure]:
        """The reports' figures on these indicators for one locality, one per fact, in fact order."""
        if self._published is None:
            return []
        pv = self._published.filter(
            (pl.col("locality_id") == locality_id) & pl.col("indicator").is_in(list(indicators))
        )
        return [
            Figure(
                fact_id=r["fact_id"], source_id=r["source_id"], locality_id=locality_id, indicator=r["indicator"],
                label=self.label(r["indicator"]), value=r["value"], qualifier=r["qualifier"],
                text=self.published_text(r["indicator"], r["value"], r["qualifier"]), evidence=r["evidence"] or "",
            )
            for r in pv.iter_rows(named=True)
        ]

    def source_refs(self, cited: Iterable[Cited]) -> list[SourceRef]:
        """The reports behind these facts, in source order, each with the evidence phrases used."""
        evidence: dict[str, list[str]] = {}
        for f in cited:
            phrases = evidence.setdefault(f.source_id, [])
            if f.evidence and f.evidence not in phrases and len(phrases) < MAX_EVIDENCE_PER_SOURCE:
                phrases.append(f.evidence)
        used = self.sources.filter(pl.col("source_id").is_in(list(evidence))).sort("source_id")
        return [
            SourceRef(source_id=r["source_id"], title=r["title"] or r["source_id"], author=r.get("author") or "",
                      evidence=tuple(evidence[r["source_id"]]))
            for r in used.iter_rows(named=True)
        ]

    def kpi_list(self, locality_id: str, period: str | None, indicators: Sequence[str]) -> list[Kpi]:
        """The overview's cards for a locality, one per indicator even without a roster."""
        return cards(self.view, locality_id, period, tuple(indicators), always=True)


def citations(kpis: Sequence[Kpi]) -> tuple[Cited, ...]:
    """Every fact behind the cards' published figures (each with its source and evidence)."""
    return tuple(c for k in kpis for f in k.published for c in f.citations)
