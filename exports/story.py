"""The slide sequence of present mode and of the PowerPoint deck, as plain data built from queries/.

One `Story` serves both the Streamlit page (pages/present.py) and the deck (exports/deck.py), so the
projector and the downloaded PPTX show the same slides with the same numbers. Nothing here imports
Streamlit; all numbers come from queries/ on the store's tables (a dict of polars frames: localities,
sources, facts, community_rows), and all text is in the requested language (data/i18n/present.csv).

Charts are long frames with columns category, series, value (catalog units: rates as fractions,
money in yuan) and label (the text printed on the bar or point: formatted, with the report's
qualifier for published figures). Every slide that shows roster figures from synthetic sample data
carries `synthetic=True` and the footer "示例数据（合成）".

(a) One locality: title · headline KPIs (roster value, change, the reports' figures with qualifiers)
· district map of the coverage rate that lags most · ranking of that rate by district (street for
a county-level unit) · funds per community by kind and district · coverage trend over periods ·
reconciliation of the reports' claims against the roster · sources.
(b) A comparison: title · KPIs per locality · funds per community per year, roster beside the
reports' figures with qualifiers · coverage rates side by side · compound coverage over periods
· caveat (the reports define the money differently; indicator definitions) · sources.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import polars as pl

from queries.catalog import indicator as catalog_row
from queries.compare import TOTAL_PARTS, compare, definitions, published_note, published_values
from queries.coverage import RATES, coverage
from queries.funding import funding
from queries.kpis import KPIS
from queries.reconcile import reconcile
from queries.scope import in_scope
from text import indicators as ind
from text import numbers, punct
from text.messages import check_lang, message, no_data
from views.common import Context
from views.overview import Card, cards
from views.published import Citation, PublishedFigure

HEADLINE: tuple[str, ...] = tuple(k for k in KPIS if k != "communities")  # communities go to the title slide
FUND_TOTAL_PER_COMMUNITY = "fund_total_per_community"
FUND_KINDS_PER_COMMUNITY: tuple[str, ...] = TOTAL_PARTS[FUND_TOTAL_PER_COMMUNITY]
# The funding slides list the reports' figures on these indicators (Wuzhou publishes funds per
# community by kind, 10万 + 5万, not a total).
RELATED: dict[str, tuple[str, ...]] = {FUND_TOTAL_PER_COMMUNITY: (FUND_TOTAL_PER_COMMUNITY, *FUND_KINDS_PER_COMMUNITY)}
VERDICT_ORDER: tuple[str, ...] = ("contradicted", "not_comparable", "consistent", "no_data")
MAX_TABLE_ROWS = 8          # rows a projected table can hold at a readable size
MAX_EVIDENCE_PER_SOURCE = 4
CHART_KINDS = ("column", "bar", "line")


class UnknownLocality(ValueError):
    """A locality name or id that the localities table does not hold (or holds more than once)."""


# ---------------------------------------------------------------- the data model


@dataclass(frozen=True)
class Figure:
    """A report's figure: value in catalog units, its qualifier, and the report's own words."""

    fact_id: str
    source_id: str
    locality_id: str
    indicator: str
    label: str          # the indicator's name
    value: float
    qualifier: str      # exact, more_than, at_least, about, up_to
    text: str           # as printed: "≥10万", ">2,600", "100.0%"
    evidence: str


# A KPI card on a slide is the overview's card (views.overview.Card): the same numbers, the same
# published figures and the same words on the page and in the deck.
Kpi = Card


@dataclass(frozen=True)
class Chart:
    kind: str               # column (clustered), bar (horizontal, ranking), line (over periods)
    title: str
    indicator: str          # the catalog indicator whose format and unit the values use
    number_format: str      # catalog format: percent, integer, money, decimal1
    value_title: str        # axis title (the unit)
    data: pl.DataFrame      # category, series, value, label
    qualified_series: tuple[str, ...] = ()  # series whose labels carry report qualifiers

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(self.data["category"].to_list()))

    @property
    def series(self) -> list[str]:
        return list(dict.fromkeys(self.data["series"].to_list()))

    def values(self, series: str) -> list[float | None]:
        """The series' values in category order (None where a category has none)."""
        got = {c: v for c, s, v in self.data.select("category", "series", "value").iter_rows() if s == series}
        return [got.get(c) for c in self.categories]

    def labels(self, series: str) -> list[str]:
        got = {c: lab for c, s, lab in self.data.select("category", "series", "label").iter_rows() if s == series}
        return [got.get(c, "") for c in self.categories]


@dataclass(frozen=True)
class MapData:
    city_adcode: str            # whose county-level units are drawn (data/boundaries/cities/<city>.topo.json)
    indicator: str
    value_label: str
    number_format: str
    values: dict[str, float | None]   # adcode -> value (missing: no data)
    highlight: str | None = None      # the presented county-level unit, outlined
    name_key: str = "name_zh"


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    data: pl.DataFrame | None = None  # the numbers behind the rows, for checks and downloads


@dataclass(frozen=True)
class SourceRef:
    source_id: str
    title: str
    author: str
    evidence: tuple[str, ...]


@dataclass
class Slide:
    kind: str       # title, kpis, map, chart, reconcile, caveat, sources
    key: str        # stable name within the story: title, kpis, map, coverage, funding, trend, ...
    title: str
    subtitle: str = ""
    kpis: list[Kpi] = field(default_factory=list)
    chart: Chart | None = None
    map: MapData | None = None
    table: Table | None = None
    bullets: list[str] = field(default_factory=list)
    notes: str = ""
    sources: list[SourceRef] = field(default_factory=list)
    synthetic: bool = False
    footer: str = ""  # "示例数据（合成）" when the slide shows synthetic roster figures


@dataclass
class Story:
    mode: str                   # locality or compare
    lang: str
    title: str
    period: str | None
    locality_ids: list[str]
    slides: list[Slide]

    def __len__(self) -> int:
        return len(self.slides)

    def __iter__(self) -> Iterator[Slide]:
        return iter(self.slides)

    def __getitem__(self, i: int) -> Slide:
        return self.slides[i]

    def slide(self, key: str) -> Slide:
        return next(s for s in self.slides if s.key == key)

    @property
    def synthetic(self) -> bool:
        return any(s.synthetic for s in self.slides)

    @property
    def file_stem(self) -> str:
        return "_".join([*self.locality_ids, self.period or "latest", self.lang])


# ---------------------------------------------------------------- helpers


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
    """A roster value as the slides print it (无数据 / no data when missing)."""
    return numbers.number(value, number_format, lang, no_data=no_data(lang))


class _Context:
    """The tables, the language and the formatting shared by every slide builder."""

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

    # text
    def m(self, key: str, **kw: object) -> str:
        return message(f"present.{key}", self.lang, **kw)

    def name(self, locality_id: str) -> str:
        return self.view.names.locality(locality_id)

    def label(self, indicator_id: str) -> str:
        return ind.label(indicator_id, self.lang)

    def unit(self, indicator_id: str) -> str:
        return ind.unit(indicator_id, self.lang)

    def number_format(self, indicator_id: str) -> str:
        return ind.number_format(indicator_id)

    def value_text(self, indicator_id: str, value: float | None) -> str:
        return ind.value(indicator_id, value, self.lang)

    def qualified_text(self, indicator_id: str, value: float | None, qualifier: str | None) -> str:
        """A published value as printed, qualifier kept: ≥10万, >2,600, 100.0%."""
        if numbers.is_missing(value):
            return no_data(self.lang)
        return numbers.sign(qualifier) + self.value_text(indicator_id, value)

    def paren(self, text: str) -> str:
        return punct.paren(text, self.lang)

    def footer(self, synthetic: bool) -> str:
        return self.m("synthetic_footer") if synthetic else ""

    # data
    def locality(self, locality_id: str) -> dict:
        hit = self.localities.filter(pl.col("locality_id") == locality_id)
        if hit.is_empty():
            raise UnknownLocality(f"unknown locality id {locality_id!r}")
        return hit.row(0, named=True)

    def periods(self, locality_id: str) -> list[str]:
        scoped = in_scope(self.rows, locality_id, self.localities)
        return sorted(scoped.select(pl.col("period").unique()).collect()["period"].drop_nulls().to_list())

    def figures(self, locality_id: str, indicators: Sequence[str]) -> list[Figure]:
        """The reports' figures on these indicators for one locality, in fact order."""
        if self._published is None:
            return []
        pv = self._published.filter(
            (pl.col("locality_id") == locality_id) & pl.col("indicator").is_in(list(indicators))
        )
        return [
            Figure(
                fact_id=r["fact_id"],
                source_id=r["source_id"],
                locality_id=locality_id,
                indicator=r["indicator"],
                label=self.label(r["indicator"]),
                value=r["value"],
                qualifier=r["qualifier"],
                text=self.qualified_text(r["indicator"], r["value"], r["qualifier"]),
                evidence=r["evidence"] or "",
            )
            for r in pv.iter_rows(named=True)
        ]

    def source_refs(self, figures: Sequence[Figure | Citation]) -> list[SourceRef]:
        """The reports behind these figures (or facts), in source order, each with the evidence phrases used."""
        evidence: dict[str, list[str]] = {}
        for f in figures:
            phrases = evidence.setdefault(f.source_id, [])
            if f.evidence and f.evidence not in phrases and len(phrases) < MAX_EVIDENCE_PER_SOURCE:
                phrases.append(f.evidence)
        refs = []
        used = self.sources.filter(pl.col("source_id").is_in(list(evidence))).sort("source_id")
        for r in used.iter_rows(named=True):
            refs.append(
                SourceRef(
                    source_id=r["source_id"],
                    title=r["title"] or r["source_id"],
                    author=r.get("author") or "",
                    evidence=tuple(evidence[r["source_id"]]),
                )
            )
        return refs

    def kpi_list(self, locality_id: str, period: str | None, indicators: Sequence[str]) -> list[Kpi]:
        """The overview's cards for a locality, one per indicator even without a roster."""
        return cards(self.view, locality_id, period, tuple(indicators), always=True)


def _chart_frame(records: list[dict]) -> pl.DataFrame:
    schema = {"category": pl.String, "series": pl.String, "value": pl.Float64, "label": pl.String}
    return pl.DataFrame(records, schema=schema)


def _figure_note(ctx: _Context, k: Kpi, f: PublishedFigure) -> str:
    """S000 小区党组织覆盖率 100%: “…” — a speaker note for one published figure on a card."""
    quotes = " ".join(punct.quote(c.evidence) for c in f.citations if c.evidence)
    return f"{punct.join_list(f.source_ids, ctx.lang)} {k.label} {f.text_with_unit}: {quotes}"


def _citations(kpis: Sequence[Kpi]) -> list:
    """Every fact behind the cards' published figures (each with its source and evidence)."""
    return [c for k in kpis for f in k.published for c in f.citations]


# ---------------------------------------------------------------- one locality


def _focus_rate(cov: pl.DataFrame) -> str:
    """The coverage rate that lags most at the locality level (lowest value; catalog order on ties)."""
    best, low = RATES[0], None
    for rate in RATES:
        if rate in cov.columns and cov.height:
            v = cov[rate].min()
            if v is not None and (low is None or v < low - 1e-12):
                best, low = rate, v
    return best


def _locality_story(ctx: _Context, locality_id: str, period: str | None) -> Story:
    info = ctx.locality(locality_id)
    place = ctx.name(locality_id)
    level = info["level"]
    periods = ctx.periods(locality_id)
    if period is None and periods:
        period = periods[-1]
    has_rows = period in periods
    scoped = in_scope(ctx.rows, locality_id, ctx.localities)
    now = scoped.filter(pl.col("period") == period) if has_rows else scoped.head(0)
    sub = "district" if level == "city" else "street"
    sub_key = "district_id" if sub == "district" else "street"
    sub_name = ctx.m(f"level.{sub}")
    slides: list[Slide] = []
    shown: list[Figure] = []

    # 1. title
    all_kpis = ctx.kpi_list(locality_id, period, KPIS)
    communities = next(k for k in all_kpis if k.indicator == "communities")
    synthetic = any(k.synthetic for k in all_kpis)
    subtitle = (
        ctx.m("title.subtitle", period=period, communities=communities.text)
        if has_rows
        else ctx.m("title.subtitle_no_roster")
    )
    slides.append(
        Slide(
            kind="title", key="title", title=ctx.m("title.locality", place=place), subtitle=subtitle,
            notes=ctx.m("notes.title"), synthetic=synthetic, footer=ctx.footer(synthetic),
        )
    )

    # 2. headline KPIs with the reports' figures
    cards = [k for k in all_kpis if k.indicator in HEADLINE]
    shown.extend(_citations(cards))
    prev = next((k.prev_period for k in cards if k.prev_period), None)
    slides.append(
        Slide(
            kind="kpis", key="kpis", title=ctx.m("kpis.title", place=place),
            subtitle=ctx.m("kpis.subtitle", period=period or "—", prev=prev or "—"),
            kpis=cards,
            notes="\n".join(
                [ctx.m("notes.kpis")]
                + [f"{k.label}: {k.text}  {k.published_text}".rstrip() for k in cards]
                + [_figure_note(ctx, k, f) for k in cards for f in k.published]
            ),
            sources=ctx.source_refs(_citations(cards)),
            synthetic=synthetic, footer=ctx.footer(synthetic),
        )
    )

    if has_rows:
        cov_here = coverage(now, level if level in ("city", "district") else "district")
        rate = _focus_rate(cov_here)
        rate_label = ctx.label(rate)

        # 3. the district map (the parent city's units for a county-level locality, this one outlined)
        city_id = locality_id if level == "city" else info["parent_id"]
        from geo.boundaries import district_features  # imported here to keep story light

        if city_id and district_features(city_id)["features"]:
            city_rows = in_scope(ctx.rows, city_id, ctx.localities).filter(pl.col("period") == period)
            by_district = coverage(city_rows, "district")
            values = dict(zip(by_district["district_id"].to_list(), by_district[rate].to_list(), strict=True))
            slides.append(
                Slide(
                    kind="map", key="map", title=ctx.m("map.title", indicator=rate_label, place=ctx.name(city_id)),
                    subtitle=ctx.m("map.subtitle", period=period),
                    map=MapData(
                        city_adcode=city_id, indicator=rate, value_label=rate_label,
                        number_format=ctx.number_format(rate), values=values,
                        highlight=locality_id if level != "city" else None, name_key=ctx.name_col,
                    ),
                    notes=ctx.m("notes.map", indicator=rate_label) + "\n" + catalog_row(rate)[f"definition_{ctx.lang}"],
                    synthetic=synthetic, footer=ctx.footer(synthetic),
                )
            )

        # 4. ranking of that rate by district (or street)
        by_sub = coverage(now, sub)
        names = by_sub[sub_key].to_list()
        labels = [ctx.name(n) for n in names] if sub == "district" else names
        ranked = sorted(
            zip(labels, by_sub[rate].to_list(), strict=True), key=lambda lv: (lv[1] is None, -(lv[1] or 0), lv[0])
        )
        slides.append(
            Slide(
                kind="chart", key="coverage", title=ctx.m("ranking.title", indicator=rate_label, level=sub_name),
                subtitle=ctx.m("chart.subtitle", place=place, period=period),
                chart=Chart(
                    kind="bar", title=rate_label, indicator=rate, number_format=ctx.number_format(rate),
                    value_title=ctx.unit(rate),
                    data=_chart_frame([
                        {"category": c, "series": rate_label, "value": v, "label": ctx.value_text(rate, v)}
                        for c, v in ranked
                    ]),
                ),
                notes=catalog_row(rate)[f"definition_{ctx.lang}"] + "\n" + catalog_row(rate)["formula"],
                synthetic=synthetic, footer=ctx.footer(synthetic),
            )
        )

        # 5. funds per community by kind and district (or street)
        fund = funding(now, sub)
        fnames = fund[sub_key].to_list()
        flabels = [ctx.name(n) for n in fnames] if sub == "district" else fnames
        records = []
        for kind in FUND_KINDS_PER_COMMUNITY:
            series = ctx.label(kind)
            for cat, v in zip(flabels, fund[kind].to_list(), strict=True):
                records.append({"category": cat, "series": series, "value": v, "label": ctx.value_text(kind, v)})
        fund_figs = ctx.figures(locality_id, RELATED[FUND_TOTAL_PER_COMMUNITY])
        slides.append(
            Slide(
                kind="chart", key="funding", title=ctx.m("funding.title", level=sub_name),
                subtitle=ctx.m("funding.subtitle", place=place, period=period, unit=ctx.unit(FUND_TOTAL_PER_COMMUNITY)),
                chart=Chart(
                    kind="column", title=ctx.label(FUND_TOTAL_PER_COMMUNITY), indicator=FUND_KINDS_PER_COMMUNITY[0],
                    number_format=ctx.number_format(FUND_KINDS_PER_COMMUNITY[0]),
                    value_title=ctx.unit(FUND_TOTAL_PER_COMMUNITY), data=_chart_frame(records),
                ),
                bullets=[ctx.view.m("overview.published_line", figures=f"{f.label} {f.text}" + ctx.paren(f.source_id))
                         for f in fund_figs],
                notes="\n".join([ctx.m("notes.funding")] + [f"{f.source_id}: “{f.evidence}”" for f in fund_figs]),
                sources=ctx.source_refs(fund_figs),
                synthetic=synthetic, footer=ctx.footer(synthetic),
            )
        )
        shown.extend(fund_figs)

        # 6. coverage over periods
        trend_level = level if level in ("city", "district") else "district"
        over = coverage(scoped, trend_level).sort("period")
        records = [
            {"category": p, "series": ctx.label(r), "value": v, "label": ctx.value_text(r, v)}
            for r in RATES
            for p, v in zip(over["period"].to_list(), over[r].to_list(), strict=True)
        ]
        slides.append(
            Slide(
                kind="chart", key="trend", title=ctx.m("trend.title", place=place),
                subtitle=ctx.m("trend.subtitle", first=periods[0], last=periods[-1]),
                chart=Chart(
                    kind="line", title=ctx.m("trend.chart"), indicator=RATES[0], number_format="percent",
                    value_title=ctx.unit(RATES[0]), data=_chart_frame(records),
                ),
                notes=ctx.m("notes.trend"),
                synthetic=synthetic, footer=ctx.footer(synthetic),
            )
        )

    # 7. the reports' claims against the roster
    slides.append(_reconcile_slide(ctx, locality_id, shown))

    # 8. sources
    slides.append(_sources_slide(ctx, shown))
    return Story(
        mode="locality", lang=ctx.lang, title=slides[0].title, period=period, locality_ids=[locality_id], slides=slides
    )


def _reconcile_slide(ctx: _Context, locality_id: str, shown: list[Figure]) -> Slide:
    rec = reconcile(ctx.facts, ctx.rows, ctx.localities).filter(pl.col("locality_id") == locality_id)
    counts = {v: rec.filter(pl.col("verdict") == v).height for v in VERDICT_ORDER}
    order = {v: i for i, v in enumerate(VERDICT_ORDER)}
    # One line per distinct claim: two reports repeating "3万多名" share a line and list both sources.
    merged = (
        rec.with_columns(pl.col("verdict").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .group_by(["indicator", "statistic", "qualifier", "claimed", "period"], maintain_order=True)
        .agg(
            pl.col("fact_id").first(),
            pl.col("fact_id").alias("fact_ids"),
            pl.col("source_id").unique(maintain_order=True).alias("source_ids"),
            pl.col("roster").first(),
            pl.col("gap").first(),
            pl.col("verdict").first(),
            pl.col("_order").first(),
            pl.col("synthetic").any(),
        )
        .sort("_order", "fact_id")
    )
    top = merged.head(MAX_TABLE_ROWS)
    periods = sorted(set(top["period"].drop_nulls().to_list()))
    roster_col = ctx.m("col.roster", period="/".join(periods)) if periods else ctx.m("col.roster_plain")
    rows = []
    for r in top.iter_rows(named=True):
        label = ctx.label(r["indicator"])
        if r["statistic"] in ("min", "max"):
            label += ctx.m(f"statistic.{r['statistic']}")
        rows.append(
            (
                label,
                ctx.qualified_text(r["indicator"], r["claimed"], r["qualifier"]),
                ", ".join(r["source_ids"]),
                ctx.value_text(r["indicator"], r["roster"]),
                ctx.m(f"verdict.{r['verdict']}"),
            )
        )
    used = set(f for ids in top["fact_ids"].to_list() for f in ids)
    figs = [f for f in ctx.figures(locality_id, sorted(set(rec["indicator"].to_list()))) if f.fact_id in used]
    shown.extend(f for f in figs if f.fact_id not in {g.fact_id for g in shown})
    synthetic = bool(top["synthetic"].fill_null(False).any()) if top.height else False
    subtitle = ctx.m(
        "reconcile.summary", total=rec.height, consistent=counts["consistent"], not_comparable=counts["not_comparable"],
        contradicted=counts["contradicted"], no_data=counts["no_data"],
    )
    more = merged.height - top.height
    return Slide(
        kind="reconcile", key="reconcile", title=ctx.m("reconcile.title", place=ctx.name(locality_id)),
        subtitle=subtitle,
        table=Table(
            columns=(ctx.m("col.indicator"), ctx.m("col.published"), ctx.m("col.source"), roster_col,
                     ctx.m("col.verdict")),
            rows=tuple(rows),
            data=top.drop("_order"),
        ),
        bullets=[ctx.m("reconcile.more", n=more)] if more > 0 else [] if rec.height else [ctx.m("reconcile.none")],
        notes="\n".join([ctx.m("notes.reconcile_intervals")]
                        + [f"{f.source_id} {f.label} {f.text}: “{f.evidence}”" for f in figs]),
        sources=ctx.source_refs(figs),
        synthetic=synthetic, footer=ctx.footer(synthetic),
    )


def _sources_slide(ctx: _Context, shown: list[Figure]) -> Slide:
    refs = ctx.source_refs(shown)
    return Slide(
        kind="sources", key="sources", title=ctx.m("sources.title"), subtitle=ctx.m("sources.subtitle"),
        sources=refs,
        bullets=[] if refs else [ctx.m("sources.none")],
        notes="\n".join(f"{r.source_id} {r.title} — {r.author}" for r in refs),
    )


# ---------------------------------------------------------------- a comparison


def _published_funding(ctx: _Context, locality_id: str) -> tuple[float | None, str, list[Figure]]:
    """A locality's published funds per community per year: (value, label, the facts behind it).

    The figure the compare page shows (views.published): a published total, or else the kinds a
    report names added up (Wuzhou: 10万 service funds at least + 5万 work funds = at least 15万,
    labelled "≥10万+5万"), at least / more than as soon as one part is.
    """
    figs = ctx.view.published([locality_id], [FUND_TOTAL_PER_COMMUNITY], merge=True)
    if not figs:
        return None, "", []
    first = figs[0]
    facts = [f for f in ctx.figures(locality_id, RELATED[FUND_TOTAL_PER_COMMUNITY]) if f.fact_id in first.fact_ids]
    return first.value, first.text, facts


def _compare_story(ctx: _Context, ids: list[str], period: str | None) -> Story:
    for i in ids:
        ctx.locality(i)
    names = [ctx.name(i) for i in ids]
    places = punct.join_list(names, ctx.lang)
    all_periods = sorted({p for i in ids for p in ctx.periods(i)})
    if period is None and all_periods:
        period = all_periods[-1]
    slides: list[Slide] = []
    shown: list[Figure] = []

    # KPIs per locality (computed first: they say whether roster data is synthetic)
    per_loc = {i: ctx.kpi_list(i, period, KPIS) for i in ids}
    synthetic = any(k.synthetic for ks in per_loc.values() for k in ks)

    slides.append(
        Slide(
            kind="title", key="title", title=ctx.m("title.compare", places=places),
            subtitle=ctx.m("title.compare_subtitle", period=period or "—", n=len(ids)),
            notes=ctx.m("notes.title_compare"), synthetic=synthetic, footer=ctx.footer(synthetic),
        )
    )

    cards = [k for i in ids for k in per_loc[i] if k.indicator in KPIS]
    shown.extend(_citations(cards))
    rows = []
    for kpi_id in KPIS:
        cells = [ctx.label(kpi_id)]
        for i in ids:
            k = next(k for k in per_loc[i] if k.indicator == kpi_id)
            cells.append(k.text + (f"\n{k.published_text}" if k.published_text else ""))
        rows.append(tuple(cells))
    slides.append(
        Slide(
            kind="kpis", key="kpis", title=ctx.m("compare.kpis.title"),
            subtitle=ctx.m("compare.kpis.subtitle", period=period or "—"),
            kpis=cards,
            table=Table(columns=(ctx.m("col.indicator"), *names), rows=tuple(rows)),
            notes=ctx.m("notes.kpis"),
            sources=ctx.source_refs(_citations(cards)),
            synthetic=synthetic, footer=ctx.footer(synthetic),
        )
    )

    # funds per community: roster total beside the reports' figures with their qualifiers
    roster_series, published_series = ctx.m("series.roster"), ctx.m("series.published")
    roster = (
        compare(ctx.rows, ids, [FUND_TOTAL_PER_COMMUNITY], ctx.localities, periods=[period] if period else None)
        if period
        else pl.DataFrame(schema={"locality_id": pl.String, "value": pl.Float64})
    )
    roster_by_id = dict(zip(roster["locality_id"].to_list(), roster["value"].to_list(), strict=True))
    records, caveat_rows, fund_figs = [], [], []
    for i, name in zip(ids, names, strict=True):
        v = roster_by_id.get(i)
        records.append({"category": name, "series": roster_series, "value": v,
                        "label": ctx.value_text(FUND_TOTAL_PER_COMMUNITY, v)})
    for i, name in zip(ids, names, strict=True):
        value, label, used = _published_funding(ctx, i)
        records.append({"category": name, "series": published_series, "value": value,
                        "label": label or no_data(ctx.lang)})
        fund_figs.extend(used)
        for f in used:
            caveat_rows.append((name, f.text, f.label, f.source_id, f"“{f.evidence}”"))
        if not used:
            caveat_rows.append((name, no_data(ctx.lang), "—", "—", "—"))
    shown.extend(fund_figs)
    slides.append(
        Slide(
            kind="chart", key="funding", title=ctx.m("compare.funding.title"),
            subtitle=ctx.m("compare.funding.subtitle", period=period or "—", unit=ctx.unit(FUND_TOTAL_PER_COMMUNITY)),
            chart=Chart(
                kind="column", title=ctx.label(FUND_TOTAL_PER_COMMUNITY), indicator=FUND_TOTAL_PER_COMMUNITY,
                number_format=ctx.number_format(FUND_TOTAL_PER_COMMUNITY),
                value_title=ctx.unit(FUND_TOTAL_PER_COMMUNITY), data=_chart_frame(records),
                qualified_series=(published_series,),
            ),
            bullets=[published_note(ctx.lang)],
            notes="\n".join([published_note(ctx.lang)] + [" · ".join(r) for r in caveat_rows]),
            sources=ctx.source_refs(fund_figs),
            synthetic=synthetic, footer=ctx.footer(synthetic),
        )
    )

    if period:
        # coverage rates side by side
        cov = compare(ctx.rows, ids, list(RATES), ctx.localities, periods=[period])
        by = {(r["locality_id"], r["indicator"]): r["value"] for r in cov.iter_rows(named=True)}
        records = [
            {"category": name, "series": ctx.label(rate), "value": by.get((i, rate)),
             "label": ctx.value_text(rate, by.get((i, rate)))}
            for rate in RATES
            for i, name in zip(ids, names, strict=True)
        ]
        slides.append(
            Slide(
                kind="chart", key="coverage", title=ctx.m("compare.coverage.title"),
                subtitle=ctx.m("compare.coverage.subtitle", period=period),
                chart=Chart(
                    kind="column", title=ctx.m("trend.chart"), indicator=RATES[0], number_format="percent",
                    value_title=ctx.unit(RATES[0]), data=_chart_frame(records),
                ),
                notes="\n".join(f"{ctx.label(r)}: {catalog_row(r)[f'definition_{ctx.lang}']}" for r in RATES),
                synthetic=synthetic, footer=ctx.footer(synthetic),
            )
        )

        # compound coverage over periods, one line per locality
        over = compare(ctx.rows, ids, [RATES[0]], ctx.localities)
        by_name = dict(zip(ids, names, strict=True))
        records = [
            {"category": r["period"], "series": by_name[r["locality_id"]], "value": r["value"],
             "label": ctx.value_text(RATES[0], r["value"])}
            for r in over.sort("period", "locality_id").iter_rows(named=True)
        ]
        # keep the series in the order the localities were given
        frame = _chart_frame(records)
        frame = frame.with_columns(pl.col("series").replace_strict({n: k for k, n in enumerate(names)},
                                                                   return_dtype=pl.Int32).alias("_s"))
        frame = frame.sort("category", "_s").drop("_s")
        slides.append(
            Slide(
                kind="chart", key="trend", title=ctx.m("compare.trend.title", indicator=ctx.label(RATES[0])),
                subtitle=ctx.m("trend.subtitle", first=all_periods[0], last=all_periods[-1]),
                chart=Chart(
                    kind="line", title=ctx.label(RATES[0]), indicator=RATES[0], number_format="percent",
                    value_title=ctx.unit(RATES[0]), data=frame,
                ),
                notes=ctx.m("notes.trend"),
                synthetic=synthetic, footer=ctx.footer(synthetic),
            )
        )

    # caveat: what each report's money figure covers, and the indicator definitions
    defs = definitions([FUND_TOTAL_PER_COMMUNITY, *RATES], ctx.lang)
    bullets = [published_note(ctx.lang)]
    if synthetic:
        bullets.append(ctx.m("caveat.synthetic"))
    bullets += [punct.labelled(r["name"], r["definition"], ctx.lang) for r in defs.iter_rows(named=True)]
    slides.append(
        Slide(
            kind="caveat", key="caveat", title=ctx.m("caveat.title"), subtitle=ctx.m("caveat.subtitle"),
            table=Table(
                columns=(ctx.m("col.locality"), ctx.m("col.published"), ctx.m("col.covers"), ctx.m("col.source"),
                         ctx.m("col.evidence")),
                rows=tuple(caveat_rows),
            ),
            bullets=bullets,
            notes="\n".join(bullets),
            sources=ctx.source_refs(fund_figs),
        )
    )
    slides.append(_sources_slide(ctx, shown))
    return Story(mode="compare", lang=ctx.lang, title=slides[0].title, period=period, locality_ids=list(ids),
                 slides=slides)


# ---------------------------------------------------------------- entry point


def build_story(
    tables: dict[str, pl.DataFrame],
    *,
    locality_id: str | None = None,
    compare_ids: list[str] | None = None,
    period: str | None = None,
    lang: str = "zh",
) -> Story:
    """The slides for one locality (`locality_id`) or a comparison (`compare_ids`, two or more).

    `tables` holds the store's frames (localities, sources, facts, community_rows); `period` is a
    roster period (default: the latest the locality, or any compared locality, has). Ids must exist
    in localities (use resolve_locality() for names); UnknownLocality otherwise.
    """
    ctx = _Context(tables, lang)
    if compare_ids:
        ids = list(dict.fromkeys(compare_ids))
        if len(ids) < 2:
            raise ValueError("a comparison needs at least two localities")
        return _compare_story(ctx, ids, period)
    if not locality_id:
        raise ValueError("give locality_id or compare_ids")
    return _locality_story(ctx, locality_id, period)


__all__ = [
    "Chart", "Figure", "Kpi", "MapData", "Slide", "SourceRef", "Story", "Table", "UnknownLocality",
    "build_story", "resolve_locality", "value_text",
]
