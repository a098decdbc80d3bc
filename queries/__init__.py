"""Pure polars queries for the pages: LazyFrames in, collected DataFrames out, no Streamlit, no SQL."""
