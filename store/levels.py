"""The vocabulary of administrative levels: the fine kind of a place (区, 县, 县级市 ...) and the tier it sits on.

Two words, two jobs. The *tier* is structural: which column of a roster a place fills (a city-tier
place is a roster's `city`, a district-tier place its `district`), and what the localities table's
`level` holds. The *kind* is what the place is: 岑溪市 is a county-level city on the district tier,
通化县 a county on the same tier, 万秀区 a district. Published figures keep the kind in
`facts.locality_level`, because a report's claim about a 县级市 is not a claim about a 市辖区, and the
localities table keeps it in `kind`.
"""

from __future__ import annotations

TIERS: tuple[str, ...] = ("country", "province", "city", "district", "street", "community", "compound")

# kind -> tier. Ordered from the top down; the order is the order of the tier and then of the kind.
KIND_TIER: dict[str, str] = {
    "country": "country",
    # province tier
    "province": "province",                    # 省
    "autonomous_region": "province",           # 自治区
    "municipality": "province",                # 直辖市 (also stands on the city tier, see MUNICIPALITY_CITY)
    "sar": "province",                         # 特别行政区
    # city (prefecture) tier
    "prefecture_city": "city",                 # 地级市
    "autonomous_prefecture": "city",           # 自治州
    "prefecture": "city",                      # 地区
    "league": "city",                          # 盟
    "municipality_city": "city",               # a 直辖市 as the city its districts belong to
    "province_direct": "city",                 # 省直辖县级行政区划: a grouping, not a place
    # district (county) tier
    "district": "district",                    # 市辖区
    "county": "district",                      # 县
    "autonomous_county": "district",           # 自治县
    "county_level_city": "district",           # 县级市
    "banner": "district",                      # 旗
    "autonomous_banner": "district",           # 自治旗
    "forestry_district": "district",           # 林区
    "special_district": "district",            # 特区
    # below the county: no reference list exists; rosters name them freely
    "street": "street",                        # 街道
    "town": "street",                          # 镇
    "township": "street",                      # 乡 / 民族乡 / 苏木
    "community": "community",                  # 社区
    "village": "community",                    # 村
    "compound": "compound",                    # 小区
}
KINDS: tuple[str, ...] = tuple(KIND_TIER)

# Suffix -> kind for names whose tier is known, longest suffix first (自治县 before 县).
# A 市 on the district tier is a county-level city; on the city tier a prefecture-level city.
SUFFIX_KIND: dict[str, tuple[tuple[str, str], ...]] = {
    "province": (("特别行政区", "sar"), ("自治区", "autonomous_region"), ("省", "province"), ("市", "municipality")),
    "city": (("自治州", "autonomous_prefecture"), ("地区", "prefecture"), ("盟", "league"), ("市", "prefecture_city")),
    "district": (
        ("自治县", "autonomous_county"), ("自治旗", "autonomous_banner"), ("林区", "forestry_district"),
        ("特区", "special_district"), ("区", "district"), ("县", "county"), ("市", "county_level_city"),
        ("旗", "banner"),
    ),
    "street": (("街道办事处", "street"), ("街道", "street"), ("民族乡", "township"), ("苏木", "township"),
               ("镇", "town"), ("乡", "township")),
    "community": (("居委会", "community"), ("社区", "community"), ("村委会", "village"), ("村", "village")),
    "compound": (("小区", "compound"),),
}


def tier_of(kind: str | None) -> str | None:
    """The tier a kind stands on (None for an unknown or empty kind)."""
    return KIND_TIER.get(kind or "")


def kind_from_name(name: str, tier: str) -> str | None:
    """The kind a Chinese name's suffix implies on a known tier, or None when the suffix says nothing."""
    for suffix, kind in SUFFIX_KIND.get(tier, ()):
        if name.endswith(suffix):
            return kind
    return None


def kinds_on(tier: str) -> tuple[str, ...]:
    """Every kind that stands on a tier."""
    return tuple(k for k, t in KIND_TIER.items() if t == tier)
