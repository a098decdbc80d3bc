"""Places a report names: find them in its text and resolve districts and above against the reference localities.

The reference is a localities frame with columns locality_id, name_zh, level (tier: province, city,
district ...), parent_id, adcode and, optionally, kind (the fine vocabulary of store/levels.py; derived
from the name's suffix when the column is absent). At run time it is data/localities.csv (or the
store's localities table), never the boundary package.

Names on the district tier and above are found by dictionary lookup: every full name of the reference
(梧州市, 岑溪市, 广西壮族自治区) and the short form of provinces (广西, 山西). A name two places share
(鼓楼区 in Nanjing, Fuzhou, Xuzhou, Kaifeng) is resolved by the places the text names around it, else
left unresolved. Names below the district tier have no reference list: a 镇, 乡, 街道, 社区, 村 or 小区
is taken with the two to six characters before its suffix that read as a proper name (not a verb, a
number or a generic word such as 城市社区 or 老旧小区).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from store.levels import kind_from_name, tier_of

TIER_RANK = {"country": 0, "province": 1, "city": 2, "district": 3, "street": 4, "community": 5, "compound": 6}
# Words that are district names somewhere (阳泉市城区, 攀枝花市东区) but in running text mostly mean
# "the urban area", "the suburbs": a place only right after the name of its parent.
GENERIC_NAMES = frozenset({"城区", "郊区", "矿区", "东区", "西区", "南区", "北区", "中区", "新区", "市区", "市中区", "城中区",
                           "城东区", "城西区", "城南区", "城北区", "县城", "开发区"})
PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
SUB_SUFFIXES = (("街道办事处", "street"), ("街道", "street"), ("民族乡", "street"), ("镇", "street"), ("乡", "street"),
                ("居委会", "community"), ("社区", "community"), ("村委会", "community"), ("村", "community"),
                ("小区", "compound"))
_SUB = re.compile("|".join(s for s, _ in SUB_SUFFIXES))
_SUB_TIER = dict(SUB_SUFFIXES)
# A proper name before 社区/小区/镇 never holds these: numbers, measure words, function words.
_NOT_IN_NAME = set("0123456789０１２３４５６７８９的了在和与及或等对到为由是将把从向给着过每各全该本这那其个名多余所被让使以按经已均都共就还也又再可要应有得中内外后前至至于、，。；：！？“”‘’《》（）()【】[]·—- \n\t")
# Modifiers that make 社区, 小区, 镇 a kind of place rather than a name (城市社区 = urban communities).
_GENERIC_PREFIXES = (
    "城市", "城镇", "农村", "乡村", "居民", "示范", "标杆", "样板", "智慧", "美好", "和谐", "文明", "老旧", "无物业", "商品房", "新建",
    "所在", "辖区", "全国", "全省", "全市", "全区", "全县", "基层", "重点", "先进", "试点", "周边", "相关", "有关", "所有", "多个", "若干",
    "党建", "红色", "幸福", "平安", "法治", "民主", "绿色", "数字", "网格", "特色", "星级", "五星", "新型", "城区", "中心", "各个", "每个",
    "涉农", "混合", "开放式", "封闭式", "安置", "保障房", "单位", "街道", "社区", "小区", "其他", "不同", "一个", "这个", "我们", "他们",
    "城中", "城郊", "集镇", "特大", "大型", "中型", "小型", "超大", "美丽", "宜居", "现代", "传统", "典型", "困难", "薄弱", "软弱",
    "涣散", "后进", "未来", "完整", "低碳", "星级化", "规范化", "各类", "新型", "本级", "城乡", "村级", "镇级", "街道级",
)
_DEMONSTRATIVES = ("本", "该", "此", "这", "那", "各", "某")
# Verbs and prepositions that often stand right before a name: the name starts after them.
_LEAD_WORDS = (
    "推动", "推进", "建立", "建设", "建成", "打造", "成立", "组织", "带领", "指导", "依托", "例如", "比如", "按照", "围绕", "选择", "开展",
    "通过", "位于", "来到", "走进", "深入", "包括", "以及", "其中", "如", "在", "对", "到", "由", "向", "将", "把", "从", "于", "和",
    "与", "及", "或", "为", "让", "使", "帮助", "支持", "联系", "结对", "挂点", "覆盖", "下沉", "进驻", "入驻", "服务", "参与", "实施",
    "实现", "完成", "提升", "改造", "新增", "设立", "设置", "划分", "命名", "评为", "获评", "荣获", "授予", "创建", "创新", "探索",
    "试点", "率先", "共同", "分别", "先后", "已", "均", "都", "有", "是", "了",
)


# Characters of verbs that a name found without a reference list must not hold (推行社区, 进社区, 建立街道).
_VERB_CHARS = set("推行进建立设置开展深入走服务保障落实配合选聘组织引导创提升打造实施放强善健规面持续积极据根覆盖辖属按照围绕依托参与加")
# Common verbs, adverbs and modifiers that no place name holds (加快赋予街道, 指导小区, 专职化社区).
_COMMON_WORDS = (
    "加快", "突出", "赋予", "全面", "重新", "核定", "调整", "优化", "聚焦", "担任", "鼓励", "理顺", "孵化", "激发", "有效", "抓住", "指导",
    "出台", "确保", "深化", "强化", "加强", "完善", "健全", "规范", "持续", "积极", "深入", "大力", "不断", "充分", "切实", "着力", "努力",
    "扎实", "全力", "坚持", "坚决", "统筹", "探索", "创新", "实行", "发挥", "引领", "带动", "动员", "协调", "负责", "管理", "治理", "监督",
    "考核", "评选", "解决", "化解", "提高", "改建", "扩建", "明确", "制定", "印发", "下发", "召开", "举办", "专职", "人文", "住宅", "商业",
    "商圈", "楼宇", "园区", "社会", "基层", "各级", "城区", "市级", "区级", "县级", "乡镇", "镇街", "街居", "居委", "物业", "业主", "党员",
    "群众", "居民", "干部", "工作", "服务", "活动", "建设", "发展", "改革", "机制", "体系", "职能", "职责", "力量", "资源", "要素",
    "完成", "实现", "达到", "形成", "开展", "组建", "推广", "推出", "打通", "打破", "破解", "回应", "满足", "提供", "参加", "参与", "联合",
    "联动", "共建", "共治", "共享", "依法", "依规", "按需", "全部", "部分", "逐步", "逐个", "分类", "分级", "分片", "分批", "集中", "统一",
    "联系", "挂钩", "结对", "包联", "包保", "走访", "入户", "排查", "摸排", "梳理", "收集", "办理", "办结", "受理", "回访", "督促", "督导",
    "检查", "指挥", "调度", "运行", "运营", "使用", "利用", "盘活", "整治", "整改", "清理", "取消", "减轻", "减负", "增效", "赋能", "放权",
    "下放", "延伸", "辐射", "带领", "组织", "培育", "培养", "培训", "选拔", "选聘", "招聘", "录用", "任用", "提拔", "重用", "表彰", "奖励",
)
# What follows a place's name when the name is part of an organisation's (市委, 交通运输厅, 政府).
_ORGAN_WORDS = ("委", "政府", "党委", "人大", "政协", "法院", "检察院", "公安", "交通", "财政", "民政", "住建", "人社", "卫健", "教育",
                "组织部", "宣传部", "统战部", "纪委", "监委", "厅", "局", "办公", "机关", "直属", "团委", "妇联", "总工会")


@dataclass(frozen=True)
class Place:
    """A place as the text names it; locality_id and adcode are set when the reference resolves it."""

    name: str
    kind: str  # store/levels.py vocabulary (prefecture_city, county_level_city, town, community ...)
    tier: str
    locality_id: str | None = None
    adcode: str | None = None
    parent: str = ""  # parent's name (reference parent, or the enclosing place the text names)
    chain: tuple[str, ...] = ()  # ancestors' names, top down

    @property
    def rank(self) -> int:
        return TIER_RANK.get(self.tier, 9)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    name: str
    tier: str
    listed: bool  # one of an enumeration (港北区、港南区): names several places, so it scopes none


@dataclass
class PlaceIndex:
    """The reference localities, indexed by name for lookup in running text."""

    frame: pl.DataFrame
    by_name: dict[str, list[dict]] = field(default_factory=dict)
    by_id: dict[str, dict] = field(default_factory=dict)
    max_len: int = 0
    last_chars: frozenset[str] = frozenset()
    short_names: set[str] = field(default_factory=set)

    @classmethod
    def from_frame(cls, localities: pl.DataFrame) -> PlaceIndex:
        df = localities
        if "kind" not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias("kind"))
        if "adcode" not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias("adcode"))
        idx = cls(frame=df)
        for row in df.select("locality_id", "name_zh", "level", "kind", "parent_id", "adcode").iter_rows(named=True):
            row = dict(row)
            row["locality_id"] = str(row["locality_id"])
            if not row["kind"]:
                row["kind"] = kind_from_name(row["name_zh"] or "", row["level"] or "") or row["level"]
            idx.by_id[row["locality_id"]] = row
            name = (row["name_zh"] or "").strip()
            if len(name) >= 2:
                idx.by_name.setdefault(name, []).append(row)
            if row["level"] == "province":
                for suffix in PROVINCE_SUFFIXES:
                    if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                        idx.by_name.setdefault(name[: -len(suffix)], []).append(row)
                        idx.short_names.add(name[: -len(suffix)])
                        break
        idx.max_len = max((len(n) for n in idx.by_name), default=0)
        idx.last_chars = frozenset(n[-1] for n in idx.by_name)
        return idx

    # ------------------------------------------------------------------ finding names
    def mentions(self, text: str) -> list[Mention]:
        """Every place named in the text, left to right, longest name first where two overlap."""
        found: list[Mention] = []
        for i, ch in enumerate(text):
            if ch not in self.last_chars:
                continue
            for n in range(min(self.max_len, i + 1), 1, -1):
                name = text[i - n + 1: i + 1]
                rows = self.by_name.get(name)
                if rows:
                    if name in self.short_names and not self._short_name_ends(text, i + 1):
                        continue
                    found.append(Mention(i - n + 1, i + 1, name, rows[0]["level"], False))
                    break
        found = _drop_overlaps(found)
        found = [m for m in found if m.name not in GENERIC_NAMES or self._after_parent(found, m)]
        used = [(m.start, m.end) for m in found]
        for m in _SUB.finditer(text):
            sub = _sub_name(text, m.start(), m.end(), used)
            if sub is not None:
                found.append(sub)
                used.append((sub.start, sub.end))
        found.sort(key=lambda x: x.start)
        return _mark_lists(text, _drop_overlaps(found))

    @staticmethod
    def _short_name_ends(text: str, end: int) -> bool:
        """A province's short name (湖南, 广西) stands alone only before punctuation, a particle or an organisation
        word; before 路, 街 or 大道 it is part of another name (湖南路街道)."""
        nxt = text[end:end + 1]
        return not nxt or not _is_cjk(nxt) or nxt in "的和与及等省籍人" or text.startswith(_ORGAN_WORDS, end) \
            or text.startswith(("壮族", "回族", "维吾尔"), end)

    def _after_parent(self, found: list[Mention], m: Mention) -> bool:
        before = [x for x in found if x.end == m.start]
        if not before:
            return False
        parents = {self.by_id.get(r["parent_id"] or "", {}).get("name_zh") for r in self.by_name.get(m.name, [])}
        return before[-1].name in parents

    # ------------------------------------------------------------------ resolving
    def resolve(self, name: str, context: list[Place] | tuple[Place, ...] = ()) -> Place:
        """The place a name stands for; among several of that name, the one under a place named in `context`."""
        rows = self.by_name.get(name)
        if not rows:
            return self._sub_place(name, context)
        if len(rows) > 1:
            known = {p.locality_id for p in context if p.locality_id} | {p.name for p in context}
            under = [r for r in rows if known & set(self._ancestor_keys(r))]
            if len(under) == 1:
                rows = under
            else:
                r = rows[0]
                return Place(name=r["name_zh"] if name == r["name_zh"] else name, kind=r["kind"], tier=r["level"])
        r = rows[0]
        chain = self._chain(r)
        return Place(name=r["name_zh"], kind=r["kind"], tier=r["level"], locality_id=r["locality_id"],
                     adcode=r["adcode"] or None, parent=chain[-1] if chain else "", chain=chain)

    def _ancestor_keys(self, row: dict) -> list[str]:
        out: list[str] = []
        seen: set[str] = set()
        cur = self.by_id.get(row["parent_id"] or "")
        while cur is not None and cur["locality_id"] not in seen:
            seen.add(cur["locality_id"])
            out += [cur["locality_id"], cur["name_zh"]]
            cur = self.by_id.get(cur["parent_id"] or "")
        return out

    def _chain(self, row: dict) -> tuple[str, ...]:
        names: list[str] = []
        seen: set[str] = set()
        cur = self.by_id.get(row["parent_id"] or "")
        while cur is not None and cur["locality_id"] not in seen and cur["level"] != "country":
            seen.add(cur["locality_id"])
            names.append(cur["name_zh"])
            cur = self.by_id.get(cur["parent_id"] or "")
        return tuple(reversed(names))

    def _sub_place(self, name: str, context: list[Place] | tuple[Place, ...]) -> Place:
        tier = next((t for s, t in SUB_SUFFIXES if name.endswith(s)), "community")
        kind = kind_from_name(name, tier) or tier
        # the enclosing place: the nearest place of a higher tier the text names before it
        enclosing = next((p for p in reversed(list(context)) if p.rank < TIER_RANK[tier]), None)
        if enclosing is None:
            return Place(name=name, kind=kind, tier=tier)
        return Place(name=name, kind=kind, tier=tier, parent=enclosing.name, chain=(*enclosing.chain, enclosing.name))


def _drop_overlaps(found: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for m in sorted(found, key=lambda x: (x.start, -(x.end - x.start))):
        if out and m.start < out[-1].end:
            if (m.end - m.start) > (out[-1].end - out[-1].start):
                out[-1] = m
            continue
        out.append(m)
    return out


def _sub_name(text: str, s_start: int, s_end: int, used: list[tuple[int, int]]) -> Mention | None:
    """A sub-district name ending in the suffix at text[s_start:s_end], or None when the words before it are no name.

    Without a reference list, a name is taken in two frames only: right after a place already found
    (岑溪市孝坊社区, 港南区江南街道南湖社区), or two to four characters after a clear boundary (punctuation,
    the start, a verb or preposition such as 推动, 在) that hold no verb (全面推行社区 is no name).
    """
    suffix = text[s_start:s_end]
    longest = 6 if suffix == "小区" else 4

    def plain_stem(a: int) -> bool:
        stem = text[a:s_start]
        return (2 <= len(stem) <= longest and all(_is_cjk(c) and c not in _NOT_IN_NAME for c in stem)
                and not stem.startswith(_GENERIC_PREFIXES + _DEMONSTRATIVES) and not stem.endswith(_GENERIC_PREFIXES)
                and stem[0] not in "一二三四五六七八九十百千万两")

    def wordy(stem: str) -> bool:  # holds a verb or an adverb: a clause, not a name
        return any(c in _VERB_CHARS for c in stem) or any(w in stem for w in _COMMON_WORDS)

    prev_end = max((e for _, e in used if e <= s_start), default=-1)
    after_place = text[prev_end:s_start] if prev_end >= 0 else ""
    # right after a place, a name may hold 和, 与, 及 (颐和路社区, 和平村): only punctuation, digits and 的/了/等 end it
    if (2 <= len(after_place) <= longest and all(_is_cjk(c) and c not in "的了等" for c in after_place)
            and not after_place.startswith(_GENERIC_PREFIXES + _DEMONSTRATIVES) and not wordy(after_place)):
        return Mention(prev_end, s_end, text[prev_end:s_end], _SUB_TIER[suffix], False)
    for n in range(min(longest, 4), 1, -1):
        a = s_start - n
        if a < 0 or a < prev_end or not plain_stem(a):
            continue
        stem = text[a:s_start]
        if wordy(stem):
            continue
        head = text[max(0, a - 4):a]
        if a == 0 or not _is_cjk(text[a - 1]) or text[a - 1] in _NOT_IN_NAME or head.endswith(_LEAD_WORDS):
            return Mention(a, s_end, stem + suffix, _SUB_TIER[suffix], False)
    return None


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _mark_lists(text: str, found: list[Mention]) -> list[Mention]:
    """Names that scope nothing after them: names joined by 、, 和, 与, 及 or 以及 (one enumeration of several
    places), a name before 等 (新厂街道等3个街道: an example of what is counted), and a name that starts an
    organisation's name (广西交通运输厅, 梧州市委组织部)."""
    out = list(found)
    for i, m in enumerate(out):
        after = text[m.end:m.end + 6]
        if after.startswith("等") or after.startswith(_ORGAN_WORDS):
            out[i] = Mention(m.start, m.end, m.name, m.tier, True)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        between = text[a.end:b.start]
        if between in ("、", "和", "与", "及", "以及", "，", ",") and a.tier == b.tier:
            out[i] = Mention(a.start, a.end, a.name, a.tier, True)
            out[i + 1] = Mention(b.start, b.end, b.name, b.tier, True)
    return out


def tier_rank(kind: str) -> int:
    return TIER_RANK.get(tier_of(kind) or "", 9)
