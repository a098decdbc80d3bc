"""The slides that answer "says who?": the reports' claims set against the roster, and the sources."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from exports.story.context import StoryContext
from exports.story.model import Slide, Table
from queries.reconcile import reconcile
from text import facts as facts_text
from text import punct

VERDICT_ORDER: tuple[str, ...] = ("contradicted", "not_comparable", "consistent", "no_data")
MAX_TABLE_ROWS = 8          # rows a projected table can hold at a readable size


def reason_text(ctx: StoryContext, row: dict) -> str:
    """Why a claim got its verdict, in words: the sources page's own sentence (text.facts.reason)."""
    return facts_text.reason(row["reason"], row["reason_params"], row["indicator"], row.get("qualifier"), ctx.lang)


def _verdict_text(ctx: StoryContext, row: dict) -> str:
    """The verdict; a claim that is not comparable says why (another unit kind, denominator or period)."""
    verdict = ctx.m(f"verdict.{row['verdict']}")
    return punct.labelled(verdict, reason_text(ctx, row), ctx.lang) if row["verdict"] == "not_comparable" else verdict


def _claims(ctx: StoryContext, locality_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(every claim on the locality, one line per distinct claim in verdict order)."""
    rec = reconcile(ctx.facts, ctx.rows, ctx.localities).filter(pl.col("locality_id") == locality_id)
    order = {v: i for i, v in enumerate(VERDICT_ORDER)}
    # One line per distinct claim: two reports repeating "3万多名" share a line and list both sources.
    merged = (
        rec.with_columns(pl.col("verdict").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .group_by(["indicator", "statistic", "qualifier", "claimed", "period"], maintain_order=True)
        .agg(
            pl.col("fact_id").first(),
            pl.col("fact_id").alias("fact_ids"),
            pl.col("source_id").unique(maintain_order=True).alias("source_ids"),
            *(pl.col(c).first() for c in ("low", "high", "bounds", "roster", "gap", "verdict", "reason",
                                          "reason_params", "_order")),
            pl.col("synthetic").any(),
        )
        .sort("_order", "fact_id")
    )
    return rec, merged


def reconcile_slide(ctx: StoryContext, locality_id: str) -> Slide:
    """Each claim of the reports on the locality: the figure, the range its wording allows, the roster's
    value and the verdict (with the reason when it is not comparable)."""
    rec, merged = _claims(ctx, locality_id)
    top = merged.head(MAX_TABLE_ROWS)
    periods = sorted(set(top["period"].drop_nulls().to_list()))
    roster_col = ctx.m("col.roster", period="/".join(periods)) if periods else ctx.m("col.roster_plain")
    rows = []
    for r in top.iter_rows(named=True):
        label = ctx.label(r["indicator"])
        if r["statistic"] in ("min", "max"):
            label += ctx.m(f"statistic.{r['statistic']}")
        rows.append((
            label,
            ctx.published_text(r["indicator"], r["claimed"], r["qualifier"]),
            facts_text.claim_interval(r["indicator"], r["low"], r["high"], r["bounds"], r["qualifier"], ctx.lang),
            punct.join_list(r["source_ids"], ctx.lang),
            ctx.value_text(r["indicator"], r["roster"]),
            _verdict_text(ctx, r),
        ))
    used = {f for ids in top["fact_ids"].to_list() for f in ids}
    figs = [f for f in ctx.figures(locality_id, sorted(set(rec["indicator"].to_list()))) if f.fact_id in used]
    synthetic = bool(top["synthetic"].fill_null(False).any()) if top.height else False
    counts = {v: rec.filter(pl.col("verdict") == v).height for v in VERDICT_ORDER}
    more = merged.height - top.height
    return Slide(
        kind="reconcile", key="reconcile", title=ctx.m("reconcile.title", place=ctx.name(locality_id)),
        subtitle=ctx.m("reconcile.summary", total=rec.height, **counts),
        table=Table(
            columns=(ctx.m("col.indicator"), ctx.m("col.published"), ctx.m("col.interval"), ctx.m("col.source"),
                     roster_col, ctx.m("col.verdict")),
            rows=tuple(rows), data=top.drop("_order"),
        ),
        bullets=[ctx.m("reconcile.more", n=more)] if more > 0 else [] if rec.height else [ctx.m("reconcile.none")],
        notes="\n".join([ctx.m("notes.reconcile_intervals")]
                        + [f"{f.source_id} {f.label} {f.text}: “{f.evidence}”" for f in figs]),
        sources=ctx.source_refs(figs), cited=tuple(figs), synthetic=synthetic, footer=ctx.footer(synthetic),
    )


def sources_slide(ctx: StoryContext, slides: Sequence[Slide]) -> Slide:
    """The reports behind every figure the slides before it show, with the phrases quoted."""
    refs = ctx.source_refs(c for s in slides for c in s.cited)
    return Slide(
        kind="sources", key="sources", title=ctx.m("sources.title"), subtitle=ctx.m("sources.subtitle"),
        sources=refs, bullets=[] if refs else [ctx.m("sources.none")],
        notes="\n".join(f"{r.source_id} {r.title} — {r.author}" for r in refs),
    )
