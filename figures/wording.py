"""The wording rules: which interval, denominator and period a Chinese report's phrase for a number implies.

A report never writes "x ∈ [2600, 2700)"; it writes 2600多个. This module is the one place that turns
such wording into numbers, for data/sources/facts.csv (columns low, high, bounds, per, period_kind,
since), for reconciliation and for the report extractor. Pure Python (Decimal arithmetic, cn2an for
Chinese numerals), no Streamlit, no polars.

Intervals are in base units (万 and 亿 multiplied out) on the scale of the stated value (a percentage
stays in percent). Every end is either closed or open; an unbounded end is None and counts as open.

The forms of wording, and the interval each gives (X the stated number):

========== ======================================== ==================== =========================
form       wording                                   qualifier            interval
========== ======================================== ==================== =========================
exact      5.53万, 613, 100%                         exact                [X − s/2, X + s/2]
more       X多, X余                                  more_than            [X, X + n)
over       超过 X, 逾 X, 多于 X, X以上                more_than            (X, ∞)
at_least   不少于 X, 不低于 X, 至少 X, 最少 X         at_least             [X, ∞)
under      不到 X, 不足 X, 少于 X, X以内, X以下       up_to                [0, X)
at_most    不超过 X, 最多 X                          up_to                [0, X]
about      约 X, 大约 X, X左右, X上下                about                [X − h, X + h]
near       近 X, 将近 X, 接近 X                      about                [X − h, X]
range      X—Y, X至Y, X到Y, X~Y                      at_least             [X, Y]
========== ======================================== ==================== =========================

- s, the stated precision: the place value of the last written digit, zeros included, in the written
  multiplier: 5.53万 → 100, so [55250, 55350]; 613 → 1; 18万 → 10,000; 600万 → 10,000. Counts
  written in full (670条, 300个) are read as counted to the unit: reports mark rounding with 多, 余,
  约 and 左右, not with trailing zeros.
- n, the step of 多/余: the place value of the last non-zero written digit (多 stands for the digits
  after it): 3万多 → [30000, 40000); 2600多 → [2600, 2700); 610多 → [610, 620); 20余 → [20, 30);
  6000多万 → [6×10⁷, 7×10⁷); 6.4万余 → [64000, 65000).
- h, the band of 约/左右/近: 10 % of X, and never less than half the stated precision s/2. A figure
  the writer marked as approximate is at least as loose as the same figure written plainly; 10 % is
  the band inside which a reader does not call "约2000万" or "1000人左右" wrong (1,800万 or 1,080人
  pass, 1,500万 or 1,300人 do not). ±5 % would be narrower than the rounding of most such figures
  (they are usually stated to one significant digit: 1万人左右), and half a unit of the leading digit
  (±50 % for 1000左右) would make the claim almost empty. The band is one constant, ABOUT_BAND.
  So 1000人左右 → [900, 1100], 约2000万 → [1.8×10⁷, 2.2×10⁷], but 1万人左右 → [5000, 15000]: "1万人"
  written plainly already means [5000, 15000], and 左右 cannot make it tighter.
- 以上/超过 are strict and 以内/以下/不到 exclude X, as the issue that set these rules asks. (PRC
  statute, Civil Code art. 1259, reads 以上, 以下 and 以内 as including X; where that matters the
  `bounds` column says which reading a figure got.)
- A share in percent is capped at 100 (98%以上 → (98, 100]); a growth rate (增长率108%) is not a share
  and is not capped. Counts and money are never negative: lower ends are floored at 0.

Denominator (`per`) and period (`period_kind`, `since`) come from keywords around the figure:
per is community, street, compound or grid (每个社区, 每个街道, 每个小区, 每个网格), else month
or quarter (每月, 月平均, 月工资, 每季度), else person (人均), else year (每年, /年, 次/年); a
figure per place per year keeps the place in `per` and says annual in `period_kind`.
period_kind is annual for a window within one year (今年以来, 年内, 全年, even with 累计), else
cumulative (累计, 先后, 近两年, 去年以来, 2019年以来), annual (每年, 今年, a named year such as
2021年), point (目前, 截至, 现有, 总量, 共有, 下辖) or, with none of these, point for a standing monthly or
quarterly rate and unknown otherwise. `since` is a cumulative period's start: a
year (2019) or a count of years before the report's own year (-1 for 去年以来 and 近两年, -2 for
近三年); reports carry no date of their own, so the relative form is kept as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

QUALIFIERS: tuple[str, ...] = ("exact", "more_than", "at_least", "about", "up_to")
FORMS: tuple[str, ...] = ("exact", "more", "over", "at_least", "under", "at_most", "about", "near", "range")
QUALIFIER_OF_FORM: dict[str, str] = {
    "exact": "exact",
    "more": "more_than",
    "over": "more_than",
    "at_least": "at_least",
    "under": "up_to",
    "at_most": "up_to",
    "about": "about",
    "near": "about",
    "range": "at_least",
}
# A figure known only by its qualifier (no wording) gets the loosest reading of that qualifier,
# so it is never judged more strictly than its words would be.
DEFAULT_FORM: dict[str, str] = {
    "exact": "exact",
    "more_than": "over",
    "at_least": "at_least",
    "about": "about",
    "up_to": "at_most",
}
PERS: tuple[str, ...] = ("", "year", "quarter", "month", "community", "street", "compound", "grid", "person")
PERIOD_KINDS: tuple[str, ...] = ("point", "annual", "cumulative", "unknown")
BOUNDS: tuple[str, ...] = ("[]", "[)", "(]", "()")
ABOUT_BAND = Decimal("0.1")
HUNDRED = Decimal(100)
MULTIPLIERS: dict[str, Decimal] = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}

# What a measure word alone says is counted; 个, 件, 项, 次 ... say nothing (the subject does).
UNIT_KIND: dict[str, str] = {
    "元": "yuan",
    "平方米": "m2",
    "人次": "person_times",
    "%": "percent",
    "小时": "hours",
    "学时": "class_hours",
    "户": "households",
    "名": "persons",
    "人": "persons",
    "倍": "times",
}

Number = Decimal | int | float | str


def decimal(value: Number) -> Decimal:
    """A Decimal from a number or its text (floats through their shortest repr, so 0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def plain(value: Decimal | None) -> str:
    """A Decimal as plain text without exponent or trailing zeros ('' for None): 55250, 612.5."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---------------------------------------------------------------------------- intervals
@dataclass(frozen=True)
class Interval:
    """A set of values on the real line; None is an unbounded end (always open)."""

    low: Decimal | None
    high: Decimal | None
    low_closed: bool = True
    high_closed: bool = True

    def __post_init__(self) -> None:
        if self.low is None:
            object.__setattr__(self, "low_closed", False)
        if self.high is None:
            object.__setattr__(self, "high_closed", False)
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"empty interval: low {self.low} > high {self.high}")

    @property
    def bounds(self) -> str:
        """The ends in interval notation: '[]', '[)', '(]' or '()' (an unbounded end is open)."""
        return ("[" if self.low_closed else "(") + ("]" if self.high_closed else ")")

    def contains(self, x: Number, *, rel_eps: float = 1e-9) -> bool:
        """True if x lies in the interval. rel_eps absorbs binary floating-point noise in x
        (199/200 against 0.995), nothing more: it widens closed ends and narrows open ends."""
        v = float(x)
        if self.low is not None:
            lo = float(self.low)
            eps = rel_eps * max(1.0, abs(lo))
            if (v < lo - eps) if self.low_closed else (v <= lo + eps):
                return False
        if self.high is not None:
            hi = float(self.high)
            eps = rel_eps * max(1.0, abs(hi))
            if (v > hi + eps) if self.high_closed else (v >= hi - eps):
                return False
        return True

    def scaled(self, factor: Number) -> Interval:
        """The same interval with both ends multiplied by a positive factor (percent → fraction: 0.01)."""
        f = decimal(factor)
        if f <= 0:
            raise ValueError("factor must be positive")
        return Interval(
            None if self.low is None else self.low * f,
            None if self.high is None else self.high * f,
            self.low_closed,
            self.high_closed,
        )

    def __str__(self) -> str:
        low = "−∞" if self.low is None else plain(self.low)
        high = "∞" if self.high is None else plain(self.high)
        return f"{self.bounds[0]}{low}, {high}{self.bounds[1]}"

    @classmethod
    def from_cells(cls, low: str | None, high: str | None, bounds: str) -> Interval:
        """The interval stored in a facts.csv row (low, high as text, '' = unbounded; bounds as notation)."""
        if bounds not in BOUNDS:
            raise ValueError(f"bounds must be one of {BOUNDS}, not {bounds!r}")
        lo = decimal(low) if low not in (None, "") else None
        hi = decimal(high) if high not in (None, "") else None
        return cls(lo, hi, bounds[0] == "[", bounds[1] == "]")


def split_written(written: str) -> tuple[str, Decimal]:
    """The digits and the multiplier of a number as written: '5.53万' → ('5.53', 10000)."""
    text = _normalise(written).strip().replace(",", "")
    mult = Decimal(1)
    while text and text[-1] in MULTIPLIERS:
        mult *= MULTIPLIERS[text[-1]]
        text = text[:-1]
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise ValueError(f"not a written number: {written!r}")
    return text, mult


def last_digit(written: str) -> Decimal:
    """Place value, in base units, of the last written digit, zeros included: '5.53万' → 100, '600' → 1."""
    digits, mult = split_written(written)
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return Decimal(1).scaleb(-decimals) * mult


def last_nonzero_digit(written: str) -> Decimal:
    """Place value, in base units, of the last non-zero written digit: '2600' → 100, '3万' → 10000."""
    digits, mult = split_written(written)
    whole, _, frac = digits.partition(".")
    frac = frac.rstrip("0")
    if frac:
        return Decimal(1).scaleb(-len(frac)) * mult
    stripped = whole.rstrip("0")
    if not stripped:  # the number zero: its only digit is the unit
        return mult
    return Decimal(1).scaleb(len(whole) - len(stripped)) * mult


def interval(
    value: Number,
    form: str,
    *,
    written: str | None = None,
    upper: Number | None = None,
    percent: bool = False,
) -> Interval:
    """The interval a figure's wording implies, in base units.

    `value` is the stated number in base units (a range's lower end); `form` one of FORMS or, for a
    figure known only by its qualifier, one of QUALIFIERS (read as DEFAULT_FORM, its loosest
    reading). `written` is the number as the report writes it ('5.53万', '2600', '6000万'); it
    fixes the precision and defaults to `value` written in full. `upper` is a range's upper end.
    `percent` marks a share in percent, capped at 100.
    """
    x = decimal(value)
    form = DEFAULT_FORM.get(form, form)
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS} or a qualifier {QUALIFIERS}, not {form!r}")
    w = written if written is not None else plain(x)
    if _written_value(w) != x:
        raise ValueError(f"written {w!r} is not the value {plain(x)}")
    step = last_digit(w)
    if form == "exact":
        out = Interval(x - step / 2, x + step / 2)
    elif form == "more":
        out = Interval(x, x + last_nonzero_digit(w), True, False)
    elif form == "over":
        out = Interval(x, None, False, False)
    elif form == "at_least":
        out = Interval(x, None, True, False)
    elif form == "under":
        out = Interval(Decimal(0), x, True, False)
    elif form == "at_most":
        out = Interval(Decimal(0), x, True, True)
    elif form in ("about", "near"):
        h = max(abs(x) * ABOUT_BAND, step / 2)
        out = Interval(x - h, x + h if form == "about" else x)
    else:  # range
        if upper is None:
            raise ValueError("a range needs its upper end")
        out = Interval(x, decimal(upper))
    return _clip(out, percent)


def _written_value(written: str) -> Decimal:
    digits, mult = split_written(written)
    return Decimal(digits) * mult


def _clip(iv: Interval, percent: bool) -> Interval:
    low, high, lc, hc = iv.low, iv.high, iv.low_closed, iv.high_closed
    if low is not None and low < 0:
        low, lc = Decimal(0), True
    if percent and (high is None or high >= HUNDRED):
        high, hc = HUNDRED, True
    return Interval(low, high, lc, hc)


# ---------------------------------------------------------------------------- reading phrases
PREFIX_FORM: dict[str, str] = {
    "超过": "over", "逾": "over", "多于": "over", "高于": "over",
    "不少于": "at_least", "不低于": "at_least", "至少": "at_least", "最少": "at_least",
    "不到": "under", "不足": "under", "少于": "under", "低于": "under",
    "不超过": "at_most", "最多": "at_most",
    "大约": "about", "约": "about",
    "将近": "near", "接近": "near", "近": "near",
}
SUFFIX_FORM: dict[str, str] = {"以上": "over", "以下": "under", "以内": "under", "左右": "about", "上下": "about"}
# Measure words after a number, longest first so 人次 is not read as 人.
UNITS: tuple[str, ...] = tuple(sorted(
    ["条(次)", "人次", "场次", "批次", "平方米", "学时", "小时", "方面", "板块", "个", "名", "人", "件", "次", "项",
     "条", "家", "元", "户", "支", "批", "份", "起", "年", "类", "处", "倍", "场", "所", "座", "间", "%", "天", "月",
     "周", "季度", "分钟", "辆", "台", "位", "位次", "期", "届", "轮", "套", "栋", "幢", "万"],
    key=len, reverse=True,
))
_CN = "零〇一二两三四五六七八九十百千"
_NUM = rf"(?:\d+(?:\.\d+)?|[{_CN}]+)"
_PREFIX = "|".join(sorted(PREFIX_FORM, key=len, reverse=True))
_SUFFIX = "|".join(SUFFIX_FORM)
# Bounds that govern a verb phrase reach the number across words (年内至少走访联系街道社区1次), up to
# the clause's start; 约 and 近 do not (约谈, 近年来 are words), they must touch the number.
_REACHING = re.compile("|".join(sorted((k for k, v in PREFIX_FORM.items() if v in ("at_least", "over", "under", "at_most")), key=len, reverse=True)))
_CLAUSE = re.compile(r"[，。；：,;:！？!?]")
_UNIT = "|".join(re.escape(u) for u in UNITS if u != "万")
_FIGURE = re.compile(
    rf"(?P<prefix>{_PREFIX})?(?P<n1>{_NUM})(?P<m1>[万亿])?"
    rf"(?:\s*[—–\-~～至到]\s*(?P<n2>{_NUM}))?"
    rf"(?P<more1>[多余])?(?P<mult>[万亿])?(?P<more2>[多余])?(?P<unit>{_UNIT})?(?P<suffix>{_SUFFIX})?"
)
_GROWTH = re.compile(r"增长|增幅|增加|提高|上升|下降|减少")
_PLACE_PER = (
    (re.compile(r"每(?:个|一个)?(?:城市)?社区"), "community"),
    (re.compile(r"每(?:个|一个)?(?:城区)?街道"), "street"),
    (re.compile(r"每(?:个|一个)?(?:居民)?小区"), "compound"),
    (re.compile(r"每(?:个|一个)?网格"), "grid"),
)
_MONTH = re.compile(r"每月|月平均|月均|月工资|/月")
_QUARTER = re.compile(r"每季度|/季")
_PERSON = re.compile(r"人均|每人")
_YEAR = re.compile(r"每年|/年|年均")
_CUMULATIVE = re.compile(r"累计|先后|历年|近[一二两三四五六七八九十\d]+年|去年以来|\d{4}年以来")
_ANNUAL = re.compile(r"每年|年内|今年以来|今年|全年|/年|年均|(?<!\d)\d{4}年(?!以来|—|-)")
_THIS_YEAR = re.compile(r"今年以来|年内|全年")
_POINT = re.compile(r"目前|截至|截止|现有|总量|当前|共有|下辖")  # 共有/下辖: a stock ("has, in all")
_SINCE_YEAR = re.compile(r"(\d{4})年以来")
_SINCE_RECENT = re.compile(r"近([一二两三四五六七八九十\d]+)年")


@dataclass(frozen=True)
class Reading:
    """One figure read from a phrase: where it stands, what it says and what it implies."""

    text: str  # the matched words, e.g. 3万多名
    start: int
    end: int
    value: Decimal  # base units; a range's lower end
    upper: Decimal | None  # a range's upper end
    written: str  # the number as written, e.g. 3万
    form: str
    unit: str  # the measure word as written ('' when none)
    percent: bool  # a share in percent (capped at 100)
    per: str
    period_kind: str
    since: str

    @property
    def qualifier(self) -> str:
        return QUALIFIER_OF_FORM[self.form]

    @property
    def interval(self) -> Interval:
        return interval(self.value, self.form, written=self.written, upper=self.upper, percent=self.percent)

    @property
    def low(self) -> Decimal | None:
        return self.interval.low

    @property
    def high(self) -> Decimal | None:
        return self.interval.high

    @property
    def bounds(self) -> str:
        return self.interval.bounds

    @property
    def unit_kind(self) -> str | None:
        return unit_kind(self.unit)


def unit_kind(unit: str | None) -> str | None:
    """What a measure word alone says is counted (元 → yuan, 人次 → person_times), None when it says nothing."""
    return UNIT_KIND.get(_normalise(unit or "").strip())


def _normalise(text: str) -> str:
    """Full-width digits, letters and signs to ASCII, one character for one (offsets stay valid)."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def _number(text: str) -> tuple[Decimal, str]:
    """The value and the written digits of an Arabic or Chinese numeral: '两' → (2, '2')."""
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return Decimal(text), text
    import cn2an  # imported on first use: it takes half a second, and most phrases use Arabic digits

    value = cn2an.cn2an(text, "smart")
    d = decimal(value)
    return d, plain(d)


def _is_numeral(text: str) -> bool:
    """True if cn2an reads the text as a number (a run of numeral characters need not be one: 千千, 十百)."""
    try:
        _number(text)
    except ValueError:
        return False
    return True


def per_of(context: str) -> str:
    """The denominator the words around a figure state (see the module's rules); '' for none."""
    text = _normalise(context)
    for pattern, per in _PLACE_PER:
        if pattern.search(text):
            return per
    if _MONTH.search(text):
        return "month"
    if _QUARTER.search(text):
        return "quarter"
    if _PERSON.search(text):
        return "person"
    if _YEAR.search(text):
        return "year"
    return ""


def period_of(context: str, per: str | None = None) -> tuple[str, str]:
    """(period_kind, since) the words around a figure state; see the module's rules."""
    text = _normalise(context)
    per = per_of(text) if per is None else per
    if _THIS_YEAR.search(text):  # 今年以来累计 sums within this year: one year, not several
        return "annual", ""
    if _CUMULATIVE.search(text):
        since = ""
        if m := _SINCE_YEAR.search(text):
            since = m.group(1)
        elif "去年以来" in text:
            since = "-1"
        elif m := _SINCE_RECENT.search(text):
            since = str(1 - int(_number(m.group(1))[0]))
        return "cumulative", since
    if _ANNUAL.search(text):
        return "annual", ""
    if _POINT.search(text) or per in ("month", "quarter"):
        return "point", ""
    return "unknown", ""


def _reaching_form(text: str, start: int, floor: int) -> str:
    """The bound a clause puts on a number further on (至少 ... 1次), or exact."""
    span = text[floor:start]
    cut = [m.end() for m in _CLAUSE.finditer(span)]
    span = span[cut[-1]:] if cut else span
    found = _REACHING.findall(span)
    return PREFIX_FORM[found[-1]] if found else "exact"


def read(phrase: str, *, context: str | None = None) -> list[Reading]:
    """Every figure in a phrase, in order. `context` (default: the phrase) is the text searched for
    the denominator and period keywords, e.g. the sentence the phrase stands in.

    Chinese numerals count only before a measure word (九条, 两个, 一次), so 一肩挑 or 第十二 are not
    figures. Numbers listed with 、 share their neighbours' wording: 不少于300、500平方米 gives two
    at_least figures in 平方米.
    """
    text = _normalise(phrase)
    ctx = _normalise(context if context is not None else phrase)
    per = per_of(ctx)
    period_kind, since = period_of(ctx, per)
    growth = bool(_GROWTH.search(ctx))
    raw = []
    for m in _FIGURE.finditer(text):
        n1, n2 = m.group("n1"), m.group("n2")
        chinese = not n1[0].isdigit()
        if chinese and not (m.group("unit") or m.group("mult") or m.group("m1")):
            continue
        if m.start() > 0 and text[m.start() - 1] == "第":
            continue
        if not all(_is_numeral(n) for n in (n1, n2) if n):  # 千年古郡, 百姓: characters, not a numeral
            continue
        raw.append(m)
    figures: list[dict] = []
    for m in raw:
        v1, w1 = _number(m.group("n1"))
        mult = MULTIPLIERS.get(m.group("mult") or "", Decimal(1))
        m1 = MULTIPLIERS.get(m.group("m1") or "", None)
        first_mult = m1 if m1 is not None else mult
        upper = None
        if m.group("n2"):
            v2, _ = _number(m.group("n2"))
            upper = v2 * mult
        suffix_more = m.group("suffix") == "多"
        more = bool(m.group("more1") or m.group("more2")) or suffix_more
        if upper is not None:
            form = "range"
        elif more:
            form = "more"
        elif m.group("prefix"):
            form = PREFIX_FORM[m.group("prefix")]
        elif m.group("suffix"):
            form = SUFFIX_FORM[m.group("suffix")]
        else:
            form = _reaching_form(text, m.start(), figures[-1]["m"].end() if figures else 0)
        written = w1 + (m.group("m1") or m.group("mult") or "")
        figures.append({
            "m": m, "value": v1 * first_mult, "upper": upper, "written": written, "form": form,
            "unit": m.group("unit") or "", "prefix": m.group("prefix"), "suffix": m.group("suffix"),
        })
    # an enumeration joined by 、 shares its prefix, its closing suffix and its measure word
    i = 0
    while i < len(figures):
        j = i
        while j + 1 < len(figures) and text[figures[j]["m"].end():figures[j + 1]["m"].start()] == "、" \
                and not figures[j]["unit"]:
            j += 1
        if j > i:
            group = figures[i:j + 1]
            prefix, last = group[0]["prefix"], group[-1]
            for f in group:
                if not f["unit"]:
                    f["unit"] = last["unit"]
                if f["form"] == "exact":
                    if prefix:
                        f["form"] = PREFIX_FORM[prefix]
                    elif last["suffix"] in SUFFIX_FORM:
                        f["form"] = SUFFIX_FORM[last["suffix"]]
        i = j + 1
    out = []
    for f in figures:
        m = f["m"]
        percent = f["unit"] == "%" and not growth
        out.append(Reading(
            text=phrase[m.start():m.end()], start=m.start(), end=m.end(), value=f["value"], upper=f["upper"],
            written=f["written"], form=f["form"], unit=f["unit"], percent=percent,
            per=per, period_kind=period_kind, since=since,
        ))
    return out


def read_one(phrase: str, value: Number | None = None, *, context: str | None = None) -> Reading:
    """The figure of a phrase whose value (or a range's lower end) equals `value`, or the first figure.

    ValueError when the phrase states no such figure.
    """
    found = read(phrase, context=context)
    if value is None:
        if not found:
            raise ValueError(f"no figure in {phrase!r}")
        return found[0]
    want = decimal(value)
    for r in found:
        if r.value == want:
            return r
    raise ValueError(f"{phrase!r} states no figure {plain(want)}; it states {[plain(r.value) for r in found]}")
