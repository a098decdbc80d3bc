"""figures/terms.py and its data file: every term names a catalog indicator or theme, and the specific row wins."""

from __future__ import annotations

import polars as pl

from figures import terms as fterms
from figures.terms import TERMS_PATH, Term, match


def test_every_indicator_a_term_names_is_in_the_catalog():
    catalog = fterms._catalog()
    named = {t.indicator for t in fterms.load_terms() if t.indicator}
    assert named - set(catalog) == set()


def test_a_term_maps_to_one_indicator_once():
    df = pl.read_csv(TERMS_PATH, infer_schema=False).fill_null("")
    dup = df.group_by("term", "indicator", "requires").len().filter(pl.col("len") > 1)
    assert dup.height == 0, dup


def test_a_row_whose_requires_words_stand_in_the_clause_wins_over_a_row_with_none():
    terms = (Term("工作者", "workers", (), "workforce"), Term("工作者", "workers_recruited", ("选聘",), "workforce"))
    clause = "公开选聘工作者397名"
    start = clause.index("397")
    assert match(clause, start, start + 4, "名", "", terms=terms).indicator == "workers_recruited"
    clause = "现有工作者397名"
    start = clause.index("397")
    assert match(clause, start, start + 4, "名", "", terms=terms).indicator == "workers"
