"""figures/extract.py: which numbers of a report are figures, their wording, evidence, place and indicator."""

from __future__ import annotations

import re
from decimal import Decimal

import polars as pl
import pytest

from figures.extract import CANDIDATE_COLUMNS, Extractor, check_evidence, paragraphs
from figures.readers import Document

LOC = pl.DataFrame(
    [
        ("320000", "江苏省", "province", "province", None, "320000"),
        ("320100", "南京市", "city", "prefecture_city", "320000", "320100"),
        ("320106", "鼓楼区", "district", "district", "320100", "320106"),
        ("350000", "福建省", "province", "province", None, "350000"),
        ("350100", "福州市", "city", "prefecture_city", "350000", "350100"),
        ("350102", "鼓楼区", "district", "district", "350100", "350102"),
        ("350181", "福清市", "district", "county_level_city", "350100", "350181"),
        ("350121", "闽侯县", "district", "county", "350100", "350121"),
    ],
    schema=["locality_id", "name_zh", "level", "kind", "parent_id", "adcode"],
    orient="row",
)


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor(LOC)


def doc(body: str, title: str = "福建省福州市福清市：社区治理工作报告") -> Document:
    return Document(name="t.txt", format="txt", text=f"{title}\n\n{body}\n", title=title)


def only(ex: Extractor, body: str) -> dict:
    found = ex.extract(doc(body)).candidates
    assert len(found) == 1, [c["evidence"] for c in found]
    return found[0]


INF = None
# phrase (in a sentence of its own), value in base units, qualifier, low, high, unit
PHRASES = [
    ("全市共有社区57个", 57, "exact", Decimal("56.5"), Decimal("57.5"), "个"),
    ("划分网格1,280个", 1280, "exact", Decimal("1279.5"), Decimal("1280.5"), "个"),
    ("划分网格１２８０个", 1280, "exact", Decimal("1279.5"), Decimal("1280.5"), "个"),
    ("建成社区党组织一百二十个", 120, "exact", Decimal("119.5"), Decimal("120.5"), "个"),
    ("成立两个工作专班", 2, "exact", Decimal("1.5"), Decimal("2.5"), "个"),
    ("三万余人参加志愿服务", 30000, "more_than", 30000, 40000, "人"),
    ("十余家物业企业建立党组织", 10, "more_than", 10, 20, "家"),
    ("在职党员2600多名", 2600, "more_than", 2600, 2700, "名"),
    ("解决问题23万多件", 230000, "more_than", 230000, 240000, "件"),
    ("培训6.4万余人次", 64000, "more_than", 64000, 65000, "人次"),
    ("投入资金6000多万元", 60_000_000, "more_than", 60_000_000, 70_000_000, "元"),
    ("超过3万名党员参与", 30000, "more_than", 30000, INF, "名"),
    ("服务中心面积均在500平方米以上", 500, "more_than", 500, INF, "平方米"),
    ("覆盖率达98%以上", 98, "more_than", 98, 100, "%"),
    ("逾200个小区成立业委会", 200, "more_than", 200, INF, "个"),
    ("工作经费不少于10万元", 100000, "at_least", 100000, INF, "元"),
    ("每个社区至少配备5名专职社区工作者", 5, "at_least", 5, INF, "名"),
    ("培训时长不低于60学时", 60, "at_least", 60, INF, "学时"),
    ("每年至少召开一次联席会议", 1, "at_least", 1, INF, "次"),
    ("每个网格不超过300户", 300, "up_to", 0, 300, "户"),
    ("办结时限不到5天", 5, "up_to", 0, 5, "天"),
    ("事项控制在3个以内", 3, "up_to", 0, 3, "个"),
    ("约1500名群众参加", 1500, "about", 1350, 1650, "名"),
    ("群众1000人左右", 1000, "about", 900, 1100, "人"),
    ("近3万人受益", 30000, "about", 25000, 30000, "人"),
    ("投入约2000万元", 20_000_000, "about", 18_000_000, 22_000_000, "元"),
    ("每个街道安排经费30—50万元", 300000, "at_least", 300000, 500000, "元"),
    ("每个网格100至300户", 100, "at_least", 100, 300, "户"),
    ("配备4—5名网格员", 4, "at_least", 4, 5, "名"),
    ("常住人口20.56万人", 205600, "exact", 205550, 205650, "人"),
    ("整合资金7.23亿元", 723_000_000, "exact", 722_500_000, 723_500_000, "元"),
    ("服务5.53万人次", 55300, "exact", 55250, 55350, "人次"),
    ("小区党组织覆盖率100%", 100, "exact", Decimal("99.5"), 100, "%"),
    ("增长率108%", 108, "exact", Decimal("107.5"), Decimal("108.5"), "%"),
    ("建成党群服务中心1426个", 1426, "exact", Decimal("1425.5"), Decimal("1426.5"), "个"),
    ("改造背街小巷670条", 670, "exact", Decimal("669.5"), Decimal("670.5"), "条"),
    ("建立服务小分队212支", 212, "exact", Decimal("211.5"), Decimal("212.5"), "支"),
    ("选派2批次干部", 2, "exact", Decimal("1.5"), Decimal("2.5"), "批次"),
    ("连续三年获评先进", 3, "exact", Decimal("2.5"), Decimal("3.5"), "年"),
    ("开展活动两个月", 2, "exact", Decimal("1.5"), Decimal("2.5"), "个月"),
    ("志愿服务时长41.2万小时", 412000, "exact", 411500, 412500, "小时"),
    ("每月召开1次联席会议", 1, "exact", Decimal("0.5"), Decimal("1.5"), "次"),
]


@pytest.mark.parametrize(("phrase", "value", "qualifier", "low", "high", "unit"), PHRASES)
def test_phrase_gives_value_qualifier_interval_and_unit(ex, phrase, value, qualifier, low, high, unit):
    c = only(ex, phrase + "。")
    assert (Decimal(c["value"]), c["qualifier"], c["unit"]) == (Decimal(value), qualifier, unit)
    assert (c["low"], c["high"]) == ("" if low is None else str(Decimal(low).normalize().__format__("f")),
                                      "" if high is None else str(Decimal(high).normalize().__format__("f")))


def test_the_phrase_table_is_long_enough():
    assert len(PHRASES) >= 40


# ------------------------------------------------------------------ what is not a figure
EXCLUDED = [
    ("2023年，全面推进改革。", "date"),
    ("2018—2022年持续推进。", "date"),
    ("10月开展专项行动。", "date"),
    ("去年6月份召开会议。", "date"),
    ("1—6月推进整改。", "date"),
    ("近两年推进改革。", "period"),
    ("三年来坚持不懈。", "period"),
    ("5年内全部完成。", "period"),
    ("依据福委发〔2021〕12号文件推进。", "document_number"),
    ("按照“1+8+N”思路推进。", "slogan"),
    ("推行“六个一”工作法。", "slogan"),
    ("打造“一核五治”品牌，形成“四位一体”格局。", "slogan"),
    ("出台《2019—2021年三年行动计划》。", "slogan"),
    ("按照1+1+N模式推进。", "slogan"),
    ("解决一批难点问题。", "indefinite"),
    ("这是一项系统工程。", "indefinite"),
    ("排名前3的社区获得表彰。", "rank"),
    ("打造城市基层党建2.0版。", "code"),
    ("60岁以上老人全覆盖。", "code"),
]


@pytest.mark.parametrize(("sentence", "kind"), EXCLUDED)
def test_not_a_figure(ex, sentence, kind):
    result = ex.extract(doc(sentence))
    assert result.candidates == [], [c["evidence"] for c in result.candidates]
    assert result.excluded[kind] >= 1


@pytest.mark.parametrize("text", ["一、加强组织建设", "（三）完善制度。", "第一，压实责任。", "一是压实责任。", "1.加强领导。"])
def test_article_numbering_is_counted_not_extracted(ex, text):
    result = ex.extract(doc(text))
    assert result.candidates == []
    assert result.excluded["numbering"] >= 1


def test_a_number_in_a_slogan_counts_where_it_is_also_stated_as_a_measurement(ex):
    result = ex.extract(doc("推行“五个清单”工作法，建立5个清单台账。"))
    assert [(c["value"], c["evidence"]) for c in result.candidates] == [("5", "5个清单台账")]
    assert result.excluded["slogan"] == 1


def test_a_long_quotation_is_not_a_slogan(ex):
    c = only(ex, "他说：“今年我们全市新建了社区党群服务中心35个，群众很满意。”")
    assert c["value"] == "35"


def test_one_as_a_frequency_is_a_figure(ex):
    assert only(ex, "社区党组织每年召开一次居民会议。")["value"] == "1"


def test_a_sentence_printed_twice_gives_its_figures_once(ex):
    result = ex.extract(doc("全市建成社区党组织88个。\n\n全市建成社区党组织88个。"))
    assert len(result.candidates) == 1
    assert result.excluded["repeated"] == 1


def test_summary_names_the_file_and_counts_exclusions_by_kind(ex):
    result = ex.extract(doc("2023年，全市建成小区党支部25个，解决一批问题。"))
    assert result.summary().startswith("t.txt: 1 candidate figures")
    assert "1 date" in result.summary() and "1 indefinite" in result.summary()


# ------------------------------------------------------------------ evidence
def test_evidence_is_short_verbatim_and_found_at_its_offset(ex):
    body = ("福清市坚持党建引领，建立各类党组织960个，推动3125名口袋党员纳入管理，\n"
            "服务群众专项经费不少于10万元，每年至少听取一次城市基层党建工作汇报。")
    d = doc(body)
    result = ex.extract(d)
    assert len(result.candidates) == 4
    for c in result.candidates:
        assert 0 < len(c["evidence"]) <= 40
        assert check_evidence(d.text, c["evidence"])
        flat = re.sub(r"\s", "", d.text[c["offset"]:c["offset"] + 60])
        assert flat.startswith(re.sub(r"\s", "", c["evidence"]))
        assert set(CANDIDATE_COLUMNS) <= set(c)
    ev = {c["value"]: c["evidence"] for c in result.candidates}
    assert ev["960"] == "各类党组织960个"
    assert ev["3125"].startswith("3125名口袋党员")
    assert "不少于10万元" in ev["100000"]
    assert ev["1"].startswith("至少")  # the bound that reaches the number is part of its evidence


def test_a_paragraph_broken_by_a_page_and_a_caption_is_read_as_one():
    text = ("福清市：报告\n\n" + "福清市积极推进社区治理，常态化梳理解决了各类居民群众反映强烈、长期以来得不到解决的各种问题，" * 2 + "关心\n\n"
            "福清市开展志愿服务活动。\n\n的“急难愁盼”问题1200多个。\n")
    d = Document(name="t.txt", format="txt", text=text, title="福清市：报告")
    paras = [p.text for p in paragraphs(d)]
    assert any(p.endswith("关心的“急难愁盼”问题1200多个。") for p in paras)
    assert "福清市开展志愿服务活动。" in paras
    c = Extractor(LOC).extract(d).candidates[0]
    assert check_evidence(text, c["evidence"]) and c["value"] == "1200"


# ------------------------------------------------------------------ places
def test_main_place_comes_from_the_title_and_is_the_default(ex):
    c = only(ex, "社区工作者队伍不断壮大，共有社区工作者300名。")
    assert (c["locality"], c["locality_level"], c["parent"], c["adcode"]) == ("福清市", "county_level_city", "福州市", "350181")


def test_a_name_two_cities_share_is_resolved_by_the_places_named_before_it():
    d = Document(name="t.txt", format="txt", title="江苏省南京市鼓楼区：报告",
                 text="江苏省南京市鼓楼区：报告\n\n鼓楼区建成小区党支部210个。\n")
    c = Extractor(LOC).extract(d).candidates[0]
    assert (c["locality"], c["adcode"], c["parent"]) == ("鼓楼区", "320106", "南京市")


def test_the_nearest_place_before_the_figure_in_its_paragraph(ex):
    result = ex.extract(doc("福清市建成社区党组织40个，闽侯县建成社区党组织30个。"))
    assert [(c["value"], c["locality"], c["locality_level"]) for c in result.candidates] == [
        ("40", "福清市", "county_level_city"), ("30", "闽侯县", "county")]


def test_a_heading_that_names_a_place_is_the_default_below_it(ex):
    body = "福建省福州市闽侯县：经验做法\n\n全县建成小区党支部38个。\n\n社区党组织书记年内培训2次。"
    result = ex.extract(doc(body))
    assert {c["locality"] for c in result.candidates} == {"闽侯县"}


def test_places_in_a_list_or_before_deng_name_no_single_scope(ex):
    result = ex.extract(doc("福清市、闽侯县两个县（市）建立联席会议，闽侯县等3个县设立服务站。"))
    assert {c["value"]: c["locality"] for c in result.candidates} == {"2": "福清市", "3": "福清市"}


def test_a_place_below_the_district_keeps_its_parent(ex):
    c = only(ex, "例如，福清市玉屏街道三山社区组建志愿服务队12支。")
    assert (c["locality"], c["locality_level"], c["parent"]) == ("三山社区", "community", "玉屏街道")


def test_verbs_before_a_suffix_are_not_a_place_name(ex):
    c = only(ex, "全面推行社区网格化管理，划分网格120个。")
    assert c["locality"] == "福清市"


def test_localities_without_a_kind_column_are_read_by_the_names_suffix():
    d = doc("社区工作者共有300名。")
    c = Extractor(LOC.drop("kind")).extract(d).candidates[0]
    assert (c["locality"], c["locality_level"]) == ("福清市", "county_level_city")


# ------------------------------------------------------------------ indicators
@pytest.mark.parametrize(
    ("sentence", "indicator"),
    [
        ("全市共有小区451个。", "compounds"),
        ("小区党组织覆盖率达100%。", "compound_coverage"),
        ("划分网格613个。", "grids"),
        ("3万多名在职党员到社区报到。", "reported_members"),
        ("组团式服务5.53万人次。", "service_person_times"),
        ("每个社区每年落实服务群众专项经费不少于10万元。", "fund_service_per_community"),
        ("共化解矛盾纠纷112起。", "disputes_mediated"),
        ("组建志愿服务队80多支。", "volunteer_teams"),
        ("全县组建小区党支部38个。", "compound_party_branches"),
        ("开展服务活动两个月。", ""),  # a duration counts no catalog indicator
        ("建立各类社区党组织960个。", ""),  # 社区党组织 is not a count of 社区
        ("陈杨寨街道建成党群服务中心15个。", ""),  # centres, not streets: the place's own 街道 lends nothing
        ("党群服务中心面积达到5000平方米。", "service_center_area_m2"),
        ("公开选聘社区工作者397名。", "workers_recruited"),  # a row whose requires words stand here comes first
        ("全市有社区工作者500名。", "workers"),
        ("全市有物业企业120家。", "property_companies"),
        ("建立服务小分队212支。", "volunteer_teams"),
        ("组建了80多支以驻区党员骨干为主体的志愿服务队伍。", "volunteer_teams"),  # a modifier ending in 的 between
    ],
)
def test_indicator_whose_term_and_unit_agree(ex, sentence, indicator):
    c = only(ex, sentence)
    assert c["indicator"] == indicator
    assert c["theme"]


def test_a_term_before_a_verb_of_making_is_where_the_counted_thing_was_made_not_what_is_counted(ex):
    assert only(ex, "指导小区建立业主委员会195个。")["indicator"] == ""  # committees, not compounds
    assert only(ex, "全县组建小区党支部38个。")["indicator"] == "compound_party_branches"


def test_a_modifier_holding_another_number_lends_no_term_across_it(ex):
    found = {c["value"]: c for c in ex.extract(doc("推动40个楼盘落实1万多平方米的社区配套服务用房。")).candidates}
    assert found["40"]["indicator"] == ""


def test_companies_a_party_organisation_covers_are_not_all_companies(ex):
    found = {c["value"]: c for c in ex.extract(doc("指导建立物业企业党组织25个，覆盖物业企业57家。")).candidates}
    assert found["25"]["indicator"] == "property_party_orgs"
    assert found["57"]["indicator"] == "property_companies_with_party_org"


def test_subject_in_english_only_where_the_catalog_knows_it(ex):
    known, unknown = ex.extract(doc("划分网格613个，改造背街小巷670条。")).candidates
    assert known["subject"] == "Grids" and known["subject_zh"] == "网格"
    assert unknown["subject"] == "" and unknown["subject_zh"]


def test_per_and_period_come_from_the_wording(ex):
    c = only(ex, "2021年以来，累计投入资金约2000万元。")
    assert (c["period_kind"], c["since"]) == ("cumulative", "2021")
    c = only(ex, "每个街道安排经费30—50万元。")
    assert c["per"] == "street"


def test_confidence_is_between_zero_and_one_and_lower_for_a_bare_number(ex):
    result = ex.extract(doc("全市建成小区党支部25个，编号为365。"))
    conf = {c["value"]: c["confidence"] for c in result.candidates}
    assert all(0 <= v <= 1 for v in conf.values())
    assert conf["365"] < conf["25"]


# sentence, old value, new value, the new value's indicator, the old value's period
CHANGES = [
    ("全市小区党组织覆盖率由78.5%提升到96%以上。", "78.5", "96", "compound_coverage", ""),
    ("小区党组织覆盖率从2020年的78.5%提高到2024年的96%以上。", "78.5", "96", "compound_coverage", "2020"),
    ("2024年，建成小区党支部由120个增至200个。", "120", "200", "compound_party_branches", ""),
    ("中心城区常住人口在短短五年间由12.02万人增加到20.56万人。", "120200", "205600", "residents", ""),
]


@pytest.mark.parametrize(("sentence", "old", "new", "indicator", "old_period"), CHANGES)
def test_a_change_gives_the_indicator_to_the_new_value_and_dates_the_old_only_by_its_own_year(
        ex, sentence, old, new, indicator, old_period):
    found = {c["value"]: c for c in ex.extract(doc(sentence)).candidates}
    assert found[new]["indicator"] == indicator
    assert found[old]["indicator"] == ""  # an earlier value is not the indicator's figure now
    assert found[old]["period"] == old_period
    assert found[old]["subject_zh"].endswith("（原值）")
    assert found[old]["confidence"] < found[new]["confidence"]


def test_a_change_shows_both_values_in_the_evidence_and_names_what_changed_not_the_time_span(ex):
    found = {c["value"]: c for c in ex.extract(doc("常住人口在五年间由12.02万人增加到20.56万人。")).candidates}
    assert all("由12.02万人增加到20.56万人" in c["evidence"] for c in found.values())
    assert found["205600"]["subject_zh"] == "常住人口"


def test_two_figures_without_a_verb_of_change_between_them_are_no_change(ex):
    found = {c["value"]: c for c in ex.extract(doc("由党员120名组成志愿队，服务群众200人次。")).candidates}
    assert not found["120"]["subject_zh"].endswith("（原值）")


def test_an_aside_in_brackets_between_term_and_figure_is_no_distance_and_stays_in_the_subject(ex):
    c = only(ex, "共组建小区党支部（或联合党支部）201个。")
    assert c["indicator"] == "compound_party_branches"
    assert c["subject_zh"] == "小区党支部（或联合党支部）"


@pytest.mark.parametrize(("noun", "subject"), [("（小区", "小区"), ("小区）", "小区"), ("（社区）工作者", "（社区）工作者"), ("）党员（", "党员")])
def test_subject_trims_only_brackets_it_does_not_close(noun, subject):
    from figures.extract import _subject

    assert _subject(noun, old_value=False) == subject
