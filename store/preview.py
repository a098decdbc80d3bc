"""What an import will change, said before anything is written: one Streamlit-free model that the import page lays out and the CLI prints.

`build_preview` reads the period's datasets as they stand, adds the file as the newest dataset, and
applies store/supersede.py's rule to both, so the preview is the write's own plan: the importer
builds it again inside its write transaction and refuses when it differs from the one the person
confirmed (`token`). `lines` and `sections` turn it into text and string tables in one language;
the page shows them with st.write / st.dataframe, the CLI prints the same.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl

from store.bootstrap import read_reference
from store.columns import CANONICAL, NUMERIC
from store.supersede import complete_districts, resolve_locality, superseded, visible
from text.messages import message

# The figures shown before → after for a community the file changes (when the file or the store has them).
HEADLINE: tuple[str, ...] = (
    "compounds", "compounds_with_party_org", "grids", "grids_with_party_org", "reported_members", "services",
    "fund_service", "fund_work", "fund_party", "fund_other",
)
FIRST_ROWS = 5
# Removing more communities than this from a period, or touching a district the file does not name,
# needs a second confirmation (the page's second button, the CLI's --yes).
CONFIRM_REMOVALS_ABOVE = 5
NEW_ID = 2**31 - 1  # stands for the dataset the import will create: newer than every stored one
_KEYS = ["dataset_id", "period", "city_id", "district_id", "community"]


@dataclass(frozen=True)
class DatasetEffect:
    """A stored dataset some of whose rows stop showing."""

    dataset_id: int
    file_name: str
    scope: str
    period: str
    rows: int            # rows the dataset holds
    replaced: int        # of those showing now, how many stop showing
    still_shown: int     # how many keep showing
    superseded: bool     # afterwards nothing of it shows or hides: its status becomes superseded
    synthetic: bool


@dataclass(frozen=True)
class Confirmation:
    """Why a second confirmation is needed: a message key and its text."""

    key: str
    text: str


@dataclass(frozen=True)
class ImportPreview:
    """Everything an import of one validated file will change. Frames hold display names and typed values."""

    lang: str
    file: str
    sheet: str | None
    period: str
    rows: int
    scope: str
    complete_for: str | None                       # locality_id the file is the complete roster of
    complete_name: str | None
    covered: tuple[str, ...]                       # district names covered whole
    covered_ids: tuple[str, ...]                   # their locality ids
    kept: tuple[tuple[str, int], ...]              # (place, communities) a complete city roster leaves alone
    added: pl.DataFrame                            # district, street, community, HEADLINE present in the file
    changed: pl.DataFrame                          # district, community, <c>_before, <c>_after for shown HEADLINE
    unchanged: int                                 # communities in the file whose stored figures are the same
    removed: pl.DataFrame                          # district, street, community, dataset_id
    datasets: tuple[DatasetEffect, ...]
    totals: tuple[tuple[str, int, int], ...]       # (city, communities before, after) in the period
    first_rows: pl.DataFrame                       # source_row + the file's columns, as they will be stored
    header_map: tuple[tuple[str, str], ...]        # (header in the file, canonical column)
    headline: tuple[str, ...]                      # HEADLINE columns shown in `changed` and `added` (the file's)
    dropped: tuple[str, ...]                       # columns the file lacks that the replaced rows had values in
    confirm: tuple[Confirmation, ...]
    token: str
    unnamed: tuple[str, ...] = field(default=())    # districts touched that the file does not name

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.confirm)

    @property
    def superseded_ids(self) -> list[int]:
        return [d.dataset_id for d in self.datasets if d.superseded]


class PreviewRefused(ValueError):
    """The import cannot be planned as asked (a --complete-for the file cannot be): key and params for a Problem."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


# ---- reading the period as it stands ------------------------------------------------------------
def _frame(cur: Any, sql: str, params: list) -> pl.DataFrame:
    return pl.from_arrow(cur.sql(sql, params=params).to_arrow_table())  # type: ignore[return-value]


def _live_datasets(cur: Any, period: str) -> pl.DataFrame:
    return _frame(
        cur,
        "SELECT dataset_id, file_name, scope_id, rows, synthetic, status FROM datasets "
        "WHERE period = ? AND status <> 'rolled_back' ORDER BY dataset_id",
        [period],
    )


def _live_keys(cur: Any, period: str) -> pl.DataFrame:
    return _frame(
        cur,
        "SELECT r.dataset_id, r.period, r.city_id, r.district_id, r.community FROM community_rows r "
        "JOIN datasets d USING (dataset_id) WHERE d.period = ? AND d.status <> 'rolled_back'",
        [period],
    ).with_columns(pl.col("dataset_id").cast(pl.Int64))


def _live_whole(cur: Any, period: str) -> pl.DataFrame:
    return _frame(
        cur,
        "SELECT c.dataset_id, c.period, c.district_id FROM dataset_coverage c JOIN datasets d USING (dataset_id) "
        "WHERE d.period = ? AND d.status <> 'rolled_back'",
        [period],
    ).with_columns(pl.col("dataset_id").cast(pl.Int64))


def _live_rows_in(cur: Any, period: str, districts: list[str]) -> pl.DataFrame:
    cols = ", ".join(f"r.{c}" for c in CANONICAL)  # fixed names from store.columns
    return _frame(
        cur,
        f"SELECT r.dataset_id, r.city_id, r.district_id, {cols} FROM community_rows r JOIN datasets d USING (dataset_id) "
        "WHERE d.period = ? AND d.status <> 'rolled_back' AND r.district_id IN (SELECT unnest(?::VARCHAR[]))",
        [period, districts],
    ).with_columns(pl.col("dataset_id").cast(pl.Int64))


def relabel(cur: Any, period: str) -> tuple[list[int], list[int]]:
    """Set active/superseded for every dataset of `period` that is not rolled back, by the rule;
    returns (newly superseded, newly active). Runs inside the write transaction."""
    datasets = _live_datasets(cur, period)
    if datasets.is_empty():
        return [], []
    gone = superseded(_live_keys(cur, period), _live_whole(cur, period))
    status = dict(zip(datasets["dataset_id"].to_list(), datasets["status"].to_list(), strict=True))
    now_superseded = sorted(int(d) for d in status if d in gone and status[d] != "superseded")
    now_active = sorted(int(d) for d in status if d not in gone and status[d] != "active")
    for ids, label in ((now_superseded, "superseded"), (now_active, "active")):
        if ids:
            cur.execute("UPDATE datasets SET status = ? WHERE dataset_id IN (SELECT unnest(?::INTEGER[]))", [label, ids])
    return now_superseded, now_active


def visible_keys(cur: Any, period: str) -> pl.DataFrame:
    """The (dataset_id, period, city_id, district_id, community) showing in `period`, by the rule in polars."""
    return visible(_live_keys(cur, period), _live_whole(cur, period))


# ---- names --------------------------------------------------------------------------------------
@lru_cache(maxsize=2)
def _catalog_names(lang: str) -> dict[str, str]:
    col = "name_en" if lang == "en" else "name_zh"
    cat = read_reference("indicators")
    return dict(cat.select("indicator_id", col).iter_rows()) if cat.height else {}


def column_label(column: str, lang: str) -> str:
    """A canonical column as people read it: the catalog's name when it has one, else the column id."""
    return _catalog_names(lang).get(column, column)


def _names(localities: pl.DataFrame, lang: str) -> dict[str, str]:
    if localities.is_empty():
        return {}
    zh = dict(localities.select("locality_id", "name_zh").iter_rows())
    if lang != "en" or "name_en" not in localities.columns:
        return zh
    en = dict(localities.select("locality_id", "name_en").iter_rows())
    return {k: (en.get(k) or v) for k, v in zh.items()}


def complete_choices(frame: pl.DataFrame | None, localities: pl.DataFrame, lang: str) -> list[tuple[str, str]]:
    """The places a validated file can be the complete roster of: its cities, then the districts it
    names, as (locality_id, name)."""
    if frame is None or frame.is_empty():
        return []
    names = _names(localities, lang)
    cities = sorted(set(frame["city_id"].drop_nulls().to_list()))
    districts = sorted(set(frame["district_id"].drop_nulls().to_list()))
    return [(i, names.get(i, i)) for i in cities + districts]


# ---- the plan -------------------------------------------------------------------------------------
def _same(a: str, b: str) -> pl.Expr:
    return pl.col(a).eq_missing(pl.col(b))


def build_preview(
    cur: Any,
    validation: Any,
    localities: pl.DataFrame,
    *,
    complete_for: str | None = None,
    lang: str = "zh",
) -> ImportPreview:
    """What importing `validation` (a valid store.importer.Validation) would change, read through `cur`.

    `complete_for`: a city or district (code or name) the file is the complete roster of. Raises
    PreviewRefused when the file cannot be that roster.
    """
    frame: pl.DataFrame = validation.frame
    period: str = validation.period
    names = _names(localities, lang)
    file_districts = set(frame["district_id"].to_list())
    complete_id: str | None = None
    covered: list[str] = []
    kept_ids: list[str] = []
    if complete_for:
        try:
            complete_id = resolve_locality(complete_for, localities)
            covered, kept_ids = complete_districts(complete_id, localities, file_districts)
        except ValueError as exc:  # CompleteForError: name the place as people write it
            key = getattr(exc, "key", "import.err.complete_for_unknown")
            params = dict(getattr(exc, "params", {}))
            if "place" in params:
                params["place"] = names.get(str(params["place"]), params["place"])
            raise PreviewRefused(key, **params) from None

    new_keys = frame.select(
        pl.lit(NEW_ID, pl.Int64).alias("dataset_id"), "period", "city_id", "district_id", "community"
    )
    new_whole = pl.DataFrame(
        {"dataset_id": [NEW_ID] * len(covered), "period": [period] * len(covered), "district_id": covered},
        schema={"dataset_id": pl.Int64, "period": pl.String, "district_id": pl.String},
    )
    keys, whole = _live_keys(cur, period), _live_whole(cur, period)
    keys_after = pl.concat([keys, new_keys], how="vertical_relaxed")
    whole_after = pl.concat([whole, new_whole], how="vertical_relaxed")
    before, after = visible(keys, whole), visible(keys_after, whole_after)

    # full rows only where something can change: the file's districts and those covered whole
    affected = sorted(file_districts | set(covered))
    stored = visible(_live_rows_in(cur, period, affected), whole)
    key = ["district_id", "community"]
    after_keys = after.filter(pl.col("district_id").is_in(affected)).select("dataset_id", *key)
    file_rows = frame.drop("source_row")
    present = [c for c in HEADLINE if c in validation.columns]

    added = file_rows.join(stored.select(key), on=key, how="anti")
    both = file_rows.join(stored, on=key, how="inner", suffix="__before")
    differs = pl.any_horizontal([~_same(c, f"{c}__before") for c in NUMERIC]) if both.height else pl.lit(False)
    changed = both.filter(differs)
    # figures the file has no column for: the communities it replaces lose them
    lacking = [c for c in NUMERIC if c not in validation.columns]
    had = both.select(pl.col(f"{c}__before").is_not_null().any().alias(c) for c in lacking).row(0, named=True) \
        if both.height and lacking else {}
    dropped = [c for c in lacking if had.get(c)]
    # hidden afterwards, and not because the file holds the community again
    removed = stored.join(after_keys, on=["dataset_id", *key], how="anti").join(file_rows.select(key), on=key, how="anti")

    # datasets that lose rows, and those left with nothing to show or hide
    live = _live_datasets(cur, period)
    count_before = dict(before.group_by("dataset_id").len().iter_rows())
    count_after = dict(after.group_by("dataset_id").len().iter_rows())
    gone = superseded(keys_after, whole_after) - {NEW_ID}
    effects = []
    for rec in live.iter_rows(named=True):
        d = int(rec["dataset_id"])
        b, a = count_before.get(d, 0), count_after.get(d, 0)
        newly = d in gone and rec["status"] != "superseded"
        if b > a or newly:
            effects.append(DatasetEffect(
                dataset_id=d, file_name=rec["file_name"], scope=names.get(rec["scope_id"], rec["scope_id"]),
                period=period, rows=int(rec["rows"]), replaced=b - a, still_shown=a, superseded=newly,
                synthetic=bool(rec["synthetic"]),
            ))

    # communities per city in the period, before and after
    city_ids = set(localities.filter(pl.col("level") == "city")["locality_id"].to_list())
    cities = sorted((set(frame["city_id"].to_list()) | {complete_id}) & city_ids)
    n_before = dict(before.group_by("city_id").len().iter_rows())
    n_after = dict(after.group_by("city_id").len().iter_rows())
    totals = tuple((names.get(c, c), int(n_before.get(c, 0)), int(n_after.get(c, 0))) for c in cities)

    shown_by_district = dict(before.group_by("district_id").len().iter_rows())
    kept = tuple((names.get(d, d), int(shown_by_district[d])) for d in kept_ids if shown_by_district.get(d))
    unnamed = tuple(names.get(d, d) for d in sorted(set(removed["district_id"].to_list()) - file_districts))

    confirm: list[Confirmation] = []
    if removed.height > CONFIRM_REMOVALS_ABOVE:
        text = message("import.confirm.removes", lang, n=removed.height, period=period, limit=CONFIRM_REMOVALS_ABOVE)
        confirm.append(Confirmation("import.confirm.removes", text))
    if unnamed:
        text = message("import.confirm.unnamed", lang, places=_join(unnamed, lang))
        confirm.append(Confirmation("import.confirm.unnamed", text))

    district_name = pl.col("district_id").replace_strict(names, default=pl.col("district_id")).alias("district")
    token = _token(validation.sha256, period, complete_id, covered, added, changed, removed, effects)
    mapped = [c for c in CANONICAL if c in validation.columns]
    return ImportPreview(
        lang=lang, file=validation.file, sheet=validation.sheet, period=period, rows=frame.height,
        scope=names.get(validation.scope_id, validation.scope_name or ""), complete_for=complete_id,
        complete_name=names.get(complete_id, complete_id) if complete_id else None,
        covered=tuple(names.get(d, d) for d in covered), covered_ids=tuple(covered), kept=kept,
        added=added.sort("district_id", "community").select(district_name, "street", "community", *present),
        changed=changed.sort("district_id", "community").select(
            district_name, "community",
            *[pl.col(f"{c}__before").alias(f"{c}_before") for c in present], *[pl.col(c).alias(f"{c}_after") for c in present],
        ),
        unchanged=both.height - changed.height,
        removed=removed.sort("district_id", "community").select(district_name, "street", "community", "dataset_id"),
        datasets=tuple(effects), totals=totals,
        first_rows=frame.head(FIRST_ROWS).select("source_row", *mapped),
        header_map=tuple(validation.header_map), headline=tuple(present), dropped=tuple(dropped), confirm=tuple(confirm), token=token,
        unnamed=unnamed,
    )


def _token(sha: str, period: str, complete_id: str | None, covered: list[str], added: pl.DataFrame,
           changed: pl.DataFrame, removed: pl.DataFrame, effects: list[DatasetEffect]) -> str:
    """A fingerprint of the plan: the same file, confirmed against the same stored state, gives the same token
    (within one process: the row hashes are polars', order-free)."""
    def rows(df: pl.DataFrame, cols: list[str]) -> int:
        return int(df.select(cols).hash_rows(seed=0).bitwise_xor()) if df.height else 0

    body = [
        sha, period, complete_id, covered, added.height, changed.height, removed.height,
        rows(added, ["district_id", "community"]),
        rows(changed, ["district_id", "community", "dataset_id"]),
        rows(removed, ["district_id", "community", "dataset_id"]),
        sorted((e.dataset_id, e.replaced, e.superseded) for e in effects),
    ]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


# ---- text ------------------------------------------------------------------------------------------
def _join(items: tuple[str, ...] | list[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


def number(value: object) -> str:
    """A stored value as the preview prints it: thousands separated, whole numbers without decimals, — for none."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def lines(p: ImportPreview) -> list[str]:
    """The preview's sentences, in order, in its language."""
    lang = p.lang
    out = [message("import.preview.summary", lang, file=p.file, rows=p.rows, period=p.period, scope=p.scope)]
    if p.complete_for:
        out.append(message("import.preview.mode_complete", lang, place=p.complete_name, period=p.period,
                           districts=_join(p.covered, lang)))
        if p.kept:
            places = _join([message("import.preview.kept_item", lang, place=n, n=c) for n, c in p.kept], lang)
            out.append(message("import.preview.kept", lang, places=places))
    else:
        out.append(message("import.preview.mode_partial", lang, period=p.period))
    for city, before, after in p.totals:
        out.append(message("import.preview.total", lang, place=city, period=p.period, before=before, after=after))
    out.append(message("import.preview.counts", lang, added=p.added.height, changed=p.changed.height,
                       unchanged=p.unchanged, removed=p.removed.height))
    if p.dropped:
        out.append(message("import.preview.dropped", lang, n=p.changed.height + p.unchanged,
                           columns=_join([column_label(c, lang) for c in p.dropped], lang)))
    if p.removed.height:
        by_district = p.removed.group_by("district", maintain_order=True).len()
        items = [message("import.preview.kept_item", lang, place=d, n=n) for d, n in by_district.iter_rows()]
        out.append(message("import.preview.removed_by_district", lang, period=p.period, items=_join(items, lang)))
    if p.datasets:
        for e in p.datasets:
            key = "import.preview.dataset_superseded" if e.superseded else "import.preview.dataset_partial"
            out.append(message(key, lang, dataset_id=e.dataset_id, file=e.file_name, scope=e.scope, period=e.period,
                               rows=e.rows, replaced=e.replaced, left=e.still_shown))
    else:
        out.append(message("import.preview.no_dataset", lang))
    return out


@dataclass(frozen=True)
class Section:
    """One table of the preview: a title and string cells under headers in the preview's language."""

    key: str
    title: str
    table: pl.DataFrame


def _h(key: str, lang: str) -> str:
    return message(f"import.preview.col.{key}", lang)


def _cells(df: pl.DataFrame, headers: dict[str, str]) -> pl.DataFrame:
    """Every value as the preview prints it, under its header (no Python callbacks inside polars)."""
    data = {headers.get(c, c): [number(v) for v in df[c].to_list()] for c in df.columns}
    return pl.DataFrame(data, schema={h: pl.String for h in data})


def sections(p: ImportPreview) -> list[Section]:
    """The preview's tables, in order: added, changed (before → after), removed, datasets, first rows."""
    lang = p.lang
    base = {c: _h(c, lang) for c in ("district", "street", "community", "dataset_id")}
    labels = {c: column_label(c, lang) for c in p.headline}
    out: list[Section] = []
    if p.added.height:
        out.append(Section("added", message("import.preview.added", lang, n=p.added.height),
                           _cells(p.added, {**base, **labels})))
    if p.changed.height:
        data: dict[str, list[str]] = {base["district"]: p.changed["district"].to_list(),
                                      base["community"]: p.changed["community"].to_list()}
        for c in p.headline:
            was, now = p.changed[f"{c}_before"].to_list(), p.changed[f"{c}_after"].to_list()
            data[labels[c]] = [number(a) if a == b else f"{number(a)} → {number(b)}" for a, b in zip(was, now, strict=True)]
        out.append(Section("changed", message("import.preview.changed", lang, n=p.changed.height),
                           pl.DataFrame(data, schema={h: pl.String for h in data})))
    if p.removed.height:
        out.append(Section("removed", message("import.preview.removed", lang, n=p.removed.height, period=p.period),
                           _cells(p.removed, base)))
    if p.datasets:
        rows = {
            _h("dataset_id", lang): [str(e.dataset_id) for e in p.datasets],
            _h("file", lang): [e.file_name for e in p.datasets],
            _h("scope", lang): [e.scope for e in p.datasets],
            _h("period", lang): [e.period for e in p.datasets],
            _h("rows", lang): [number(e.rows) for e in p.datasets],
            _h("replaced", lang): [number(e.replaced) for e in p.datasets],
            _h("after", lang): [
                message("import.preview.after.superseded" if e.superseded else "import.preview.after.partial", lang,
                        n=e.still_shown)
                for e in p.datasets
            ],
        }
        out.append(Section("datasets", message("import.preview.datasets", lang, n=len(p.datasets)),
                           pl.DataFrame(rows, schema={h: pl.String for h in rows})))
    header_of = {c: h for h, c in p.header_map}
    first = {"source_row": _h("row", lang), **{c: f"{header_of[c]} → {c}" if header_of.get(c, c) != c else c
                                               for c in p.first_rows.columns if c != "source_row"}}
    out.append(Section("first_rows", message("import.preview.first_rows", lang, n=p.first_rows.height),
                       _cells(p.first_rows, first)))
    return out


def reasons(p: ImportPreview) -> str:
    """Why the preview needs a second confirmation, as one paragraph ('' when it does not)."""
    return ("" if p.lang == "zh" else " ").join(c.text for c in p.confirm)


def outcome(p: ImportPreview) -> list[str]:
    """After the write: one sentence per stored dataset the import replaced rows of."""
    return [
        message("import.preview.dataset_superseded" if e.superseded else "import.preview.dataset_partial", p.lang,
                dataset_id=e.dataset_id, file=e.file_name, scope=e.scope, period=e.period, rows=e.rows,
                replaced=e.replaced, left=e.still_shown)
        for e in p.datasets
    ]


# ---- the import page's other tables ---------------------------------------------------------------
STATUSES = ("active", "superseded", "rolled_back")


def history_table(datasets: pl.DataFrame, localities: pl.DataFrame, lang: str) -> pl.DataFrame:
    """One row per imported dataset, newest first, under headers and with names in `lang`."""
    if datasets.is_empty():
        return pl.DataFrame()
    names = _names(localities, lang)
    status = {s: message(f"import.ui.status.{s}", lang) for s in STATUSES}
    complete = pl.col("complete_for") if "complete_for" in datasets.columns else pl.lit(None, pl.String)
    return datasets.sort("dataset_id", descending=True).select(
        pl.col("dataset_id").alias(message("import.ui.col.dataset_id", lang)),
        pl.col("scope_id").replace_strict(names, default=pl.col("scope_id")).alias(message("import.ui.col.scope", lang)),
        pl.col("period").alias(message("import.ui.col.period", lang)),
        pl.col("file_name").alias(message("import.ui.col.file", lang)),
        pl.col("rows").alias(message("import.ui.col.rows", lang)),
        complete.replace_strict(names, default=complete).alias(message("import.ui.col.complete_for", lang)),
        pl.col("imported_at").alias(message("import.ui.col.when", lang)),
        pl.col("imported_by").alias(message("import.ui.col.who", lang)),
        pl.col("synthetic").alias(message("import.ui.col.synthetic", lang)),
        pl.col("status").replace_strict(status, default=pl.col("status")).alias(message("import.ui.col.status", lang)),
    )


def rollback_choices(datasets: pl.DataFrame) -> list[int]:
    """The datasets a rollback can take back: the active ones, newest first."""
    if datasets.is_empty():
        return []
    return sorted((int(d) for d in datasets.filter(pl.col("status") == "active")["dataset_id"].to_list()), reverse=True)


def problems_table(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """A Validation's problems (or warnings) frame under headers in `lang`; a CSV has no sheet: a dash, not None."""
    return frame.with_columns(pl.col(pl.String).fill_null("—")).rename(
        {c: message(f"import.col.{c}", lang) for c in frame.columns}
    )
