"""The one rule of what an import replaces: which rows show, which datasets are superseded, which districts a complete roster covers.

An import covers, for its period, its own communities (district_id + community of each row) and,
when it is declared the complete roster of a city or district, those districts whole (the
dataset_coverage table). A row shows unless a newer import that is not rolled back covers it.

A dataset is *superseded* when every row of it and every district it covers whole are covered again
by newer imports. Then leaving it out changes nothing, so readers only look at active datasets
(store/read.community_rows runs this rule in SQL; tests hold the two to the same answers). A
rollback marks one dataset rolled back and labels the period again: whatever it covered shows again
unless something else covers it, which is exactly what it replaced.
"""

from __future__ import annotations

import polars as pl

from store.levels import kind_from_name

KEY = ["period", "district_id", "community"]
# On the district tier only a 市辖区 belongs to a city's own roster; a county, a county-level city
# (岑溪市), a banner ... reports on its own, so a city's complete roster covers it only when named.
CITY_ROSTER_KINDS = frozenset({"district"})


def visible(rows: pl.DataFrame, whole: pl.DataFrame) -> pl.DataFrame:
    """The rows no newer dataset covers. `rows`: dataset_id, period, district_id, community (and any
    other columns, kept); `whole`: dataset_id, period, district_id of the districts covered whole."""
    newest_row = rows.group_by(KEY).agg(pl.col("dataset_id").max().alias("__newest_row"))
    newest_whole = whole.group_by("period", "district_id").agg(pl.col("dataset_id").max().alias("__newest_whole"))
    return (
        rows.join(newest_row, on=KEY, how="left", nulls_equal=True)
        .join(newest_whole, on=["period", "district_id"], how="left")
        .filter(
            (pl.col("dataset_id") >= pl.col("__newest_row"))
            & (pl.col("__newest_whole").is_null() | (pl.col("__newest_whole") <= pl.col("dataset_id")))
        )
        .drop("__newest_row", "__newest_whole")
    )


def superseded(rows: pl.DataFrame, whole: pl.DataFrame) -> set[int]:
    """The datasets (of those in `rows` or `whole`) whose every row and whole district a newer one covers."""
    newest_row = rows.group_by(KEY).agg(pl.col("dataset_id").max().alias("__newest_row"))
    newest_whole = whole.group_by("period", "district_id").agg(pl.col("dataset_id").max().alias("__newest_whole"))
    newer_whole = pl.col("__newest_whole").fill_null(-1) > pl.col("dataset_id")
    rows_alive = (
        rows.join(newest_row, on=KEY, how="left", nulls_equal=True)
        .join(newest_whole, on=["period", "district_id"], how="left")
        .filter((pl.col("__newest_row") <= pl.col("dataset_id")) & ~newer_whole)
    )
    whole_alive = whole.join(newest_whole, on=["period", "district_id"], how="left").filter(~newer_whole)
    alive = set(rows_alive["dataset_id"].to_list()) | set(whole_alive["dataset_id"].to_list())
    return (set(rows["dataset_id"].to_list()) | set(whole["dataset_id"].to_list())) - alive


def district_kind(localities: pl.DataFrame, district_id: str) -> str | None:
    """The kind of a district-tier locality: the localities table's `kind` when it has one, else what
    its name's suffix says (万秀区 district, 藤县 county, 岑溪市 county-level city)."""
    row = localities.filter(pl.col("locality_id") == district_id)
    if row.is_empty():
        return None
    rec = row.row(0, named=True)
    if rec.get("kind"):
        return str(rec["kind"])
    return kind_from_name(str(rec["name_zh"]), "district")


class CompleteForError(ValueError):
    """A "complete roster of X" the file cannot be: X unknown, ambiguous, or holding none of its rows."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def resolve_locality(text: str, localities: pl.DataFrame) -> str:
    """A city or district named by its code (locality_id or adcode) or its name (zh or en, with or without
    its 市/区/县 suffix). CompleteForError if none or several match."""
    from store.rules import locality_index  # the localities helper's name index, used as is

    wanted = str(text).strip()
    places = localities.filter(pl.col("level").is_in(["city", "district"]))
    by_code = places.filter((pl.col("locality_id") == wanted) | (pl.col("adcode") == wanted))["locality_id"].unique().to_list()
    if len(by_code) == 1:
        return str(by_code[0])
    index = locality_index(localities)
    found = list(dict.fromkeys(index.city(wanted) + index.district_anywhere(wanted)))
    if len(found) == 1:
        return found[0]
    if not found:
        raise CompleteForError("import.err.complete_for_unknown", place=wanted)
    names = {r["locality_id"]: r for r in localities.iter_rows(named=True)}
    listed = "、".join(
        f"{names[i]['name_zh']}（{names.get(names[i]['parent_id'] or '', {}).get('name_zh', '')} {i}）" for i in sorted(found)
    )
    raise CompleteForError("import.err.complete_for_ambiguous", place=wanted, candidates=listed)


def complete_districts(
    locality_id: str, localities: pl.DataFrame, file_districts: set[str]
) -> tuple[list[str], list[str]]:
    """(covered, kept): the districts "the complete roster of `locality_id`" covers whole, and the
    district-tier places of that city it leaves alone because the file does not name them.

    A district: itself, and the file must name it. A city: the districts the file names and every
    市辖区 of the city; a county or county-level city only when the file names it. CompleteForError
    when the file holds no row of the place.
    """
    level = dict(localities.select("locality_id", "level").iter_rows()).get(locality_id)
    if level == "district":
        if locality_id not in file_districts:
            raise CompleteForError("import.err.complete_for_not_in_file", place=locality_id)
        return [locality_id], []
    if level != "city":
        raise CompleteForError("import.err.complete_for_level", place=locality_id)
    children = localities.filter((pl.col("parent_id") == locality_id) & (pl.col("level") == "district"))
    ids = sorted(children["locality_id"].to_list())
    named = [d for d in ids if d in file_districts]
    if not named:
        raise CompleteForError("import.err.complete_for_not_in_file", place=locality_id)
    covered = [d for d in ids if d in file_districts or district_kind(localities, d) in CITY_ROSTER_KINDS]
    return covered, [d for d in ids if d not in covered]
