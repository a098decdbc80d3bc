"""A report's figure as the pages and slides print it, built once from the facts behind it.

queries.compare.published() gives one row per figure with the facts behind it as a list
(fact_ids: several reports stating the same figure, or the parts a total was added up from);
figures() turns those rows into PublishedFigure, the one place where a figure's text, its
sources and its evidence are put together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from text import facts as fact_text
from text import indicators as ind
from text import punct
from text.messages import message


@dataclass(frozen=True, eq=False)
class Citation:
    fact_id: str
    source_id: str
    indicator: str | None   # the fact's own indicator (a part of a total has its kind's)
    value: float | None     # in the report's unit
    qualifier: str
    unit: str               # that unit as the reader reads it: 元/社区 | yuan per community
    evidence: str
    figure: str = ""        # the fact as stated, worded: ≥10万 元/社区 | ≥100K yuan per community


@dataclass(frozen=True, eq=False)
class PublishedFigure:
    locality_id: str
    period: str | None
    indicator: str
    value: float                 # catalog units (rates as fractions)
    qualifier: str               # exact, more_than, at_least, about, up_to
    parts: tuple[float, ...]     # the published parts a total was added up from (empty: stated itself)
    text: str                    # as printed: ≥10万+5万, >30,000, 100%
    text_with_unit: str          # ≥10万+5万 元
    citations: tuple[Citation, ...]
    low: float | None = None     # the interval the wording implies, catalog units (None: unbounded)
    high: float | None = None
    bounds: str | None = None    # which ends are closed: "[)", "()", ...
    interval: str = ""           # that interval as a reader says it: 2,600至不足2,700, >30,000, ≥15万

    @property
    def fact_ids(self) -> tuple[str, ...]:
        return tuple(c.fact_id for c in self.citations)

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.source_id for c in self.citations))

    @property
    def from_parts(self) -> bool:
        """A total no report states, added up from the kinds of funds the reports do state."""
        return bool(self.parts)


def facts_by_id(facts: pl.DataFrame) -> dict[str, dict]:
    return {r["fact_id"]: r for r in facts.iter_rows(named=True)} if not facts.is_empty() else {}


def figures(rows: pl.DataFrame, facts: Mapping[str, Mapping], lang: str) -> list[PublishedFigure]:
    """One PublishedFigure per row of queries.compare.published() (any subset of its rows)."""
    out = []
    for r in rows.iter_rows(named=True):
        parts = tuple(r["parts"] or ())
        shown = list(parts) if len(parts) > 1 else None
        out.append(PublishedFigure(
            locality_id=r["locality_id"], period=r["period"], indicator=r["indicator"], value=r["value"],
            qualifier=r["qualifier"], parts=parts,
            text=ind.published(r["indicator"], r["value"], r["qualifier"], lang, parts=shown),
            text_with_unit=ind.published(r["indicator"], r["value"], r["qualifier"], lang, parts=shown, with_unit=True),
            citations=tuple(_citation(facts[i], lang) for i in r["fact_ids"] if i in facts),
            low=r.get("low"), high=r.get("high"), bounds=r.get("bounds"),
            interval=fact_text.claim_interval(r["indicator"], r.get("low"), r.get("high"), r.get("bounds"),
                                              r["qualifier"], lang) if r.get("bounds") else "",
        ))
    return out


def _citation(f: Mapping, lang: str) -> Citation:
    return Citation(f["fact_id"], f["source_id"], f.get("indicator"), f.get("value"), f.get("qualifier") or "exact",
                    fact_text.unit(f, lang), f.get("evidence") or "", fact_text.figure(f, lang))


def line(figs: Sequence[PublishedFigure], lang: str) -> str:
    """公开报道：100%（S000、S002）; figures that differ one after another; a total added up from the
    kinds of funds a report names says so (≥10万+5万 元（S000，仅分项之和））. Empty without figures."""
    if not figs:
        return ""
    groups: dict[tuple[str, bool], list[str]] = {}
    for f in figs:
        srcs = groups.setdefault((f.text_with_unit, f.from_parts), [])
        srcs.extend(s for s in f.source_ids if s not in srcs)
    body = punct.join_items(
        (text + punct.paren(punct.join_list(srcs, lang) + (message("overview.parts_only", lang) if parts else ""), lang)
         for (text, parts), srcs in groups.items()),
        lang,
    )
    return message("overview.published_line", lang, figures=body)


def source_ids(figs: Iterable[PublishedFigure]) -> list[str]:
    """The reports behind some figures, each once, in order of appearance."""
    return list(dict.fromkeys(s for f in figs for s in f.source_ids))
