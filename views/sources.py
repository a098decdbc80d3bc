"""Sources and evidence, as data: every published figure with its qualifier and document, the figures that
disagree side by side, and each claim set against the rosters."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from queries.conflicts import conflicts
from queries.evidence import OTHER, facts_table
from queries.reconcile import reconcile
from text import facts as fact_text
from text import indicators as ind
from text import numbers, punct
from views import Tables
from views.common import CATEGORY_ORDER, Context, category_label

ALL = "all"
LEVEL_ORDER = {"city": 0, "district": 1, "street": 2, "community": 3}
# What a reader needs first comes first (a table wider than the screen scrolls): the figure, its range
# and the report's words; the claim, the roster value, the verdict and why.
FACT_COLUMNS = ("fact", "locality", "indicator", "value", "interval", "unit", "evidence", "qualifier", "source",
                "category", "period")
RECONCILE_COLUMNS = ("fact", "locality", "indicator", "claimed", "interval", "roster", "verdict", "reason", "period",
                     "statistic", "synthetic")
# Light tints of the Okabe-Ito colours, so dark text stays readable; the verdict is also written out.
VERDICT_COLORS = {
    "consistent": "#C8EBDF",       # bluish green
    "not_comparable": "#D4EAF7",   # sky blue
    "contradicted": "#F7D3BF",     # vermillion
    "no_data": "#E8E8E8",
}


@dataclass(frozen=True, eq=False)
class Options:
    """The three pickers; indicators depend on the category chosen."""

    localities: dict[str, str]           # ALL first
    categories: dict[str, str]           # ALL first, then the categories the facts have
    indicators: dict[str, str]           # ALL first, then the indicators of the chosen category, by label
    indicator_disabled: bool             # "other" facts name no indicator


def options(tables: Tables, category: str, lang: str) -> Options:
    ctx = Context(tables, lang)
    every = facts_table(ctx.facts, ctx.sources, ctx.localities)
    levels = dict(ctx.localities.select("locality_id", "level").iter_rows())
    located = sorted(set(every["locality_id"].drop_nulls().to_list()),
                     key=lambda i: (LEVEL_ORDER.get(levels.get(i), 9), i))
    present = set(every["category"].to_list())
    cats = [c for c in (*CATEGORY_ORDER, OTHER) if c in present]
    in_category = every if category == ALL else every.filter(pl.col("category") == category)
    inds = sorted(dict.fromkeys(in_category["indicator"].drop_nulls().to_list()), key=lambda i: ind.label(i, lang))
    return Options(
        localities={ALL: ctx.m("sources.all_localities"), **{i: ctx.names.locality(i) for i in located}},
        categories={ALL: ctx.m("sources.all_categories"), **{c: _category(ctx, c) for c in cats}},
        indicators={ALL: ctx.m("sources.all_indicators"), **{i: ind.label(i, lang) for i in inds}},
        indicator_disabled=category == OTHER,
    )


def _category(ctx: Context, c: str) -> str:
    return ctx.m("sources.other") if c == OTHER else category_label(c, ctx.lang)


@dataclass(frozen=True, eq=False)
class Side:
    label: str          # S000 · F000-009
    value: str          # 201 个 | 201 party organisations
    source: str         # 《title》
    evidence: str
    caption: str = ""   # 范围：200.5–201.5 · 《title》: the range the wording allows, and the document


@dataclass(frozen=True, eq=False)
class Conflict:
    heading: str
    sides: tuple[Side, ...]


@dataclass(frozen=True, eq=False)
class Sources:
    state: str                              # empty, ok
    title: str
    facts_title: str = ""
    facts: pl.DataFrame | None = None       # every figure in view, worded; None: nothing matches
    facts_name: str = ""
    headings: dict[str, str] | None = None  # FACT_COLUMNS / RECONCILE_COLUMNS key -> column heading
    conflicts: tuple[Conflict, ...] = ()
    reconcile_title: str = ""
    reconcile: pl.DataFrame | None = None   # None: no claim in view can be checked
    verdict_colors: dict[str, str] | None = None  # verdict as shown -> background colour
    verdict_counts: str = ""
    reconcile_name: str = ""
    synthetic: bool = False


def build(tables: Tables, *, locality_id: str, category: str, indicator: str, lang: str) -> Sources:
    ctx = Context(tables, lang)
    m, names = ctx.m, ctx.names
    if ctx.facts.is_empty():
        return Sources("empty", m("sources.title"))
    chosen = facts_table(
        ctx.facts, ctx.sources, ctx.localities,
        locality_id=None if locality_id == ALL else locality_id,
        category=None if category == ALL else category,
        indicator=None if indicator == ALL else indicator,
    )
    ids_in_view = set(chosen["fact_id"].to_list())
    heading = {c: m(f"sources.col.{c}") for c in dict.fromkeys((*FACT_COLUMNS, *RECONCILE_COLUMNS))}
    # Thousands of facts at national scale: labels are looked up once per distinct value, not once per row.
    label_of = {i: ind.label(i, lang) for i in set(chosen["indicator"].drop_nulls().to_list())}
    qualifier_of = {q: m(f"sources.qualifier.{q}") for q in set(chosen["qualifier"].drop_nulls().to_list())}
    other = m("sources.other_short")
    category_of = {(c, t): (punct.join_parts((other, fact_text.theme(t, lang))) if t else other) if c == OTHER
                   else category_label(c, lang)
                   for c, t in set(chosen.select("category", "theme").iter_rows())}
    unstated = m("compare.period_unstated")
    facts_shown = pl.DataFrame(
        [
            {
                heading["fact"]: r["fact_id"],
                heading["locality"]: names.locality(r["locality_id"]) if r["locality_id"] else r["locality"],
                heading["indicator"]: label_of[r["indicator"]] if r["indicator"]
                else (fact_text.subject(r, lang) or numbers.DASH),
                heading["value"]: fact_text.value(r, lang),
                heading["interval"]: fact_text.interval(r, lang),
                heading["unit"]: fact_text.unit(r, lang),
                heading["qualifier"]: qualifier_of[r["qualifier"]],
                heading["evidence"]: r["evidence"],
                heading["source"]: names.source_ref(r["source_id"]),
                heading["category"]: category_of[(r["category"], r["theme"])],
                heading["period"]: r["period"] or unstated,
            }
            for r in chosen.iter_rows(named=True)
        ],
        schema={heading[c]: pl.String for c in FACT_COLUMNS},
    )
    place = m("sources.all_localities") if locality_id == ALL else names.locality(locality_id)
    checked = (reconcile(ctx.facts, ctx.rows, ctx.localities).filter(pl.col("fact_id").is_in(list(ids_in_view)))
               if not ctx.rows_df.is_empty() else pl.DataFrame())
    recon = colors = None
    counts = ""
    if not checked.is_empty():
        labels = {i: ind.label(i, lang) for i in set(checked["indicator"].to_list())}
        statistic_of = {x: m(f"sources.statistic.{x}") for x in set(checked["statistic"].to_list())}
        verdict_of = {v: m(f"sources.verdict.{v}") for v in VERDICT_COLORS}
        recon = pl.DataFrame([
            {
                heading["fact"]: r["fact_id"],
                heading["locality"]: names.locality(r["locality_id"]),
                heading["indicator"]: labels[r["indicator"]],
                heading["period"]: r["period"],
                heading["claimed"]: ind.published(r["indicator"], r["claimed"], r["qualifier"], lang, with_unit=True),
                heading["interval"]: fact_text.claim_interval(r["indicator"], r["low"], r["high"], r["bounds"],
                                                              r["qualifier"], lang),
                heading["roster"]: ind.value(r["indicator"], r["roster"], lang),
                heading["statistic"]: statistic_of[r["statistic"]],
                heading["verdict"]: verdict_of[r["verdict"]],
                heading["reason"]: fact_text.reason(r["reason"], r["reason_params"], r["indicator"], r["qualifier"],
                                                    lang),
                heading["synthetic"]: bool(r["synthetic"]),
            }
            for r in checked.iter_rows(named=True)
        ], schema={heading[c]: pl.Boolean if c == "synthetic" else pl.String for c in RECONCILE_COLUMNS})
        colors = {verdict_of[v]: c for v, c in VERDICT_COLORS.items()}
        tally = checked["verdict"].value_counts().sort("verdict")
        counts = " · ".join(punct.labelled(verdict_of[v], str(n), lang) for v, n in tally.iter_rows())
    return Sources(
        state="ok", title=m("sources.title"), facts_title=m("sources.facts_title", n=chosen.height),
        facts=facts_shown if not facts_shown.is_empty() else None,
        facts_name=f"published_figures_{locality_id}_{category}_{indicator}", headings=heading,
        conflicts=_conflicts(ctx, ids_in_view),
        reconcile_title=m("sources.reconcile_title", place=place), reconcile=recon, verdict_colors=colors,
        verdict_counts=counts, reconcile_name=f"reconciliation_{locality_id}",
        synthetic=bool(checked["synthetic"].any()) if not checked.is_empty() else False,
    )


def _side(ctx: Context, fact: dict) -> Side:
    source = ctx.names.source_ref(fact["source_id"], with_id=False)
    span = punct.labelled(ctx.m("sources.col.interval"), fact_text.interval(fact, ctx.lang), ctx.lang)
    return Side(ctx.m("sources.conflict_source", source=fact["source_id"], fact=fact["fact_id"]),
                fact_text.figure(fact, ctx.lang), source, fact["evidence"], punct.join_parts((span, source)))


def _conflicts(ctx: Context, ids_in_view: set[str]) -> tuple[Conflict, ...]:
    clash = conflicts(ctx.facts)
    every = facts_table(ctx.facts, ctx.sources, ctx.localities)
    fact_loc = dict(every.select("fact_id", "locality_id").iter_rows())
    facts = ctx.facts_by_id
    out = []
    for _, g in clash.group_by("conflict_id", maintain_order=True):
        if not set(g["fact_id"].to_list()) & ids_in_view:
            continue
        first = g.row(0, named=True)
        what = (ind.label(first["indicator"], ctx.lang) if first["indicator"]
                else fact_text.subject(facts.get(first["fact_id"], first), ctx.lang))
        place = ctx.names.locality(fact_loc.get(first["fact_id"])) or first["locality"]
        out.append(Conflict(
            heading=ctx.m("sources.conflict_heading", place=place, what=what),
            sides=tuple(
                _side(ctx, facts.get(r["fact_id"], r))
                for r in g.iter_rows(named=True)
            ),
        ))
    return tuple(out)
