"""python -m store reconcile: the published claims against the bootstrapped sample rosters, as CSV."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from store.claims import COLUMNS, reconcile_table
from store.cli import run
from store.db import close_database, open_database

# Contradictions the samples are allowed, each with its reason. Empty: the synthetic rosters agree
# with every claim they can be compared with; a claim they cannot be compared with is not_comparable.
ALLOWED_CONTRADICTIONS: dict[str, str] = {}


@pytest.fixture(scope="module")
def db_file(bootstrapped_db_path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("claims") / "gov.duckdb"
    shutil.copy(bootstrapped_db_path, path)  # the store bootstrap builds, without building it again
    return path


@pytest.fixture(scope="module")
def table(db_file):
    db = open_database(db_file)
    try:
        return reconcile_table(db)
    finally:
        close_database(db_file)


def test_samples_contradict_no_published_claim_unless_listed(table):
    contradicted = dict(table.filter(table["verdict"] == "contradicted").select("fact_id", "message").rows())
    assert set(contradicted) == set(ALLOWED_CONTRADICTIONS), contradicted


def test_every_claim_with_a_roster_measure_is_judged_on_the_samples(table):
    # no_data is left only for measures no roster column holds
    no_data = table.filter(table["verdict"] == "no_data")
    assert set(no_data["reason"]) <= {"not_in_roster"}


def test_the_issues_claims_on_the_samples(table):
    got = {r[0]: r[1:] for r in table.select("fact_id", "verdict", "reason").rows()}
    assert got["F003-059"] == ("not_comparable", "period_kind_differs")  # 6000多万 over years vs one year
    assert got["F000-039"][0] == "consistent"  # 3万多名: the samples hold 30,000 to 39,999
    assert got["F001-034"] == ("no_data", "not_in_roster")  # 5.53万人次: person-times, no roster column


def test_cli_writes_one_row_per_claim(db_file, tmp_path, capsys):
    out = tmp_path / "claims.csv"
    assert run(["reconcile", str(out), "--db", str(db_file)]) == 0
    assert "claims to" in capsys.readouterr().out
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel shows Chinese
    with out.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert tuple(reader.fieldnames) == COLUMNS
    assert len({r["fact_id"] for r in rows}) == len(rows) > 0
    f39 = next(r for r in rows if r["fact_id"] == "F000-039")
    assert (f39["claim"], f39["low"], f39["high"], f39["locality"]) == ("3万多名在职党员", "30000.0", "40000.0", "梧州市")


def test_cli_keeps_one_locality_and_period(db_file, tmp_path):
    out = tmp_path / "cenxi.csv"
    assert run(["reconcile", str(out), "--locality", "Cenxi", "--period", "2025", "--db", str(db_file)]) == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["period"] for r in rows} == {"2025"}
    assert "F003-001" in {r["fact_id"] for r in rows} and "F000-039" not in {r["fact_id"] for r in rows}


def test_cli_refuses_an_unknown_locality_and_a_non_csv_file(db_file, tmp_path, capsys):
    assert run(["reconcile", str(tmp_path / "x.csv"), "--locality", "无名市", "--db", str(db_file)]) == 2
    assert run(["reconcile", str(tmp_path / "x.xlsx"), "--db", str(db_file)]) == 2
    assert "refused" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
