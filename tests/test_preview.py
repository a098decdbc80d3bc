"""The import preview: what a file will add, change, remove and replace, said before anything is written, in zh and en."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.db import close_database, open_database
from store.importer import import_bytes, preview_import, validate_bytes
from store.preview import PreviewRefused, lines, sections
from tests.builders import LOCALITIES as LOC
from tests.builders import copy_store, insert_localities

HEAD = "city,district,street,community,period,compounds,compounds_with_party_org,grids,fund_service"
CITY_2024 = [  # 梧州市's roster: 万秀区 4, 长洲区 3, 龙圩区 3 communities
    *(f"梧州市,万秀区,城东街道,万{i}社区,2024,10,8,10,100000" for i in range(1, 5)),
    *(f"梧州市,长洲区,大塘街道,长{i}社区,2024,10,8,10,100000" for i in range(1, 4)),
    *(f"梧州市,龙圩区,龙圩街道,龙{i}社区,2024,10,8,10,100000" for i in range(1, 4)),
]
CENXI_2024 = [f"梧州市,岑溪市,岑城镇,岑{i}社区,2024,5,5,6,80000" for i in range(1, 3)]


def csv_bytes(rows: list[str], head: str = HEAD) -> bytes:
    return ("\n".join([head, *rows]) + "\n").encode("utf-8")


def _build(path: Path) -> None:
    database = open_database(path)
    with database.transaction() as cur:
        insert_localities(cur)
    assert import_bytes(database, csv_bytes(CITY_2024), "city.csv", who="t").dataset_id == 1
    assert import_bytes(database, csv_bytes(CENXI_2024), "cenxi.csv", who="t").dataset_id == 2


@pytest.fixture
def db(store_template, tmp_path: Path):
    path = copy_store(store_template("preview", _build), tmp_path / "gov.duckdb")
    database = open_database(path)
    yield database
    close_database(path)


def preview(db, rows: list[str], *, head: str = HEAD, complete_for: str | None = None, lang: str = "zh"):
    v = validate_bytes(csv_bytes(rows, head), "street.csv", LOC, lang=lang)
    assert v.ok, v.problems
    return preview_import(db, v, LOC, complete_for=complete_for, lang=lang)


PARTIAL = [
    "梧州市,万秀区,城东街道,万1社区,2024,10,9,12,100000",   # figures change
    "梧州市,万秀区,城东街道,万2社区,2024,10,8,10,100000",   # the same figures
    "梧州市,长洲区,大塘街道,长9社区,2024,6,6,8,50000",      # a new community
]


def test_a_partial_file_adds_changes_and_removes_nothing(db):
    p = preview(db, PARTIAL)
    assert (p.added.height, p.changed.height, p.unchanged, p.removed.height) == (1, 1, 1, 0)
    assert p.added["community"].to_list() == ["长9社区"]
    assert p.totals == (("梧州市", 12, 13),)
    assert not p.needs_confirmation


def test_changed_communities_show_before_and_after(db):
    p = preview(db, PARTIAL)
    row = p.changed.row(0, named=True)
    assert (row["district"], row["community"], row["grids_before"], row["grids_after"]) == ("万秀区", "万1社区", 10, 12)
    table = next(s for s in sections(p) if s.key == "changed").table
    assert table.row(0, named=True)["网格数"] == "10 → 12" and table.row(0, named=True)["小区数"] == "10"


def test_the_preview_names_the_datasets_it_replaces_rows_of(db):
    p = preview(db, PARTIAL)
    assert [(d.dataset_id, d.file_name, d.scope, d.period, d.rows, d.replaced, d.still_shown, d.superseded)
            for d in p.datasets] == [(1, "city.csv", "梧州市", "2024", 10, 2, 8, False)]
    assert "数据集 1（city.csv，梧州市，2024，10 行）：替代其中 2 行，其余 8 行仍然有效。" in lines(p)
    table = next(s for s in sections(p) if s.key == "datasets").table
    assert table.row(0) == ("1", "city.csv", "梧州市", "2024", "10", "2", "仍显示 8 行")


def test_a_complete_city_roster_removes_by_district_and_keeps_the_county_level_city(db):
    p = preview(db, PARTIAL, complete_for="梧州市")
    assert p.covered == ("万秀区", "长洲区", "龙圩区") and p.kept == (("岑溪市", 2),)
    by_district = p.removed.group_by("district", maintain_order=True).len().rows()
    assert by_district == [("万秀区", 2), ("长洲区", 3), ("龙圩区", 3)]
    assert p.totals == (("梧州市", 12, 5),)
    assert [(d.dataset_id, d.replaced, d.superseded) for d in p.datasets] == [(1, 10, True)]
    assert [c.key for c in p.confirm] == ["import.confirm.removes", "import.confirm.unnamed"]
    assert "龙圩区" in p.confirm[1].text
    text = "\n".join(lines(p))
    assert "保留不变：岑溪市（2 个社区）" in text and "将从 2024 年移除：万秀区（2 个社区）、长洲区（3 个社区）、龙圩区（3 个社区）。" in text


def test_a_complete_district_roster_touches_only_that_district(db):
    p = preview(db, PARTIAL, complete_for="450403")
    assert p.removed["community"].to_list() == ["万3社区", "万4社区"]
    assert not p.needs_confirmation  # two removals, in a district the file names


def test_a_complete_roster_of_a_place_the_file_does_not_hold_is_refused(db):
    with pytest.raises(PreviewRefused) as refused:
        preview(db, PARTIAL, complete_for="岑溪市")
    assert refused.value.key == "import.err.complete_for_not_in_file" and refused.value.params["place"] == "岑溪市"


def test_first_rows_are_shown_as_they_will_be_stored(db):
    head = "市,区县,社区名称,统计期,网格数（个）,服务群众专项经费（元）"
    p = preview(db, ["梧州市,万秀区,万1社区,2024年,１２,3.5万"], head=head)
    first = p.first_rows.row(0, named=True)
    assert (first["source_row"], first["period"], first["grids"], first["fund_service"]) == (2, "2024", 12, 35000.0)
    assert ("服务群众专项经费（元）", "fund_service") in p.header_map
    table = next(s for s in sections(p) if s.key == "first_rows").table
    assert table.row(0, named=True)["服务群众专项经费（元） → fund_service"] == "35,000"


def test_columns_the_file_lacks_are_said_to_empty(db):
    p = preview(db, ["梧州市,万秀区,城东街道,万1社区,2024,10,8"], head="city,district,street,community,period,compounds,compounds_with_party_org")
    assert p.dropped == ("grids", "fund_service")
    assert "文件没有这些列，被替代的 1 个社区的原有数值将变为空：网格数、服务群众专项经费。" in lines(p)


def test_the_preview_speaks_english(db):
    p = preview(db, PARTIAL, complete_for="Wuzhou", lang="en")
    text = "\n".join(lines(p))
    assert "This file is the complete roster of Wuzhou for 2024, covering Wanxiu District, Changzhou District, Longxu District" in text
    assert "Kept as they are: Cenxi (2 communities)." in text
    assert "Districts the file does not name would change: Longxu District." in p.confirm[1].text
    assert [s.table.columns[:3] for s in sections(p) if s.key == "removed"] == [["district", "street", "community"]]


def test_the_token_changes_when_the_store_changes(db):
    before = preview(db, PARTIAL).token
    assert preview(db, PARTIAL).token == before
    import_bytes(db, csv_bytes(["梧州市,万秀区,城东街道,万2社区,2024,1,1,1,1"]), "other.csv", who="t")
    assert preview(db, PARTIAL).token != before
