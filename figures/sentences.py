"""Where a number stands in a report: paragraphs, sentences, clauses and quotes; which numbers are not figures; the noun beside one."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise

from figures.places import Mention
from figures.readers import Document
from figures.wording import Reading

_SENTENCE_END = "。！？!?；;"
_CLAUSE_END = "，,；;：:。！？!?"
_TERMINAL = tuple("。！？!?；;…”’」』）)")
# Characters no sentence starts with: a line that starts with one goes on from an earlier line.
_CONTINUATION = tuple("的了和与及或等地得着过之、，,。；")
_QUOTES = {"“": "”", "「": "」", "『": "』", "‘": "’", "《": "》", "〈": "〉", "\"": "\""}
_TITLE_QUOTES = ("《", "〈")  # a document title is a proper name, however long
MAX_SLOGAN = 24  # a quoted phrase longer than this is a quotation (a figure in it is still stated), not a slogan
_CN_DIGITS = "〇零一二两三四五六七八九十百千万亿"
NUMERAL = re.compile(rf"[\d{_CN_DIGITS}]+(?:\.\d+)?")
NUMBERING = re.compile(
    rf"第[\d{_CN_DIGITS}]+|(?<![\d{_CN_DIGITS}])[一二三四五六七八九十]+是|[（(][\d一二三四五六七八九十]+[）)]"
    rf"|(?m:^[ \t　]*[一二三四五六七八九十]+[、．.])|[①-⑳]"
)
# Words that end the noun after a figure (the verb of the clause starts there) ...
_VERBS = (
    "纳入", "参与", "参加", "加入", "落实", "建立", "建成", "成立", "组建", "开展", "实现", "完成", "达到", "提供", "解决", "化解", "覆盖",
    "推动", "推进", "打造", "选派", "招聘", "培训", "担任", "获得", "签订", "结对", "报到", "进驻", "入驻", "下沉", "认领", "办理", "投入",
    "整合", "形成", "划分", "设立", "设置", "配备", "开放", "带动", "带领", "联系", "走访", "进入", "通过", "作为", "列入", "受到", "得到",
    "发挥", "围绕", "参加", "共同", "分别", "先后", "均", "全部", "全面", "已经", "已", "被", "由", "在", "到", "向", "对", "为", "和", "与",
    "及", "并", "等", "的", "中", "里", "内", "以", "共", "累计", "合计", "达", "占", "比", "较", "增长", "增加", "减少", "下降", "提高",
)
# ... and words between a noun and its figure before it (党组织达960个: the noun is 党组织).
_LINKS = ("总数", "总量", "总计", "合计", "累计", "共计", "数量", "人数", "个数", "达到", "增至", "增加到", "增长到", "提高到", "超过", "达",
          "为", "共", "有", "约", "近", "逾", "计", "已", "均", "分别", "共有", "现有", "拥有")
_LINKS_LONGEST = tuple(sorted(_LINKS, key=len, reverse=True))
_VERBS_BEFORE = tuple(v for v in _VERBS if len(v) == 2 and v not in ("覆盖", "服务")) + ("打通", "改造", "提升", "评选", "推选", "储备", "招募", "选聘", "设立", "举办",
                                                          "召开", "调解", "清理", "取消", "下发", "制定", "出台", "孵化", "培育", "吸收",
                                                          "选拔", "公开", "免职", "约谈", "满足", "办结", "动员", "引导", "共有",
                                                          "现有", "拥有", "共计", "全市", "全区", "全县", "全省", "全镇")


# ------------------------------------------------------------------------------------------ structure
@dataclass
class Paragraph:
    """A paragraph or heading: its text with thousands separators dropped, and each character's offset in the document."""

    text: str
    offsets: list[int]
    heading: bool
    mentions: list[Mention] = field(default_factory=list)
    quotes: list[tuple[int, int, str]] = field(default_factory=list)


def _lines(doc: Document) -> list[tuple[int, int, bool]]:
    out: list[tuple[int, int, bool]] = []
    pos = 0
    for i, line in enumerate(doc.text.split("\n")):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        start, end = start + lead, start + lead + len(stripped)
        if doc.headings:
            heading = i in doc.headings
        else:
            heading = stripped.startswith("#") or (len(stripped) <= 40 and not stripped.endswith(_TERMINAL)
                                                    and "。" not in stripped and "，" not in stripped[:-1])
        out.append((start, end, heading))
    return out


def paragraphs(doc: Document) -> list[Paragraph]:
    """The document's paragraphs and headings in order. A long line that stops mid-sentence (a page break)
    goes on in the next body line; a short finished line between them (a photo caption) stays on its own."""
    lines = _lines(doc)
    text = doc.text
    groups: list[tuple[list[tuple[int, int]], bool]] = []
    pending: list[tuple[int, int]] | None = None  # an unfinished paragraph waiting for its continuation
    held: list[tuple[list[tuple[int, int]], bool]] = []  # captions met while waiting
    for n, (start, end, heading) in enumerate(lines):
        line = text[start:end]
        if pending is not None and not heading:
            if len(line) < 60 and line.endswith(_TERMINAL) and not held and n + 1 < len(lines):
                # a short finished line is a caption when the line after it goes on mid-sentence (的…, 、…)
                ns, ne, nh = lines[n + 1]
                if not nh and text[ns:ne].startswith(_CONTINUATION):
                    held.append(([(start, end)], False))
                    continue
            pending.append((start, end))
            if line.endswith(_TERMINAL) or len(line) <= 40:
                groups.append((pending, False))
                groups.extend(held)
                pending, held = None, []
            continue
        if pending is not None:
            groups.append((pending, False))
            groups.extend(held)
            pending, held = None, []
        if heading:
            groups.append(([(start, end)], True))
        elif line.endswith(_TERMINAL) or len(line) <= 40:
            groups.append(([(start, end)], False))
        else:
            pending = [(start, end)]
    if pending is not None:
        groups.append((pending, False))
        groups.extend(held)
    out = []
    for segments, heading in groups:
        chars: list[str] = []
        offsets: list[int] = []
        for s, e in segments:
            for k in range(s, e):
                ch = text[k]
                # 15,886: a thousands separator (digit before, exactly three digits after) is dropped
                if ch == "," and k > s and text[k - 1].isdigit() and re.match(r"\d{3}(?!\d)", text[k + 1:k + 5]):
                    continue
                chars.append(ch)
                offsets.append(k)
        if heading:
            t = "".join(chars)
            stripped = t.lstrip("#■▲●◆ \t")
            cut = len(t) - len(stripped)
            chars, offsets = chars[cut:], offsets[cut:]
        out.append(Paragraph("".join(chars), offsets, heading))
    return out


def quote_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, opening mark) of every quoted or titled phrase, innermost pairs included."""
    spans: list[tuple[int, int, str]] = []
    stack: list[tuple[str, int]] = []
    straight_open: int | None = None
    for i, ch in enumerate(text):
        if ch == "\"":
            if straight_open is None:
                straight_open = i
            else:
                spans.append((straight_open, i + 1, ch))
                straight_open = None
        elif ch in _QUOTES:
            stack.append((ch, i))
        elif stack and ch == _QUOTES[stack[-1][0]]:
            opening, s = stack.pop()
            spans.append((s, i + 1, opening))
    return spans


def sentences(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in _SENTENCE_END:
            out.append((start, i + 1))
            start = i + 1
    if start < len(text):
        out.append((start, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]


def clause(sentence: str, start: int, end: int) -> tuple[int, int]:
    a = max((i + 1 for i in range(0, start) if sentence[i] in _CLAUSE_END), default=0)
    b = next((i for i in range(end, len(sentence)) if sentence[i] in _CLAUSE_END), len(sentence))
    return a, b


# ------------------------------------------------------------------------------------------ exclusions
def _nfkc(ch: str) -> str:
    n = unicodedata.normalize("NFKC", ch)
    return n if len(n) == 1 else ch


def norm(text: str) -> str:
    """Full-width digits and signs to ASCII, one character for one (positions stay valid)."""
    return "".join(_nfkc(c) for c in text)


def numeral_span(sentence: str, r: Reading) -> tuple[int, int]:
    m = NUMERAL.search(norm(r.text))
    return (r.start + m.start(), r.start + m.end()) if m else (r.start, r.end)


def _next_in(text: str, chars: str) -> bool:
    return bool(text) and text[0] in chars


def _prev_in(text: str, chars: str) -> bool:
    return bool(text) and text[-1] in chars


def exclusion(sentence: str, r: Reading, paragraph_start: bool, quotes: list[tuple[int, int, str]],
              context: str) -> str | None:
    """The kind of non-figure a reading is (see the module's list), or None for a figure."""
    s = norm(sentence)
    ns, ne = numeral_span(s, r)
    digits = s[ns:ne]
    before, after = s[:r.start], s[r.end:]
    bare = not r.unit and not r.written.endswith(("万", "亿"))
    value = r.value
    year_like = digits.isdigit() and len(digits) == 4 and 1900 <= int(digits) <= 2100
    # numbering and ranks
    if bare and (paragraph_start and not before.strip() or _prev_in(before, "(（")) and _next_in(after, "、.．)）"):
        return "numbering"
    if before.endswith(("排名", "排名第", "位列", "位居", "名列", "前")) and not before.endswith(("之前", "以前", "目前", "当前", "提前", "年前")):
        return "rank"
    # dates and time stamps
    if r.unit == "年" and (year_like or (r.upper is not None and 1900 <= r.upper <= 2100)):
        return "date"
    if r.unit == "月" and 1 <= value <= 12 and (r.upper is None or r.upper <= 12) and r.form in ("exact", "range"):
        return "date"
    if bare and ((year_like and not _next_in(after, "万亿元人个名户家项件次")) or (_next_in(after, "日号") and before.endswith("月"))
                 or (_next_in(after, "时点") and value <= 24 and (not before or _prev_in(before, "日号午晚早上")))):
        return "date"
    # a span that dates another figure: 近两年, 五年来, 三年间, 5年内, 近3个月
    if value < 100 and (r.unit in ("年", "月") or (r.unit == "个" and after.startswith("月"))):
        rest = after[1:] if r.unit == "个" else after
        if (r.text.startswith(("近", "将近")) or before.endswith(("近", "最近", "过去", "这", "前", "后", "未来", "今后"))
                or rest.startswith(("来", "以来", "间", "内", "中", "里", "多来", "多以来"))):
            return "period"
    # document numbers: 〔2021〕12号, [2019]3号
    if (bare or r.unit == "年") and (after.startswith("号") or _prev_in(before, "〔[［【") or _next_in(after, "〕]］】")):
        return "document_number"
    # slogans and proper names
    for qs, qe, opening in quotes:
        if qs < r.start and r.end < qe and (opening in _TITLE_QUOTES or qe - qs - 2 <= MAX_SLOGAN):
            return "slogan"
    if before.endswith(("+", "＋")) or after.startswith(("+", "＋")):
        return "slogan"
    if r.unit and not digits[:1].isdigit() and _next_in(after, "一二三四五六七八九十两") \
            and not after.startswith(("一起", "一并", "一道", "一同", "一线")):
        return "slogan"  # 六个一, 三个一批, 四位一体: a catchword made of numerals (1426个五级中心 is a count)
    # 一 as an article (一批小区, 一项系统工程), unless it is a frequency (每年召开一次)
    if digits == "一" and r.form == "exact" and not r.written.endswith(("万", "亿")):
        frequency = r.unit in ("次", "回", "趟") and (r.per or re.search(r"每|至少|不少于|定期|年内|月内|季度|一年|半年", context))
        if not frequency:
            return "indefinite"
    # labels, not counts
    if bare and (re.match(r"[A-Za-z]", after[:1]) or re.search(r"[A-Za-z]$", before) or _next_in(after, "版号楼室届期栋岁路线级星")
                 or after.startswith("周岁") or (digits.isdigit() and len(digits) >= 7)):
        return "code"
    return None


# ------------------------------------------------------------------------------------------ evidence and subject
def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def noun_after(s: str, end: int) -> tuple[int, int]:
    """The noun right after a figure's measure word: CJK characters up to a verb, a function word or punctuation (8 at most)."""
    i = end
    limit = min(len(s), end + 8)
    while i < limit and _is_cjk(s[i]):
        if i > end and s.startswith(_VERBS, i):
            break
        if i == end and s.startswith(("的", "和", "与", "及", "等", "在", "到", "中", "里", "以", "为", "、")):
            break
        i += 1
    return end, i


# An aside in brackets: 小区党支部（或联合党支部）
ASIDE = re.compile(r"[（(][^（）()]{0,12}[）)]")
_ASIDE_AT_END = re.compile(ASIDE.pattern + "$")


def noun_before(s: str, start: int, floor: int) -> tuple[int, int]:
    """The noun right before a figure (建立各类党组织960个 → 各类党组织), without the words that link it to
    the number (达, 共, 为) and without the verb before it; 10 characters at most."""
    j = start
    for link in _LINKS_LONGEST:
        if s[floor:j].endswith(link):
            j -= len(link)
            break
    i = j
    aside = _ASIDE_AT_END.search(s, floor, j)  # 小区党支部（或联合党支部）: the aside does not count toward the 10
    lower = max(floor, j - 10 - (len(aside.group(0)) if aside else 0))
    while i > lower and (_is_cjk(s[i - 1]) or s[i - 1] in "（）()"):
        if s[i - 1] in "的在和与及到对为由是将把从向":
            break
        if i < j and any(s[:i].endswith(v) for v in _VERBS_BEFORE):
            break
        i -= 1
    return i, j


# ------------------------------------------------------------------------------------------ a change from one value to another
# 由78.5%提升到96%以上, 从2020年的1.2万人增加到2024年的1.5万多人: the second figure is the value now, the
# first an earlier one. Between them a verb of change and 到/至/为 (or 增至, 降至), perhaps the later year.
_CHANGE_FROM = re.compile(r"(?:由|从)(?:\d{4}年(?:底|末|初)?的?|[^，,；;。\d]{0,4}?的)?$")
_CHANGE_LINK = re.compile(
    r"^[^，,；;。\d]{0,2}?(?:提升|提高|增加|增长|上升|扩大|跃升|攀升|下降|减少|降低|缩短|压缩|压减|缩减|增|升|降|变)(?:到|至|为)"
    r"(?:\d{4}年(?:底|末)?的?|[^，,；;。\d]{0,4}?的)?$"
)


@dataclass(frozen=True)
class Change:
    """One figure of a from-to pair: its role, the other figure, where 由/从 stands and the words before it."""

    role: str                  # 'old' or 'new'
    partner: Reading           # the other figure of the pair
    from_at: int               # position of 由 or 从 in the sentence
    subject: tuple[int, int]   # the noun before 由/从 (noun_before): what changed; the evidence starts there
    subject_is_time: bool      # that noun holds a span of time (五年间由…): it names nothing that changed


def changes(sentence: str, readings: list[Reading], kinds: list[str | None]) -> dict[int, Change]:
    """The from-to pairs among a sentence's readings, by reading index. `kinds` are the readings'
    exclusion kinds (exclusion()): a date between the two figures is skipped, and a noun before 由 that
    holds a period (五年间) is no subject."""
    out: dict[int, Change] = {}
    figures = [i for i, k in enumerate(kinds) if k != "date"]
    periods = [r.start for r, k in zip(readings, kinds, strict=True) if k == "period"]
    for a, b in pairwise(figures):
        old, new = readings[a], readings[b]
        if a in out or not _CHANGE_LINK.match(sentence[old.end:new.start]):
            continue
        head = _CHANGE_FROM.search(sentence, max(0, old.start - 8), old.start)
        if head is None:
            continue
        at = head.start()
        subject = noun_before(sentence, at, clause(sentence, old.start, old.end)[0])
        is_time = any(subject[0] <= t < subject[1] for t in periods)
        out[a] = Change("old", new, at, subject, is_time)
        out[b] = Change("new", old, at, subject, is_time)
    return out
