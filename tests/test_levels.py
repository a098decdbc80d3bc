"""The level vocabulary: every kind has a tier, and suffixes map names to kinds on their tier."""

import pytest

from store.levels import KIND_TIER, TIERS, kind_from_name, kinds_on, tier_of


def test_every_kind_stands_on_a_known_tier():
    assert set(KIND_TIER.values()) <= set(TIERS)


@pytest.mark.parametrize(
    ("name", "tier", "kind"),
    [
        ("岑溪市", "district", "county_level_city"),
        ("通化县", "district", "county"),
        ("万秀区", "district", "district"),
        ("大厂回族自治县", "district", "autonomous_county"),
        ("鄂温克族自治旗", "district", "autonomous_banner"),
        ("神农架林区", "district", "forestry_district"),
        ("万柏林区", "district", "district"),  # ends in 林区, is a 区
        ("六枝特区", "district", "special_district"),
        ("梧州市", "city", "prefecture_city"),
        ("延边朝鲜族自治州", "city", "autonomous_prefecture"),
        ("阿拉善盟", "city", "league"),
        ("广西壮族自治区", "province", "autonomous_region"),
        ("北京市", "province", "municipality"),
        ("岑城镇", "street", "town"),
        ("孝坊社区", "community", "community"),
    ],
)
def test_suffix_gives_the_kind_on_its_tier(name, tier, kind):
    assert kind_from_name(name, tier) == kind
    assert tier_of(kind) == tier


def test_a_name_without_a_known_suffix_has_no_kind():
    assert kind_from_name("某地", "district") is None


def test_county_tier_lists_counties_and_county_level_cities():
    assert {"county", "county_level_city", "district"} <= set(kinds_on("district"))
