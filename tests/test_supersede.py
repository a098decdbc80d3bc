"""The supersede rule: which rows show, which datasets are superseded, what a complete roster covers; and the SQL reader agrees."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

from store.db import close_database, open_database
from store.preview import relabel
from store.read import community_rows
from store.supersede import CompleteForError, complete_districts, resolve_locality, superseded, visible
from tests.builders import LOCALITIES as LOC


def keys(*records: tuple[int, str, str]) -> pl.DataFrame:
    """Rows as (dataset_id, district_id, community), all of period 2024."""
    return pl.DataFrame(
        [{"dataset_id": d, "period": "2024", "district_id": dist, "community": c} for d, dist, c in records],
        schema={"dataset_id": pl.Int64, "period": pl.String, "district_id": pl.String, "community": pl.String},
    )


def whole(*records: tuple[int, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"dataset_id": d, "period": "2024", "district_id": dist} for d, dist in records],
        schema={"dataset_id": pl.Int64, "period": pl.String, "district_id": pl.String},
    )


def shown(rows: pl.DataFrame, cover: pl.DataFrame) -> set[tuple[int, str, str]]:
    return set(visible(rows, cover).select("dataset_id", "district_id", "community").rows())


CITY = keys((1, "A", "a1"), (1, "A", "a2"), (1, "B", "b1"))


def test_a_newer_file_replaces_only_the_communities_it_holds():
    rows = pl.concat([CITY, keys((2, "A", "a1"))])
    assert shown(rows, whole()) == {(2, "A", "a1"), (1, "A", "a2"), (1, "B", "b1")}


def test_a_complete_roster_hides_the_older_communities_of_its_districts_only():
    rows = pl.concat([CITY, keys((2, "A", "a1"))])
    assert shown(rows, whole((2, "A"))) == {(2, "A", "a1"), (1, "B", "b1")}


def test_a_complete_roster_never_hides_its_own_or_newer_rows():
    rows = pl.concat([CITY, keys((2, "A", "a1"), (3, "A", "a9"))])
    assert shown(rows, whole((2, "A"))) == {(2, "A", "a1"), (3, "A", "a9"), (1, "B", "b1")}


def test_other_periods_are_untouched():
    other = CITY.with_columns(pl.lit("2023").alias("period"))
    rows = pl.concat([other, keys((2, "A", "a1"))])
    assert len(shown(rows, whole((2, "A")))) == 4


@pytest.mark.parametrize(
    "rows, cover, expected",
    [
        (keys((1, "A", "a1"), (2, "A", "a1")), whole(), {1}),                          # every row covered again
        (pl.concat([CITY, keys((2, "A", "a1"))]), whole(), set()),                     # partly covered: still active
        (pl.concat([CITY, keys((2, "A", "a1"))]), whole((2, "A"), (2, "B")), {1}),     # covered whole
        (keys((1, "A", "a1"), (2, "A", "a1")), whole((1, "A")), set()),                # its complete roster of A still hides
        (keys((1, "A", "a1"), (2, "A", "a1")), whole((1, "A"), (2, "A")), {1}),        # ... until a newer one covers A whole
        (keys((1, "A", "a1")), whole(), set()),                                         # the newest never is
    ],
)
def test_superseded(rows, cover, expected):
    assert superseded(rows, cover) == expected


# ---- the SQL reader agrees with the rule, whatever the history ----------------------------------
def _insert(cur, dataset_id: int, rows: list[tuple[str, str]], cover: list[str]) -> None:
    cur.execute(
        "INSERT INTO datasets (dataset_id, scope_id, period, file_name, sha256, rows, imported_at, imported_by, status) "
        "VALUES (?, '450400', '2024', 'f.csv', ?, ?, now(), 't', 'active')",
        [dataset_id, f"sha{dataset_id}", len(rows)],
    )
    for i, (district, community) in enumerate(rows):
        cur.execute(
            "INSERT INTO community_rows (dataset_id, source_row, city_id, district_id, city, district, community, period) "
            "VALUES (?, ?, '450400', ?, '梧州市', ?, ?, '2024')",
            [dataset_id, i + 2, district, district, community],
        )
    for district in cover:
        cur.execute("INSERT INTO dataset_coverage VALUES (?, '2024', ?)", [dataset_id, district])


def test_reading_active_datasets_in_sql_equals_the_rule_over_every_dataset(tmp_path: Path):
    """Readers skip superseded datasets; that must never change what shows (random imports and rollbacks)."""
    rng = random.Random(13)
    path = tmp_path / "gov.duckdb"
    db = open_database(path)
    try:
        # one publish for forty transactions: meanwhile the reader reads the writer's own state, the same rows
        with db.batch():
            live: list[int] = []
            for dataset_id in range(1, 41):
                with db.transaction() as cur:
                    if live and rng.random() < 0.25:
                        gone = rng.choice(live)
                        live.remove(gone)
                        cur.execute("UPDATE datasets SET status = 'rolled_back' WHERE dataset_id = ?", [gone])
                    picked = rng.sample([(d, f"c{i}") for d in ("450403", "450405") for i in range(4)], rng.randint(1, 5))
                    cover = [d for d in ("450403", "450405") if rng.random() < 0.2]
                    _insert(cur, dataset_id, picked, cover)
                    live.append(dataset_id)
                    relabel(cur, "2024")
                cur = db.reader()
                sql = set(community_rows(cur).select("dataset_id", "district_id", "community").rows())
                every = pl.from_arrow(cur.sql(
                    "SELECT r.dataset_id::BIGINT AS dataset_id, r.period, r.district_id, r.community FROM community_rows r "
                    "JOIN datasets d USING (dataset_id) WHERE d.status <> 'rolled_back'").to_arrow_table())
                cover_all = pl.from_arrow(cur.sql(
                    "SELECT c.dataset_id::BIGINT AS dataset_id, c.period, c.district_id FROM dataset_coverage c "
                    "JOIN datasets d USING (dataset_id) WHERE d.status <> 'rolled_back'").to_arrow_table())
                statuses = dict(cur.execute("SELECT dataset_id, status FROM datasets").fetchall())
                cur.close()
                assert sql == shown(every, cover_all), dataset_id
                assert {d for d, s in statuses.items() if s == "superseded"} == superseded(every, cover_all)
    finally:
        close_database(path)


# ---- what "the complete roster of X" covers ------------------------------------------------------
WANXIU, CHANGZHOU, LONGXU, CENXI = "450403", "450405", "450406", "450481"


def test_a_city_roster_covers_its_urban_districts_and_keeps_an_unnamed_county_level_city():
    covered, kept = complete_districts("450400", LOC, {WANXIU, CHANGZHOU})
    assert covered == [WANXIU, CHANGZHOU, LONGXU] and kept == [CENXI]


def test_a_city_roster_covers_a_county_level_city_it_names():
    covered, kept = complete_districts("450400", LOC, {WANXIU, CENXI})
    assert CENXI in covered and kept == []


def test_a_district_roster_covers_that_district():
    assert complete_districts(WANXIU, LOC, {WANXIU, CHANGZHOU}) == ([WANXIU], [])


@pytest.mark.parametrize("place, districts", [(CENXI, {WANXIU}), ("450800", {WANXIU}), ("450000", {WANXIU})])
def test_a_roster_of_a_place_the_file_does_not_hold_is_refused(place, districts):
    with pytest.raises(CompleteForError):
        complete_districts(place, LOC, districts)


@pytest.mark.parametrize("text", ["450400", "梧州市", "梧州", "Wuzhou"])
def test_a_place_is_found_by_code_or_name(text):
    assert resolve_locality(text, LOC) == "450400"


def test_an_unknown_or_ambiguous_place_is_refused():
    with pytest.raises(CompleteForError) as unknown:
        resolve_locality("南宁", LOC)
    assert unknown.value.key == "import.err.complete_for_unknown"
    two = pl.concat([LOC, pl.DataFrame(
        [("450499", "新城区", "Xincheng", "district", "450400", "450499"),
         ("450899", "新城区", "Xincheng", "district", "450800", "450899")], schema=LOC.columns, orient="row")])
    with pytest.raises(CompleteForError) as ambiguous:
        resolve_locality("新城区", two)
    assert ambiguous.value.key == "import.err.complete_for_ambiguous" and "450499" in str(ambiguous.value.params)

