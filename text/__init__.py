"""Text for people, in a language the caller names: messages, numbers, qualifiers, units, punctuation.

Streamlit-free, so the pages (through ui/), the view-models (views/), the slides (exports/) and
the store's messages share one way of writing a figure. Every function takes `lang` ("zh" or
"en") explicitly; ui.i18n.lang() is where a page's language comes from, never from here.

- text.messages   the message catalog (data/i18n/*.csv): message(key, lang, **fields)
- text.numbers    numbers (万/亿, thousands), qualifiers (>, ≥, ≈, ≤), intervals, changes in points
- text.punct      list and item separators, brackets, colons, quotes and titles for zh and en
- text.indicators an indicator's label, unit, definition and formatted values, from the catalog
- text.units      a report's measure word and denominator (次/年 | briefings per year), from
                  data/mappings/units.csv and counts.csv
- text.facts      a published fact's figure, range, unit and subject, and a reconciliation reason as a sentence
"""

from text.messages import LANGS, message, no_data

__all__ = ["LANGS", "message", "no_data"]
