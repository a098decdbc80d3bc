"""A published fact as people read it: its figure, unit, range, subject, and why a roster agrees with it or not.

A fact row is a mapping with facts.csv's columns (value, qualifier, unit, low, high, bounds, counts,
per, subject, subject_zh ...); a value and its interval are on the report's own scale (100 for 100 %).
Reconciliation rows are in catalog units; their text comes through text.indicators, and reason()
turns queries.reconcile's reason code and parameters into a sentence in the reader's language.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from text import indicators as ind
from text import numbers, units
from text.messages import message

PERCENT = units.PERCENT


def is_percent(fact: Mapping) -> bool:
    return fact.get("unit") in PERCENT


def number_format(fact: Mapping) -> str:
    """The catalog format a fact's own value reads in: money for 元, percent for %, else integer."""
    if is_percent(fact):
        return "percent"
    return "money" if fact.get("unit") == "元" else "integer"


def _scale(fact: Mapping, v: float | None) -> float | None:
    return None if numbers.is_missing(v) else (float(v) / 100 if is_percent(fact) else float(v))  # type: ignore[arg-type]


def unit(fact: Mapping, lang: str) -> str:
    """次/年 | briefings per year; '' for a percentage."""
    return units.unit(fact.get("unit"), lang, counts=fact.get("counts"), per_code=fact.get("per"),
                      value=fact.get("value"))


def value(fact: Mapping, lang: str) -> str:
    """The figure as stated, to the digit the report gives, qualifier sign kept, no unit: >2,800, ≥10万, 1.2, 100%."""
    v = fact.get("value")
    if is_percent(fact) or numbers.is_missing(v):
        return numbers.qualified(v, fact.get("qualifier"), "%" if is_percent(fact) else None, lang)
    return numbers.sign(fact.get("qualifier")) + numbers.exact(v, number_format(fact), lang)


def figure(fact: Mapping, lang: str) -> str:
    """The figure with its unit: >2,800 个 | >2,800 problems; 201 个/街道 | 201 party organisations per street."""
    return units.with_unit(value(fact, lang), unit(fact, lang))


def interval(fact: Mapping, lang: str) -> str:
    """The range the fact's wording allows, on the scale it is printed in: 2,600至不足2,700, >30,000, 99.95%–100%."""
    return numbers.interval(_scale(fact, fact.get("low")), _scale(fact, fact.get("high")), number_format(fact), lang,
                            bounds=fact.get("bounds"), qualifier=fact.get("qualifier"))


def subject(fact: Mapping, lang: str) -> str:
    """What a fact counts, for a fact with no catalog indicator: subject_zh in Chinese, subject in English."""
    zh, en = fact.get("subject_zh") or "", fact.get("subject") or ""
    return (zh or en) if lang == "zh" else en


def theme(theme_code: str | None, lang: str) -> str:
    return message(f"figures.theme.{theme_code}", lang) if theme_code else ""


# ---------------------------------------------------------------- reconciliation


def claim_interval(indicator_id: str, low: float | None, high: float | None, bounds: str | None,
                   qualifier: str | None, lang: str) -> str:
    """A claim's range in catalog units (reconcile rows): the indicator's number format."""
    return numbers.interval(low, high, ind.number_format(indicator_id), lang, bounds=bounds, qualifier=qualifier)


def _per(code: str | None, lang: str) -> str:
    return message(f"figures.per.{code}" if code else "figures.per.total", lang)


def _period_kind(code: str | None, lang: str) -> str:
    return message(f"figures.period_kind.{code or 'unknown'}", lang)


def reason(code: str, params: str | Mapping | None, indicator_id: str, qualifier: str | None, lang: str) -> str:
    """queries.reconcile's reason code and parameters (JSON) as a sentence: 名册数 2,433 低于报告范围 2,800至不足2,900 /
    roster value 2,433 is below the claim's range 2,800 to under 2,900; the claim counts person-times; the roster
    counts activities."""
    p = json.loads(params) if isinstance(params, str) else dict(params or {})
    fields = {
        "roster": ind.value(indicator_id, p.get("roster"), lang),
        "interval": claim_interval(indicator_id, p.get("low"), p.get("high"), p.get("bounds"), qualifier, lang),
        "claim_counts": units.kind(p.get("claim_counts"), lang),
        "roster_counts": units.kind(p.get("roster_counts"), lang),
        "claim_per": _per(p.get("claim_per"), lang),
        "roster_per": _per(p.get("roster_per"), lang),
        "claim_period_kind": _period_kind(p.get("claim_period_kind"), lang),
        "roster_period_kind": _period_kind(p.get("roster_period_kind"), lang),
    }
    return message(f"figures.reason.{code}", lang, **fields)
