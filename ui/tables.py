"""Tables on a page: st.dataframe given an Arrow table, never a polars frame Streamlit turns into pandas."""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa
import streamlit as st

# Why Arrow. Streamlit 1.67 turns a polars frame given to st.dataframe into pandas
# (dataframe_util.convert_anything_to_pandas_df -> DataFrame.to_pandas()). In polars 2.1,
# to_pandas() hands the conversion to polars' thread pool while its caller still holds the GIL;
# a Python callback (map_elements, map_batches with a Python function) running on that pool for
# another session's query waits for the GIL, so both wait for ever and the whole server stops
# (py-spy: one thread in to_pandas and one in collect() parked on rayon latches, the pool workers
# in pyo3's GIL acquire; pola-rs/polars#26821, #27396). POLARS_MAX_THREADS=1 does not help (the
# one worker runs the callback). Streamlit serialises a pyarrow Table as it is, so no pandas and
# no pool job under the GIL happens here; the serving path has no Python callbacks in polars
# either (tests/test_no_polars_callbacks.py), so neither half of the deadlock is left.
# Without callbacks, polars is safe under one thread per session (verified on 2.1.0: four threads
# mixing to_pandas and streaming group_by collects on one shared frame for 10 s; to_arrow did not
# hang even beside a callback, 5 runs of 10 s): the
# sessions' collects queue on the one pool, so the pool size needs no setting; what a pool job
# must never do is call back into Python.
#
# CompatLevel.oldest(): large_string rather than string_view, which Streamlit's Arrow JS reads.
_COMPAT = pl.CompatLevel.oldest()


def to_arrow(df: pl.DataFrame) -> pa.Table:
    return df.to_arrow(compat_level=_COMPAT)


ROW_PX, HEADER_PX = 35, 38


def fitted(rows: int, max_height: int | None) -> dict[str, int]:
    """A height that shows every row up to max_height (Streamlit's default is ten rows)."""
    return {} if max_height is None else {"height": min(HEADER_PX + ROW_PX * rows, max_height)}


def dataframe(df: pl.DataFrame | pa.Table, *, max_height: int | None = None, **kw: Any) -> None:
    """st.dataframe of a frame, hidden index and "—" for a missing value unless told otherwise;
    with max_height, as tall as its rows up to that."""
    kw.setdefault("hide_index", True)
    kw.setdefault("placeholder", "—")
    table = df if isinstance(df, pa.Table) else to_arrow(df)
    st.dataframe(table, **fitted(table.num_rows, max_height), **kw)


def dataframe_coloured(df: pl.DataFrame, column: str, colours: dict[str, str], *, max_height: int | None = None,
                       **kw: Any) -> None:
    """dataframe() with the cells of one column coloured by their text (a verdict, say).

    Cell colours need a pandas Styler; the pandas frame is made from plain Python columns
    (to_dict), not by polars' to_pandas (see above)."""
    import pandas as pd

    styled = pd.DataFrame(df.to_dict(as_series=False)).style.map(
        lambda v: f"background-color: {colours[v]}; color: #1a1a1a" if v in colours else "", subset=[column],
    )
    kw.setdefault("hide_index", True)
    kw.setdefault("placeholder", "—")
    st.dataframe(styled, **fitted(df.height, max_height), **kw)
