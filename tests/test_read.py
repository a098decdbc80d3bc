"""What the pages read: only active datasets, and where two overlap, each community once, from the newer."""

from __future__ import annotations

from datetime import datetime

from store import read

DATASETS = [
    # dataset_id, scope, status: a city roster, a county's own newer roster, a newer one rolled back
    (1, "450400", "active"),
    (2, "450481", "active"),
    (3, "450400", "rolled_back"),
]
ROWS = [
    # dataset_id, community, residents
    (1, "A社区", 100),
    (1, "B社区", 200),
    (2, "A社区", 150),
    (3, "B社区", 999),
]


def _fill(db) -> None:
    with db.transaction() as cur:
        for dataset_id, scope, status in DATASETS:
            cur.execute(
                "INSERT INTO datasets (dataset_id, scope_id, period, file_name, sha256, rows, imported_at, imported_by, status) "
                "VALUES (?, ?, '2025', 'f.csv', ?, 2, ?, 'test', ?)",
                [dataset_id, scope, f"sha{dataset_id}", datetime(2025, 1, dataset_id), status],
            )
        for source_row, (dataset_id, community, residents) in enumerate(ROWS):
            cur.execute(
                "INSERT INTO community_rows (dataset_id, source_row, city_id, district_id, city, district, street, "
                "community, period, residents) VALUES (?, ?, '450400', '450481', '梧州市', '岑溪市', '岑城镇', ?, '2025', ?)",
                [dataset_id, source_row, community, residents],
            )


def test_community_rows_keep_each_community_once_from_the_newest_active_dataset(empty_db):
    _fill(empty_db)
    rows = read.community_rows(empty_db.reader())
    assert rows.select("community", "dataset_id", "residents").rows() == [("A社区", 2, 150), ("B社区", 1, 200)]


def test_community_rows_ignore_a_newer_dataset_that_was_rolled_back(empty_db):
    _fill(empty_db)
    rows = read.community_rows(empty_db.reader())
    assert 999 not in rows["residents"].to_list()
