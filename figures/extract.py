"""Candidate published figures from a report's text: every number that states a count, amount, share, area, duration or frequency about a place.

The number and its wording (多, 不少于, 左右, ranges, 万/亿) are read by figures/wording.py, which also
gives the interval, denominator and period each wording implies; this module decides which numbers are
figures at all, what each counts (figures/terms.py), which place it is about (figures/places.py), and
the verbatim evidence a reviewer checks it against.

Not figures, counted by kind in `Extraction.excluded`:
- date: a year or month as a time stamp (2023年, 10月, 2018—2022年, 6月份, 10月1日);
- period: a span that dates another figure (近两年, 五年来, 三年间, 5年内);
- numbering: article and list numbers (第一, 一是, （三）, 1. at the start of a paragraph);
- document_number: 〔2021〕12号 and the like;
- slogan: a number inside a quoted slogan or a proper name (“1+8+N”, “六个一”, “四位一体”, 《2018—2022年规划》),
  or a formula of numbers and letters outside quotes (1+1+N), or a numbered catchword (六个一, 三个一批);
- indefinite: 一 as an article (一批小区, 一项系统工程), except a frequency (每年召开一次);
- rank: 前三名, 排名第5;
- code: a number that labels rather than counts (2.0版, 5号楼, G20, 60岁, long digit strings);
- repeated: the same figure in the same sentence again (a web page or a layout that prints a passage twice).
A number the text also states as a measurement outside the slogan is a candidate there.

Locality: the nearest place named before the figure in its paragraph (a list of places, 港北区、港南区,
names none of them alone); else the place a heading above names; else the report's main place, which
its title, byline or first paragraph names. 全市, 全区, 全县 point to the place of that kind in scope.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl

from figures import terms as fterms
from figures.places import Mention, Place, PlaceIndex
from figures.readers import Document
from figures.wording import Reading, per_of, period_of, plain, read

# The columns of data/sources/facts.csv, then what only a candidate has.
FACT_COLUMNS: tuple[str, ...] = (
    "fact_id", "source_id", "locality", "locality_level", "parent", "indicator", "subject", "value", "unit", "qualifier",
    "period", "evidence", "low", "high", "per", "period_kind", "bounds", "since", "counts", "theme", "subject_zh",
)
CANDIDATE_COLUMNS: tuple[str, ...] = (*FACT_COLUMNS, "offset", "confidence", "context", "adcode")
EXCLUSION_KINDS: tuple[str, ...] = ("date", "period", "numbering", "document_number", "slogan", "indefinite", "rank", "code",
                                    "repeated")
MAX_EVIDENCE = 40
LOCALITIES_PATH = Path(__file__).resolve().parents[1] / "data" / "localities.csv"

_SENTENCE_END = "。！？!?；;"
_CLAUSE_END = "，,；;：:。！？!?"
_TERMINAL = tuple("。！？!?；;…”’」』）)")
# Characters no sentence starts with: a line that starts with one goes on from an earlier line.
_CONTINUATION = tuple("的了和与及或等地得着过之、，,。；")
_QUOTES = {"“": "”", "「": "」", "『": "』", "‘": "’", "《": "》", "〈": "〉", "\"": "\""}
_TITLE_QUOTES = ("《", "〈")  # a document title is a proper name, however long
MAX_SLOGAN = 24  # a quoted phrase longer than this is a quotation (a figure in it is still stated), not a slogan
_CN_DIGITS = "〇零一二两三四五六七八九十百千万亿"
_NUMERAL = re.compile(rf"[\d{_CN_DIGITS}]+(?:\.\d+)?")
_NUMBERING = re.compile(
    rf"第[\d{_CN_DIGITS}]+|(?<![\d{_CN_DIGITS}])[一二三四五六七八九十]+是|[（(][\d一二三四五六七八九十]+[）)]"
    rf"|(?m:^[ \t　]*[一二三四五六七八九十]+[、．.])|[①-⑳]"
)
# 全市, 全区: the whole place of that kind; not in 全区首个, 全市第一 (a rank within it, not the figure's scope)
_SCOPE_WORD = re.compile(r"全(市|区|县|省|镇|街道|旗)(?!首|第|唯一|最|率先|范围内首)")
_YEAR_STAMP = re.compile(r"(?<!\d)((?:19|20)\d\d)年")
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


@dataclass
class Extraction:
    """A report's candidates (dicts in CANDIDATE_COLUMNS) and what was skipped, counted by kind."""

    document: Document
    candidates: list[dict]
    excluded: Counter = field(default_factory=Counter)
    skipped: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, text, offset)
    main_place: Place | None = None
    seconds: float = 0.0
    _seen: dict[str, list[int]] = field(default_factory=dict, repr=False)  # sentence -> its candidates

    def frame(self) -> pl.DataFrame:
        """The candidates as a frame of strings (numbers as written in base units), in CANDIDATE_COLUMNS."""
        return candidates_frame(self.candidates)

    def summary(self) -> str:
        """One line for a person: how many candidates, and the exclusions by kind."""
        parts = [f"{n} {k}" for k in EXCLUSION_KINDS if (n := self.excluded.get(k, 0))]
        skipped = ", ".join(parts) if parts else "none"
        place = self.main_place.name if self.main_place else "not found"
        return (f"{self.document.name}: {len(self.candidates)} candidate figures; main place {place}; "
                f"excluded {sum(self.excluded.values())} ({skipped})")


def candidates_frame(rows: list[dict]) -> pl.DataFrame:
    schema = {c: pl.String for c in CANDIDATE_COLUMNS}
    schema["confidence"] = pl.Float64
    schema["offset"] = pl.Int64
    return pl.DataFrame([{c: r.get(c) for c in CANDIDATE_COLUMNS} for r in rows], schema=schema, orient="row") \
        if rows else pl.DataFrame(schema=schema)


def load_localities(path: str | Path | None = None) -> pl.DataFrame:
    """The reference localities the extractor resolves names against (data/localities.csv)."""
    return pl.read_csv(path or LOCALITIES_PATH, infer_schema=False, encoding="utf8")


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


def _quote_spans(text: str) -> list[tuple[int, int, str]]:
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


def _sentences(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in _SENTENCE_END:
            out.append((start, i + 1))
            start = i + 1
    if start < len(text):
        out.append((start, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _clause(sentence: str, start: int, end: int) -> tuple[int, int]:
    a = max((i + 1 for i in range(0, start) if sentence[i] in _CLAUSE_END), default=0)
    b = next((i for i in range(end, len(sentence)) if sentence[i] in _CLAUSE_END), len(sentence))
    return a, b


# ------------------------------------------------------------------------------------------ exclusions
def _nfkc(ch: str) -> str:
    n = unicodedata.normalize("NFKC", ch)
    return n if len(n) == 1 else ch


def _norm(text: str) -> str:
    """Full-width digits and signs to ASCII, one character for one (positions stay valid)."""
    return "".join(_nfkc(c) for c in text)


def _numeral_span(sentence: str, r: Reading) -> tuple[int, int]:
    m = _NUMERAL.search(_norm(r.text))
    return (r.start + m.start(), r.start + m.end()) if m else (r.start, r.end)


def _next_in(text: str, chars: str) -> bool:
    return bool(text) and text[0] in chars


def _prev_in(text: str, chars: str) -> bool:
    return bool(text) and text[-1] in chars


def exclusion(sentence: str, r: Reading, paragraph_start: bool, quotes: list[tuple[int, int, str]],
              context: str) -> str | None:
    """The kind of non-figure a reading is (see the module's list), or None for a figure."""
    s = _norm(sentence)
    ns, ne = _numeral_span(s, r)
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


def _noun_after(s: str, end: int) -> tuple[int, int]:
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


def _noun_before(s: str, start: int, floor: int) -> tuple[int, int]:
    """The noun right before a figure (建立各类党组织960个 → 各类党组织), without the words that link it to
    the number (达, 共, 为) and without the verb before it; 10 characters at most."""
    j = start
    for link in _LINKS_LONGEST:
        if s[floor:j].endswith(link):
            j -= len(link)
            break
    i = j
    lower = max(floor, j - 10)
    while i > lower and (_is_cjk(s[i - 1]) or s[i - 1] in "（）()"):
        if s[i - 1] in "的在和与及到对为由是将把从向":
            break
        if i < j and any(s[:i].endswith(v) for v in _VERBS_BEFORE):
            break
        i -= 1
    return i, j


# ------------------------------------------------------------------------------------------ the extractor
class Extractor:
    """Extracts candidates from documents against one set of reference localities, terms and catalog."""

    def __init__(self, localities: pl.DataFrame | None = None) -> None:
        self.places = PlaceIndex.from_frame(localities if localities is not None else load_localities())
        self.terms = fterms.load_terms()
        self.catalog = fterms._catalog()

    def extract(self, doc: Document, *, source_id: str = "") -> Extraction:
        t0 = time.perf_counter()
        paras = paragraphs(doc)
        for p in paras:
            p.mentions = self.places.mentions(p.text)
            p.quotes = _quote_spans(p.text)
        main = self._main_place(doc, paras)
        out = Extraction(document=doc, candidates=[], main_place=main)
        self._count_numbering(doc.text, out)
        section: Place | None = None
        scope: list[Place] = ([] if main is None else [self.places.resolve(n) for n in main.chain] + [main])
        for p in paras:
            if p.heading:
                here = self._heading_place(p, scope)
                if here is not None:
                    section = here
                continue
            self._paragraph(p, doc, main, section, scope, out, source_id)
        for n, c in enumerate(out.candidates, start=1):
            c["fact_id"] = f"{source_id or 'C'}-{n:03d}"
        out.seconds = time.perf_counter() - t0
        return out

    # --------------------------------------------------------------- places in scope
    def _resolved(self, p: Paragraph, scope: list[Place]) -> list[tuple[Mention, Place]]:
        out: list[tuple[Mention, Place]] = []
        context = list(scope)
        for m in p.mentions:
            place = self.places.resolve(m.name, context)
            out.append((m, place))
            context.append(place)
        return out

    def _main_place(self, doc: Document, paras: list[Paragraph]) -> Place | None:
        """The report's main place: the most specific place its title names; else its byline's or first paragraph's."""
        title_mentions = self.places.mentions(doc.title) if doc.title else []
        pools = [title_mentions]
        head: list[Mention] = []
        first_body: list[Mention] = []
        for p in paras[:8]:
            if p.heading:
                head.extend(p.mentions)
            else:
                first_body = p.mentions
                break
        pools += [head, first_body]
        for pool in pools:
            places: list[Place] = []
            for m in pool:
                places.append(self.places.resolve(m.name, places))
            located = [pl_ for pl_ in places if pl_.locality_id and pl_.rank <= 3]
            if located:
                best = max(located, key=lambda x: x.rank)  # the most specific; the first of equals
                return next(x for x in located if x.rank == best.rank)
        return None

    def _heading_place(self, p: Paragraph, scope: list[Place]) -> Place | None:
        places = [pl_ for _, pl_ in self._resolved(p, scope) if pl_.locality_id and pl_.rank <= 3]
        if not places:
            return None
        deepest = max(x.rank for x in places)
        return next(x for x in places if x.rank == deepest)

    def _locality(self, p: Paragraph, at: int, sentence_start: int, resolved: list[tuple[Mention, Place]],
                  section: Place | None, main: Place | None) -> tuple[Place | None, float]:
        """The place a figure at paragraph position `at` is about, and how sure that is (0..1)."""
        before = [(m, pl_) for m, pl_ in resolved if m.end <= at and not m.listed]
        fallback = section or main
        # 全市, 全区, 全县 in the sentence before the figure, and after the last place named: the place of that kind in scope
        scope_word = None
        for sw in _SCOPE_WORD.finditer(p.text, sentence_start, at):
            if not before or sw.start() >= before[-1][0].end:
                scope_word = sw
        pool = [pl_ for _, pl_ in reversed(before)] + ([fallback] if fallback else [])
        if fallback is not None:
            pool += [self.places.resolve(n) for n in reversed(fallback.chain)]
        if scope_word:
            suffix = scope_word.group(1)
            for pl_ in pool:
                if pl_.name.endswith(suffix) and pl_.rank <= 4:
                    return pl_, 0.9
        if before:
            place = before[-1][1]
            return place, 0.8 if place.locality_id or place.rank > 3 else 0.5
        if fallback is not None:
            return fallback, 0.7 if section is not None else 0.6
        return None, 0.0

    # --------------------------------------------------------------- numbering the readers never see
    def _count_numbering(self, text: str, out: Extraction) -> None:
        for m in _NUMBERING.finditer(text):
            out.excluded["numbering"] += 1
            out.skipped.append(("numbering", m.group(0).strip(), m.start()))

    # --------------------------------------------------------------- one paragraph
    def _paragraph(self, p: Paragraph, doc: Document, main: Place | None, section: Place | None,
                   scope: list[Place], out: Extraction, source_id: str) -> None:
        resolved = self._resolved(p, scope + ([section] if section else []))
        for s0, s1 in _sentences(p.text):
            sentence = p.text[s0:s1]
            key = re.sub(r"\s+", "", sentence)
            if len(key) >= 12 and key in out._seen:  # the same sentence again: its figures are already candidates
                out.excluded["repeated"] += len(out._seen[key])
                continue
            try:
                readings = read(sentence)
            except (ValueError, ArithmeticError):  # a numeral no rule reads: skip the sentence, never fail the report
                continue
            quotes = [(a - s0, b - s0, o) for a, b, o in p.quotes if a < s1 and b > s0]
            year = None
            kept = out._seen.setdefault(key, [])
            for r in readings:
                c0, c1 = _clause(sentence, r.start, r.end)
                context = sentence[:c1]
                kind = exclusion(sentence, r, s0 == 0, quotes, context)
                if kind == "date" and r.unit == "年" and r.upper is None \
                        and not any(a <= r.start < b for a, b, _ in quotes):
                    year = plain(r.value)  # the year the sentence is about, unless it stands in a title
                if kind is not None:
                    out.excluded[kind] += 1
                    out.skipped.append((kind, r.text, p.offsets[s0 + r.start]))
                    continue
                out.candidates.append(self._candidate(p, doc, sentence, s0, r, (c0, c1), context, resolved,
                                                      section, main, year, source_id))
                kept.append(len(out.candidates) - 1)

    def _candidate(self, p: Paragraph, doc: Document, sentence: str, s0: int, r: Reading, clause: tuple[int, int],
                   context: str, resolved: list[tuple[Mention, Place]], section: Place | None, main: Place | None,
                   year: str | None, source_id: str) -> dict:
        c0, c1 = clause
        unit, fig_end = r.unit, r.end
        follow = sentence[r.end:r.end + 3]
        if unit == "个" and follow.startswith("月"):
            unit, fig_end = "个月", r.end + 1
        elif unit == "个" and follow.startswith("小时"):
            unit, fig_end = "小时", r.end + 2
        per = per_of(sentence[c0:c1])  # 每个社区 in one clause says nothing of the next (各街道安排…)
        period_kind, since = period_of(context, per)
        # evidence: the figure with the noun it counts; with the bound that reaches it (至少 ... 1次)
        a, b = _noun_after(sentence, fig_end)
        if b - a >= 2:
            ev0, ev1, noun = r.start, b, sentence[a:b]
        else:
            a, b = _noun_before(sentence, r.start, c0)
            noun = sentence[a:b]
            ev0, ev1 = (a if b - a >= 1 else r.start), fig_end
        if r.form in ("at_least", "over", "under", "at_most") and _NUMERAL.match(_norm(r.text)) \
                and not r.text.endswith(("以上", "以下", "以内")):
            reach = max((m.start() for m in re.finditer("至少|不少于|不低于|最少|不超过|最多|不到|不足|少于|超过", sentence[c0:r.start])), default=None)
            if reach is not None:
                ev0 = min(ev0, c0 + reach)
        ev0 = max(ev0, ev1 - MAX_EVIDENCE)
        match = fterms.match(sentence[c0:c1], r.start - c0, fig_end - c0, unit, per, sentence=sentence,
                             terms=self.terms, catalog=self.catalog)
        if match.term and not noun:
            noun = match.term
        place, place_conf = self._locality(p, s0 + r.start, s0, resolved, section, main)
        evidence, offset = self._evidence(p, doc, s0 + ev0, s0 + ev1, s0 + r.start, s0 + fig_end)
        ctx_start, ctx_end = p.offsets[s0], p.offsets[s0 + len(sentence) - 1] + 1
        iv = r.interval
        counts = match.counts if match.indicator else fterms.COUNTS_OF_UNIT_KIND.get(r.unit_kind or "", "")
        conf = 0.55
        conf += 0.15 if unit else -0.25
        conf += 0.15 if match.indicator else (0.05 if noun else -0.05)
        ns, ne = _numeral_span(sentence, r)
        digits = sentence[ns:ne]
        if digits and not digits[0].isdigit() and r.value <= 10:
            conf -= 0.1
        if r.value == 1 and r.form == "exact":
            conf -= 0.1
        conf = round(max(0.05, min(0.99, conf * (0.85 + 0.15 * place_conf))), 2)
        return {
            "fact_id": "",
            "source_id": source_id,
            "locality": place.name if place else "",
            "locality_level": place.kind if place else "",
            "parent": place.parent if place else "",
            "indicator": match.indicator,
            "subject": match.name_en,
            "value": plain(r.value),
            "unit": unit,
            "qualifier": r.qualifier,
            "period": year or "",
            "evidence": evidence,
            "low": plain(iv.low),
            "high": plain(iv.high),
            "per": per,
            "period_kind": period_kind,
            "bounds": iv.bounds,
            "since": since,
            "counts": counts,
            "theme": match.theme or "",
            "subject_zh": noun.strip("（）() "),
            "offset": offset,
            "confidence": conf,
            "context": doc.text[ctx_start:ctx_end].replace("\n", "").strip(),
            "adcode": (place.adcode or "") if place else "",
        }

    @staticmethod
    def _evidence(p: Paragraph, doc: Document, a: int, b: int, fig_a: int, fig_b: int) -> tuple[str, int]:
        """The verbatim text for paragraph positions [a, b) and its offset; kept inside one stretch of the
        document (a paragraph joined across a caption is two stretches)."""
        offs = p.offsets
        a, b = max(0, a), min(len(offs), b)
        # stay in the stretch that holds the figure: no jump over a skipped caption
        lo = fig_a
        while lo > a and offs[lo] - offs[lo - 1] <= 2:
            lo -= 1
        hi = fig_b
        while hi < b and offs[hi] - offs[hi - 1] <= 2:
            hi += 1
        start, end = offs[lo], offs[hi - 1] + 1
        text = doc.text[start:end]
        if len(re.sub(r"\s", "", text)) > MAX_EVIDENCE:
            start, end = offs[fig_a], offs[fig_b - 1] + 1
            text = doc.text[start:end]
        return re.sub(r"\s+", "", text) if "\n" in text else text, start


_DEFAULT: dict[int, Extractor] = {}


def extract(doc: Document, localities: pl.DataFrame | None = None, *, source_id: str = "") -> Extraction:
    """The candidates of one document (see the module's rules)."""
    if localities is None:
        ex = _DEFAULT.get(0) or _DEFAULT.setdefault(0, Extractor())
    else:
        ex = Extractor(localities)
    return ex.extract(doc, source_id=source_id)


def check_evidence(text: str, evidence: str) -> bool:
    """True when the evidence, whitespace removed, is a piece of the text, whitespace removed."""
    squeeze = re.compile(r"\s+")
    return bool(evidence) and squeeze.sub("", evidence) in squeeze.sub("", text)


def decimal_or_none(text: str | None) -> Decimal | None:
    return Decimal(text) if text not in (None, "") else None
