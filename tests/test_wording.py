"""The wording rules of figures/wording.py: a table of report wordings and the interval each implies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from figures.wording import (
    ABOUT_BAND,
    Interval,
    interval,
    last_digit,
    last_nonzero_digit,
    per_of,
    period_of,
    plain,
    read,
    read_one,
    unit_kind,
)

INF = None

# phrase, value (base units), qualifier, low, high, bounds, unit
WORDINGS = [
    # X多 / X余: bounded by the last non-zero written digit
    ("3万多名在职党员", 30000, "more_than", 30000, 40000, "[)", "名"),
    ("“为民办实事”项目2600多个", 2600, "more_than", 2600, 2700, "[)", "个"),
    ("划分610多个网格", 610, "more_than", 610, 620, "[)", "个"),
    ("清理城区社区管理事项20多项", 20, "more_than", 20, 30, "[)", "项"),
    ("20余家社会组织", 20, "more_than", 20, 30, "[)", "家"),
    ("落实社区各项经费6000多万元", 60_000_000, "more_than", 60_000_000, 70_000_000, "[)", "元"),
    ("培训党员干部6.4万余人次", 64000, "more_than", 64000, 65000, "[)", "人次"),
    ("满足个人心愿需求24000多个", 24000, "more_than", 24000, 25000, "[)", "个"),
    ("楼宇党支部(党小组)1350多个", 1350, "more_than", 1350, 1360, "[)", "个"),
    ("解决难题23万多件", 230000, "more_than", 230000, 240000, "[)", "件"),
    ("楼栋长和单元长1000余人", 1000, "more_than", 1000, 2000, "[)", "人"),
    ("邻里矛盾纠纷1600多条(次)", 1600, "more_than", 1600, 1700, "[)", "条(次)"),
    ("月平均达到3800多元", 3800, "more_than", 3800, 3900, "[)", "元"),
    ("全市２４００多个", 2400, "more_than", 2400, 2500, "[)", "个"),
    # 超过 X / X以上: strictly more, unbounded
    ("超过3万名", 30000, "more_than", 30000, INF, "()", "名"),
    ("全部达到500平方米以上", 500, "more_than", 500, INF, "()", "平方米"),
    ("带领4个以上市直部门", 4, "more_than", 4, INF, "()", "个"),
    ("每年召开1次以上物业管理联席会议", 1, "more_than", 1, INF, "()", "次"),
    # shares are capped at 100 %
    ("全市98%以上的无物业管理小区", 98, "more_than", 98, 100, "(]", "%"),
    ("超过90%", 90, "more_than", 90, 100, "(]", "%"),
    ("451个小区100%覆盖", 100, "exact", Decimal("99.5"), 100, "[]", "%"),
    # ... but a growth rate is not a share
    ("增长率108%", 108, "exact", Decimal("107.5"), Decimal("108.5"), "[]", "%"),
    # 不少于 X / 至少 X / 不低于 X: at least
    ("服务群众专项经费不少于10万元", 100000, "at_least", 100000, INF, "[)", "元"),
    ("每个城市社区不低于20万元/年", 200000, "at_least", 200000, INF, "[)", "元"),
    ("每年至少听取一次城市基层党建", 1, "at_least", 1, INF, "[)", "次"),
    ("年内至少走访联系街道社区1次", 1, "at_least", 1, INF, "[)", "次"),
    ("每年培训时长不少于60学时", 60, "at_least", 60, INF, "[)", "学时"),
    # 不到 X / X以内: below X; 不超过 X: at most X
    ("不到50%", 50, "up_to", 0, 50, "[)", "%"),
    ("3个以内", 3, "up_to", 0, 3, "[)", "个"),
    ("不超过5个", 5, "up_to", 0, 5, "[]", "个"),
    # 约 X / X左右 / 近 X: ±10 %, never narrower than the stated precision; 近 from below
    ("1000人左右", 1000, "about", 900, 1100, "[]", "人"),
    ("变为1万人左右", 10000, "about", 5000, 15000, "[]", "人"),
    ("累计投入约2000万元", 20_000_000, "about", 18_000_000, 22_000_000, "[]", "元"),
    ("面积约1600平方米", 1600, "about", 1440, 1760, "[]", "平方米"),
    ("近3万人", 30000, "about", 25000, 30000, "[]", "人"),
    # exact figures: the stated precision, zeros included
    ("组团式服务5.53万人次", 55300, "exact", 55250, 55350, "[]", "人次"),
    ("划分为613个网格", 613, "exact", Decimal("612.5"), Decimal("613.5"), "[]", "个"),
    ("增加到20.56万人", 205600, "exact", 205550, 205650, "[]", "人"),
    ("整合资金7.23亿元", 723_000_000, "exact", 722_500_000, 723_500_000, "[]", "元"),
    ("服务群众专项经费共18万元", 180000, "exact", 175000, 185000, "[]", "元"),
    ("投入600万元", 6_000_000, "exact", 5_995_000, 6_005_000, "[]", "元"),
    ("改造背街小巷670条", 670, "exact", Decimal("669.5"), Decimal("670.5"), "[]", "条"),
    ("“提质增效”九条措施", 9, "exact", Decimal("8.5"), Decimal("9.5"), "[]", "条"),
    ("港北区、港南区两个", 2, "exact", Decimal("1.5"), Decimal("2.5"), "[]", "个"),
    # ranges: one figure, both ends stated
    ("每个街道安排经费30—50万元", 300000, "at_least", 300000, 500000, "[]", "元"),
    ("常住居民300至500户", 300, "at_least", 300, 500, "[]", "户"),
    ("吸收4—5名党组织负责人", 4, "at_least", 4, 5, "[]", "名"),
]


@pytest.mark.parametrize(("phrase", "value", "qualifier", "low", "high", "bounds", "unit"), WORDINGS)
def test_wording_implies_interval(phrase, value, qualifier, low, high, bounds, unit):
    r = read_one(phrase, value)
    assert (r.qualifier, r.low, r.high, r.bounds, r.unit) == (
        qualifier,
        None if low is None else Decimal(low),
        None if high is None else Decimal(high),
        bounds,
        unit,
    )


def test_the_table_covers_enough_wordings():
    assert len(WORDINGS) >= 40


def test_numbers_listed_with_a_comma_share_their_wording():
    got = [(r.value, r.qualifier, r.unit) for r in read("不少于300、500平方米")]
    assert got == [(300, "at_least", "平方米"), (500, "at_least", "平方米")]


def test_every_figure_of_a_phrase_is_read_in_order():
    assert [r.value for r in read("整改清单共25份112条")] == [25, 112]


@pytest.mark.parametrize("phrase", ["一肩挑", "位列全国第十二", "一对一", "三岗十八级"])
def test_chinese_numerals_count_only_before_a_measure_word(phrase):
    assert read(phrase) == []


def test_about_and_near_do_not_reach_across_words():
    # 近年来 is "in recent years", 约谈 "a summons": neither qualifies a number further on
    assert read_one("近年来，成立41个").qualifier == "exact"
    assert read_one("进行了约谈，免职了1名").qualifier == "exact"


def test_read_one_names_what_a_phrase_states():
    with pytest.raises(ValueError, match="states no figure 7"):
        read_one("划分为613个网格", 7)


# ------------------------------------------------------------------ denominators and periods
@pytest.mark.parametrize(
    ("context", "per"),
    [
        ("每年召开一次全体会议", "year"),
        ("每个城市社区不低于20万元/年", "community"),
        ("落实每个社区每年服务群众专项经费不少于10万元", "community"),
        ("每个街道安排经费30—50万元", "street"),
        ("月平均达到3800多元", "month"),
        ("社区工作者月工资人均增长600元", "month"),
        ("每季度至少召开1次联席会议", "quarter"),
        ("以常住居民300至500户或1000人左右为标准划分网格", ""),
        ("每个网格常住居民300至500户", "grid"),
        ("全市57个社区", ""),
    ],
)
def test_per(context, per):
    assert per_of(context) == per


@pytest.mark.parametrize(
    ("context", "period_kind", "since"),
    [
        ("累计动员17000多名", "cumulative", ""),
        ("去年以来，全市推动共办活动5000多场次", "cumulative", "-1"),
        ("近两年累计投入约2000万元", "cumulative", "-1"),
        ("近三年投入", "cumulative", "-2"),
        ("2019年以来累计投入", "cumulative", "2019"),
        ("先后挑选7批共215名", "cumulative", ""),
        ("今年以来累计为社区居民提供各类服务5万多人次", "annual", ""),
        ("今年以来共化解矛盾纠纷112起", "annual", ""),
        ("年内有效解决问题诉求2400多项", "annual", ""),
        ("2021年，园区规模以上工业企业达547家", "annual", ""),
        ("目前全市639个城市居民小区", "point", ""),
        ("截至目前，全市拟建项目286个", "point", ""),
        ("每月召开1次联席会议", "point", ""),
        ("全市57个社区", "unknown", ""),
        ("全市共有街道9个", "point", ""),  # 共有: what the city has, a stock
        ("下辖7个街道", "point", ""),
        ("累计共有3万多名党员参与", "cumulative", ""),  # 累计 first
    ],
)
def test_period(context, period_kind, since):
    assert period_of(context) == (period_kind, since)


# ------------------------------------------------------------------ intervals
@pytest.mark.parametrize(
    ("written", "last", "nonzero"),
    [("5.53万", 100, 100), ("2600", 1, 100), ("610", 1, 10), ("3万", 10000, 10000), ("6000万", 10000, 10_000_000),
     ("6.40", Decimal("0.01"), Decimal("0.1")), ("0", 1, 1)],
)
def test_digit_places(written, last, nonzero):
    assert (last_digit(written), last_nonzero_digit(written)) == (Decimal(last), Decimal(nonzero))


@pytest.mark.parametrize(
    ("iv", "inside", "outside"),
    [
        (Interval(Decimal(30000), Decimal(40000), True, False), [30000, 39999.5], [29299, 40000]),
        (Interval(Decimal(610), Decimal(620), True, False), [613, 610], [609.9, 620]),
        (Interval(Decimal(500), None, False, False), [500.5, 1e9], [500, 499]),
        (Interval(Decimal("0.995"), Decimal(1)), [199 / 200, 1.0], [0.99, 1.0001]),
    ],
)
def test_contains_respects_open_and_closed_ends(iv, inside, outside):
    assert all(iv.contains(x) for x in inside)
    assert not any(iv.contains(x) for x in outside)


def test_interval_from_a_qualifier_alone_takes_its_loosest_reading():
    assert str(interval(2600, "more_than")) == "(2600, ∞)"
    assert str(interval(5, "up_to")) == "[0, 5]"
    assert str(interval(613, "exact")) == "[612.5, 613.5]"


def test_about_band_is_ten_percent():
    assert ABOUT_BAND == Decimal("0.1")


def test_written_must_state_the_value():
    with pytest.raises(ValueError, match="not the value"):
        interval(55300, "exact", written="5.5万")


def test_a_range_needs_its_upper_end():
    with pytest.raises(ValueError, match="upper"):
        interval(300000, "range")


def test_intervals_round_trip_through_csv_cells():
    iv = interval(2600, "more", written="2600")
    assert Interval.from_cells(plain(iv.low), plain(iv.high), iv.bounds) == iv
    assert Interval.from_cells("500", "", "()") == Interval(Decimal(500), None, False, False)


def test_scaled_keeps_the_ends():
    assert interval(100, "exact", percent=True).scaled("0.01") == Interval(Decimal("0.995"), Decimal(1))


@pytest.mark.parametrize(("unit", "kind"), [("人次", "person_times"), ("元", "yuan"), ("名", "persons"), ("个", None)])
def test_unit_kind(unit, kind):
    assert unit_kind(unit) == kind
