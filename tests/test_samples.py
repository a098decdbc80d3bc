"""The synthetic sample datasets: reproducible byte for byte, true to published totals, and clean imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from store.db import close_database, open_database
from store.importer import import_file
from store.read import community_rows, datasets

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"

LOCALITIES = [
    ("450000", "广西壮族自治区", "Guangxi", "province", None),
    ("140000", "山西省", "Shanxi", "province", None),
    ("360000", "江西省", "Jiangxi", "province", None),
    ("220000", "吉林省", "Jilin", "province", None),
    ("450400", "梧州市", "Wuzhou", "city", "450000"),
    ("450800", "贵港市", "Guigang", "city", "450000"),
    ("140100", "太原市", "Taiyuan", "city", "140000"),
    ("360200", "景德镇市", "Jingdezhen", "city", "360000"),
    ("220500", "通化市", "Tonghua", "city", "220000"),
    ("450403", "万秀区", "Wanxiu District", "district", "450400"),
    ("450405", "长洲区", "Changzhou District", "district", "450400"),
    ("450406", "龙圩区", "Longxu District", "district", "450400"),
    ("450481", "岑溪市", "Cenxi", "district", "450400"),
    ("450802", "港北区", "Gangbei District", "district", "450800"),
    ("450803", "港南区", "Gangnan District", "district", "450800"),
    ("140110", "晋源区", "Jinyuan District", "district", "140100"),
    ("360203", "珠山区", "Zhushan District", "district", "360200"),
    ("220521", "通化县", "Tonghua County", "district", "220500"),
]


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.csv"))


def read_sample(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, skip_rows=1)  # line 1 is the synthetic-data marker


def test_regenerating_gives_identical_files(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_samples.py"), "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    fresh = sorted(tmp_path.glob("*.csv"))
    assert [p.name for p in fresh] == [p.name for p in sample_files()]
    assert fresh, "no samples generated"
    for new in fresh:
        assert new.read_bytes() == (SAMPLES / new.name).read_bytes(), f"{new.name} differs: re-run scripts/make_samples.py"


def test_names_and_marker() -> None:
    files = sample_files()
    assert len(files) == 18  # six localities x 2023, 2024, 2025
    for path in files:
        assert path.name.startswith("synthetic_")
        assert "SYNTHETIC" in path.read_text(encoding="utf-8").splitlines()[0]


def test_wuzhou_2025_matches_published_totals() -> None:
    frames = [read_sample(p) for p in sample_files()]
    counted = ["community", "grids", "compounds", "compounds_with_party_org"]
    wuzhou = pl.concat([f.select(counted) for f in frames if f["city"][0] == "梧州市" and f["period"][0] == 2025])
    assert wuzhou.height == 57  # 全市57个社区
    assert wuzhou["grids"].sum() == 613  # 613个网格
    assert wuzhou["compounds"].sum() == 451  # 451个小区
    assert wuzhou["compounds_with_party_org"].sum() == 451  # 100%覆盖
    cenxi = [f for f in frames if f["district"][0] == "岑溪市" and f["period"][0] == 2025]
    assert len(cenxi) == 1 and cenxi[0].height == 19
    jinyuan = [f for f in frames if f["district"][0] == "晋源区" and f["period"][0] == 2025][0]
    assert jinyuan.height == 27 and jinyuan["fund_party"].sum() == 1_690_000
    assert jinyuan["service_center_area_m2"].min() > 500


def test_published_funding_floors() -> None:
    for path in sample_files():
        df = read_sample(path)
        if "wuzhou" in path.name:
            assert df["fund_service"].min() >= 100_000 and df["fund_work"].min() >= 50_000
        if "cenxi" in path.name:
            assert (df["fund_service"] + df["fund_work"] + df["fund_party"]).unique().to_list() == [180_000]
        if "guigang" in path.name:
            assert df["fund_service"].min() >= 200_000


def test_earlier_periods_cover_less() -> None:
    frames = {p.name: read_sample(p) for p in sample_files()}
    for slug in ("wuzhou", "guigang", "jinyuan", "zhushan"):
        cov = []
        for period in ("2023", "2024", "2025"):
            (df,) = [f for n, f in frames.items() if f"_{slug}_{period}" in n]
            cov.append(df["compounds_with_party_org"].sum() / df["compounds"].sum())
        assert cov[0] < cov[1] < cov[2], (slug, cov)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "gov.duckdb"
    db = open_database(path)
    try:
        loc = pl.DataFrame([(*r, None) for r in LOCALITIES], orient="row",
                           schema=["locality_id", "name_zh", "name_en", "level", "parent_id", "adcode"])
        with db.transaction() as cur:
            cur.register("_loc", loc.to_arrow())
            cur.execute(f"INSERT INTO localities ({', '.join(loc.columns)}) SELECT * FROM _loc")
            cur.unregister("_loc")
    finally:
        close_database(path)
    return path


def test_every_sample_imports_cleanly(db_path: Path) -> None:
    db = open_database(db_path)
    try:
        with db.batch():  # one publish for every sample, as the dashboard's first start does
            for path in sample_files():  # name order, as bootstrap imports them
                result = import_file(db, path, who="bootstrap", synthetic=True)
                assert result.ok and not result.problems, (path.name, result.problems[:5])
                assert not result.warnings, (path.name, result.warnings)
        cur = db.reader()
        registry = datasets(cur)
        rows = community_rows(cur)
    finally:
        close_database(db_path)
    assert registry.height == 18
    assert registry["synthetic"].all() and (registry["status"] == "active").all()
    wuzhou = rows.filter((pl.col("city_id") == "450400") & (pl.col("period") == "2025"))
    assert wuzhou.height == 57 and wuzhou["grids"].sum() == 613
    assert rows["synthetic"].all()
