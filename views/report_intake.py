"""The report intake page (报告录入) without Streamlit: read an upload, lay out its candidates for review, apply the
reviewer's edits, add a missed figure, publish, list and withdraw added reports.

The page (pages/report_intake.py) only lays these out; every frame operation is here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import polars as pl

from figures.extract import Extraction, Extractor, check_evidence
from figures.places import PlaceIndex
from figures.readers import Document, DocumentError, read_bytes
from figures.wording import interval, plain, read_one
from store.access import Actor
from store.db import Database
from store.reports import QUALIFIERS, Published, publish, reports, withdraw

__all__ = ["QUALIFIERS", "UPLOAD_TYPES", "Intake", "load"]

# The review table's columns: what a reviewer edits, then what is shown read-only.
EDITABLE: tuple[str, ...] = ("accepted", "value", "qualifier", "low", "high", "unit", "locality", "indicator")
SHOWN: tuple[str, ...] = ("key", *EDITABLE, "evidence", "confidence")
DEFAULT_ACCEPT = 0.5  # candidates this sure start ticked; the reviewer unticks what is wrong
UPLOAD_TYPES = ("txt", "docx", "pdf", "html", "htm")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


@dataclass
class Intake:
    """One uploaded report under review: its file, text, candidates and the figures the reviewer added."""

    name: str
    data: bytes
    sha256: str
    document: Document
    extraction: Extraction
    added: list[dict] = field(default_factory=list)

    @property
    def candidates(self) -> list[dict]:
        return self.extraction.candidates + self.added

    @property
    def main_place(self) -> str:
        return self.extraction.main_place.name if self.extraction.main_place else ""


def load(data: bytes, name: str, localities: pl.DataFrame) -> Intake | str:
    """The intake of an upload, or the reason it yields no text (empty, unreadable, encrypted, no text layer)."""
    try:
        doc = read_bytes(data, name)
    except DocumentError as exc:
        return str(exc)
    extraction = Extractor(localities).extract(doc)
    return Intake(name=name, data=data, sha256=hashlib.sha256(data).hexdigest(), document=doc, extraction=extraction)


def exclusions(intake: Intake) -> dict[str, int]:
    """What the extractor skipped, by kind (date, numbering, slogan ...), for the summary."""
    return dict(sorted(intake.extraction.excluded.items()))


def review_frame(intake: Intake, min_confidence: float = 0.0) -> pl.DataFrame:
    """One row per candidate at or above `min_confidence`, in the columns of SHOWN (`key` identifies the candidate)."""
    rows = []
    for key, c in enumerate(intake.candidates, start=1):  # keys count from 1, as a reviewer does
        conf = float(c.get("confidence") or 0)
        if conf < min_confidence:
            continue
        rows.append({
            "key": key,
            "accepted": bool(c.get("_accepted", conf >= DEFAULT_ACCEPT)),
            "value": float(c["value"]),
            "qualifier": c["qualifier"],
            "low": None if c["low"] in ("", None) else float(c["low"]),
            "high": None if c["high"] in ("", None) else float(c["high"]),
            "unit": c["unit"],
            "locality": c["locality"],
            "indicator": c["indicator"] or None,
            "evidence": c["evidence"],
            "confidence": conf,
        })
    schema = {"key": pl.Int64, "accepted": pl.Boolean, "value": pl.Float64, "qualifier": pl.String, "low": pl.Float64,
              "high": pl.Float64, "unit": pl.String, "locality": pl.String, "indicator": pl.String, "evidence": pl.String,
              "confidence": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def keys_of(frame: pl.DataFrame) -> list[int]:
    """The candidate keys a review frame shows, in order."""
    return frame["key"].to_list()


def indicator_options() -> list[str]:
    """Every catalog indicator id, for the indicator column's choices."""
    from queries.catalog import indicator_ids

    return list(indicator_ids())


def row_label(intake: Intake, key: int) -> str:
    return f"{key}. {intake.candidates[key - 1]['evidence']}"


def evidence_markdown(intake: Intake, key: int) -> str:
    """The candidate's sentence with its evidence highlighted, as Streamlit markdown (text escaped)."""
    c = intake.candidates[key - 1]
    context, evidence = c.get("context") or "", c["evidence"]
    i = context.find(evidence)
    if i < 0:
        return _md(context) + "\n\n:orange-background[" + _md(evidence) + "]"
    return _md(context[:i]) + ":orange-background[**" + _md(evidence) + "**]" + _md(context[i + len(evidence):])


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


# ------------------------------------------------------------------------------------------ edits
def _frame(edited: object) -> pl.DataFrame:
    if isinstance(edited, pl.DataFrame):
        return edited
    return pl.from_pandas(edited)  # type: ignore[arg-type]  # st.data_editor hands pandas back for other inputs


def _num(value: object) -> Decimal | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    try:
        return Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        return None


def rows_to_publish(intake: Intake, edited: object, localities: pl.DataFrame) -> list[dict]:
    """The accepted rows of the editor, each the candidate with the reviewer's edits.

    A changed value or qualifier recomputes the interval by the wording rules unless the reviewer also set
    low/high; a changed locality is looked up again (kind, parent, adcode)."""
    index = PlaceIndex.from_frame(localities)
    out = []
    for r in _frame(edited).iter_rows(named=True):
        if not r.get("accepted"):
            continue
        c = dict(intake.candidates[int(r["key"]) - 1])
        value, low, high = _num(r["value"]), _num(r["low"]), _num(r["high"])
        old_value, old_low, old_high = _num(c["value"]), _num(c["low"]), _num(c["high"])
        qualifier = (r.get("qualifier") or c["qualifier"]).strip()
        changed_reading = value != old_value or qualifier != c["qualifier"]
        interval_set = low != old_low or high != old_high
        if value is not None:
            c["value"] = plain(value)
        c["qualifier"] = qualifier
        if changed_reading and not interval_set and value is not None:
            try:
                iv = interval(value, qualifier, percent=(r.get("unit") or c["unit"]) == "%")
                c["low"], c["high"], c["bounds"] = plain(iv.low), plain(iv.high), iv.bounds
            except ValueError:
                pass  # an unknown qualifier: store/reports.py names it when publishing
        elif interval_set:
            c["low"], c["high"] = plain(low), plain(high)
            c["bounds"] = ("[" if low is not None else "(") + ("]" if high is not None else ")")
        c["unit"] = (r.get("unit") or "").strip()
        c["indicator"] = (r.get("indicator") or "").strip()
        locality = (r.get("locality") or "").strip()
        if locality != c["locality"]:
            place = index.resolve(locality)
            c.update(locality=locality, locality_level=place.kind if place.kind else "", parent=place.parent,
                     adcode=place.adcode or "")
        out.append(c)
    return out


def add_missed(intake: Intake, evidence: str, value: str | None = None) -> str | None:
    """Add a figure the extractor missed, from its evidence phrase (verbatim from the report, whitespace
    ignored). Returns the reason it cannot be added, or None when it was added."""
    phrase = (evidence or "").strip()
    if not phrase:
        return "empty"
    if len(phrase) > 40:
        return "too_long"
    if not check_evidence(intake.document.text, phrase):
        return "not_in_text"
    try:
        r = read_one(phrase, value or None)
    except ValueError:
        return "no_figure"
    flat = re.sub(r"\s+", "", intake.document.text)
    pos = flat.find(re.sub(r"\s+", "", phrase))
    offset = [i for i, ch in enumerate(intake.document.text) if not ch.isspace()][pos]
    main = intake.extraction.main_place
    iv = r.interval
    intake.added.append({
        "fact_id": "", "source_id": "", "locality": main.name if main else "", "locality_level": main.kind if main else "",
        "parent": main.parent if main else "", "indicator": "", "subject": "", "value": plain(r.value), "unit": r.unit,
        "qualifier": r.qualifier, "period": "", "evidence": phrase, "low": plain(iv.low), "high": plain(iv.high),
        "per": r.per, "period_kind": r.period_kind, "bounds": iv.bounds, "since": r.since, "counts": "", "theme": "",
        "subject_zh": "", "offset": offset, "confidence": 1.0, "context": phrase,
        "adcode": (main.adcode or "") if main else "", "_accepted": True,
    })
    return None


def publish_intake(db: Database, intake: Intake, rows: list[dict], *, title: str, author: str, issued: str,
                   actor: Actor) -> Published:
    """Publish the reviewed rows as a new source with the report file kept (store/reports.py checks and writes)."""
    return publish(db, [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows], title=title,
                   author=author or None, issued=issued or None, file_name=intake.name, data=intake.data,
                   source_text=intake.document.text, actor=actor)


# ------------------------------------------------------------------------------------------ added reports
def history(db: Database) -> pl.DataFrame:
    """One row per version of an added report, newest first: source, title, issuer, date, facts, status, who, when."""
    df = reports(db)
    if df.is_empty():
        return df
    return df.select("source_id", "version_id", "title", "author", "issued", "facts", "status", "published_by",
                     "published_at", "file_name")


def active_sources(db: Database) -> list[str]:
    df = reports(db)
    return [] if df.is_empty() else df.filter(pl.col("status") == "active")["source_id"].to_list()


def withdraw_source(db: Database, source_id: str, actor: Actor) -> int:
    return withdraw(db, source_id, actor=actor)
