"""The small locality table the store tests import rosters against: Guangxi, Wuzhou, Guigang."""

from __future__ import annotations

import polars as pl

COLUMNS = ["locality_id", "name_zh", "name_en", "level", "parent_id", "adcode"]
LOCALITIES = [
    ("450000", "广西壮族自治区", "Guangxi", "province", None, "450000"),
    ("450400", "梧州市", "Wuzhou", "city", "450000", "450400"),
    ("450403", "万秀区", "Wanxiu District", "district", "450400", "450403"),
    ("450405", "长洲区", "Changzhou District", "district", "450400", "450405"),
    ("450406", "龙圩区", "Longxu District", "district", "450400", "450406"),
    ("450481", "岑溪市", "Cenxi", "district", "450400", "450481"),
    ("450800", "贵港市", "Guigang", "city", "450000", "450800"),
    ("450802", "港北区", "Gangbei District", "district", "450800", "450802"),
    ("450403/城东街道", "城东街道", "Chengdong Subdistrict", "street", "450403", None),
]
LOC = pl.DataFrame(LOCALITIES, schema=COLUMNS, orient="row")


def insert_localities(cur) -> None:
    """Fill the localities table inside an open transaction."""
    cur.register("_loc", LOC.to_arrow())
    try:
        cur.execute(f"INSERT INTO localities ({', '.join(COLUMNS)}) SELECT * FROM _loc")
    finally:
        cur.unregister("_loc")
