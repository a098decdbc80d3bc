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
    "sar_city": "city",                        # a 特别行政区 as the city its districts belong to
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
    "undivided_city": "district",              # a 地级市 with no county-level units (东莞, 中山, 儋州, 嘉峪关) as its own district
    "directly_administered": "district",       # the area a prefecture administers itself (海西州直辖)
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
        ("自治县", "autonomous_county"), ("自治旗", "autonomous_banner"), ("特区", "special_district"), ("区", "district"), ("县", "county"), ("市", "county_level_city"),
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


# Names whose suffix misleads: 万柏林区, 碑林区 and 北林区 end in 林区 but are districts; 神农架林区 is
# the one forestry district. Checked before the suffixes.
NAMED_KINDS: dict[str, str] = {"神农架林区": "forestry_district"}


def kind_from_name(name: str, tier: str) -> str | None:
    """The kind a Chinese name's suffix implies on a known tier, or None when the suffix says nothing."""
    if tier == "district" and name in NAMED_KINDS:
        return NAMED_KINDS[name]
    for suffix, kind in SUFFIX_KIND.get(tier, ()):
        if name.endswith(suffix):
            return kind
    return None


def kinds_on(tier: str) -> tuple[str, ...]:
    """Every kind that stands on a tier."""
    return tuple(k for k, t in KIND_TIER.items() if t == tier)


# The 56 ethnic groups (and 各族, "various nationalities") as they appear in the names of autonomous
# units: 石柱土家族自治县 is 石柱 + 土家族 + 自治县. Needed to find a unit's short form (石柱县, 石柱).
ETHNIC_GROUPS: tuple[str, ...] = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克",
    "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬",
    "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克",
    "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各",
)
_BY_LENGTH = sorted(ETHNIC_GROUPS, key=len, reverse=True)
# an autonomous unit's suffix -> the suffix of its short form (延边朝鲜族自治州 -> 延边州)
_AUTONOMOUS_SHORT = {"自治区": "", "自治州": "州", "自治县": "县", "自治旗": "旗"}


def split_ethnic(stem: str) -> tuple[str, list[str]]:
    """石柱土家族 -> (石柱, [土家]); 伊犁哈萨克 -> (伊犁, [哈萨克]); 东乡族 -> ("", [东乡]).

    A one-character group counts only with 族 (水, 土, 白 end many place names); longer ones may drop it.
    """
    found: list[str] = []
    while True:
        for group in _BY_LENGTH:
            forms = (group + "族",) if len(group) == 1 else (group + "族", group)
            hit = next((f for f in forms if stem.endswith(f)), None)
            if hit:
                found.insert(0, group)
                stem = stem[: -len(hit)]
                break
        else:
            return stem, found


def name_forms(name: str, tier: str) -> set[str]:
    """The ways people write a unit's name: in full, without its suffix (咸阳市 -> 咸阳) and, for an
    autonomous unit, its short form (广西壮族自治区 -> 广西, 凉山彝族自治州 -> 凉山州 / 凉山, 石柱土家族自治县 ->
    石柱县 / 石柱). A form of one character is never offered (藤县 stays 藤县)."""
    forms = {name}
    for suffix, _kind in SUFFIX_KIND.get(tier, ()):
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if len(stem) >= 2:
                forms.add(stem)
            if suffix in _AUTONOMOUS_SHORT:
                place, groups = split_ethnic(stem)
                if groups and len(place) >= 2:
                    forms.update({place, place + _AUTONOMOUS_SHORT[suffix]})
                elif groups and not place and _AUTONOMOUS_SHORT[suffix]:  # 东乡族自治县 -> 东乡县
                    forms.add(groups[0] + _AUTONOMOUS_SHORT[suffix])
            break
    if tier == "district" and NAMED_KINDS.get(name) == "forestry_district":
        forms.add(name[:-2])  # 神农架林区 -> 神农架 (林区 is not a suffix rule: 万柏林区 is a 区)
    return forms
