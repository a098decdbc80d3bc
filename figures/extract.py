"""Candidate published figures from a report's text: every number that states a count, amount, share, area, duration or frequency about a place.

The number and its wording (多, 不少于, 左右, ranges, 万/亿) are read by figures/wording.py, which also
gives the interval, denominator and period each wording implies; this module decides which numbers are
figures at all (the paragraphs, sentences and quotes a number stands in, and the exclusion rules below:
figures/sentences.py), what each counts (figures/terms.py), which place it is about (figures/places.py),
and the verbatim evidence a reviewer checks it against.

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

A change (覆盖率由78.5%提升到96%以上): the new value carries the indicator; the old one is a candidate
marked （原值） with no indicator, dated only by a year of its own (从2020年的…), and with lower confidence.

Locality: the nearest place named before the figure in its paragraph (a list of places, 港北区、港南区,
names none of them alone); else the place a heading above names; else the report's main place, which
its title, byline or first paragraph names. 全市, 全区, 全县 point to the place of that kind in scope.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import polars as pl

from figures import sentences
from figures import terms as fterms
from figures.places import Mention, Place, PlaceIndex
from figures.readers import Document
from figures.sentences import Paragraph, exclusion, paragraphs
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
# 全市, 全区: the whole place of that kind; not in 全区首个, 全市第一 (a rank within it, not the figure's scope)
_SCOPE_WORD = re.compile(r"全(市|区|县|省|镇|街道|旗)(?!首|第|唯一|最|率先|范围内首)")


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
            p.quotes = sentences.quote_spans(p.text)
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
        for m in sentences.NUMBERING.finditer(text):
            out.excluded["numbering"] += 1
            out.skipped.append(("numbering", m.group(0).strip(), m.start()))

    # --------------------------------------------------------------- one paragraph
    def _paragraph(self, p: Paragraph, doc: Document, main: Place | None, section: Place | None,
                   scope: list[Place], out: Extraction, source_id: str) -> None:
        resolved = self._resolved(p, scope + ([section] if section else []))
        for s0, s1 in sentences.sentences(p.text):
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
            clauses = [sentences.clause(sentence, r.start, r.end) for r in readings]
            kinds = [exclusion(sentence, r, s0 == 0, quotes, sentence[:c1])
                     for r, (_, c1) in zip(readings, clauses, strict=True)]
            pairs = sentences.changes(sentence, readings, kinds)
            year = None
            kept = out._seen.setdefault(key, [])
            for i, (r, kind, (c0, c1)) in enumerate(zip(readings, kinds, clauses, strict=True)):
                context = sentence[:c1]
                if kind == "date" and r.unit == "年" and r.upper is None \
                        and not any(a <= r.start < b for a, b, _ in quotes):
                    year = plain(r.value)  # the year the sentence is about, unless it stands in a title
                if kind is not None:
                    out.excluded[kind] += 1
                    out.skipped.append((kind, r.text, p.offsets[s0 + r.start]))
                    continue
                out.candidates.append(self._candidate(p, doc, sentence, s0, r, (c0, c1), context, resolved,
                                                      section, main, year, source_id, pairs.get(i)))
                kept.append(len(out.candidates) - 1)

    def _candidate(self, p: Paragraph, doc: Document, sentence: str, s0: int, r: Reading, clause: tuple[int, int],
                   context: str, resolved: list[tuple[Mention, Place]], section: Place | None, main: Place | None,
                   year: str | None, source_id: str, change: sentences.Change | None = None) -> dict:
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
        a, b = sentences.noun_after(sentence, fig_end)
        if b - a >= 2:
            ev0, ev1, noun = r.start, b, sentence[a:b]
        else:
            a, b = sentences.noun_before(sentence, r.start, c0)
            noun = sentence[a:b]
            ev0, ev1 = (a if b - a >= 1 else r.start), fig_end
        if r.form in ("at_least", "over", "under", "at_most") and sentences.NUMERAL.match(sentences.norm(r.text)) \
                and not r.text.endswith(("以上", "以下", "以内")):
            reach = max((m.start() for m in re.finditer("至少|不少于|不低于|最少|不超过|最多|不到|不足|少于|超过", sentence[c0:r.start])), default=None)
            if reach is not None:
                ev0 = min(ev0, c0 + reach)
        if change is not None:
            # 覆盖率由78.5%提升到96%: both figures are about the noun before 由; the evidence shows the change whole
            a, b = change.subject
            noun = "" if change.subject_is_time else (sentence[a:b] or noun)
            ev0, ev1 = (a if b > a else change.from_at), max(fig_end, change.partner.end)
        ev0 = max(ev0, ev1 - MAX_EVIDENCE)
        match = fterms.match(sentence[c0:c1], r.start - c0, fig_end - c0, unit, per, sentence=sentence,
                             terms=self.terms, catalog=self.catalog)
        if change is not None and not match.indicator:
            # the new value stands after the verb, far from the noun: match it where the old value stands
            match = fterms.match(sentence[c0:c1], change.partner.start - c0, change.partner.end - c0, unit, per,
                                 sentence=sentence, terms=self.terms, catalog=self.catalog)
        if change is not None and change.role == "old":
            # an earlier value: not the indicator's figure now (its period is only what 由/从 names)
            match = fterms.Match("", match.theme, match.term, match.term_start)
            year = year if year and year in sentence[change.from_at:r.start] else None
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
        ns, ne = sentences.numeral_span(sentence, r)
        digits = sentence[ns:ne]
        if digits and not digits[0].isdigit() and r.value <= 10:
            conf -= 0.1
        if r.value == 1 and r.form == "exact":
            conf -= 0.1
        if change is not None and change.role == "old" and not year:
            conf -= 0.1  # an earlier value with no year: the reviewer must date it
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
            "subject_zh": _subject(noun, old_value=change is not None and change.role == "old"),
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


def _subject(noun: str, *, old_value: bool) -> str:
    """The noun as a subject: brackets it does not close or open trimmed (小区党支部（或联合党支部） keeps its aside)."""
    out = noun.strip(" ")
    while out and out[-1] in "）)" and out.count("（") + out.count("(") < out.count("）") + out.count(")"):
        out = out[:-1]
    while out and out[0] in "（(" and out.count("（") + out.count("(") > out.count("）") + out.count(")"):
        out = out[1:]
    out = out.lstrip("）)").rstrip("（(")
    return f"{out}（原值）" if old_value and out else out


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
