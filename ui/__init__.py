"""Streamlit-side helpers shared by the pages: language, cached data access, filters, formatting."""
