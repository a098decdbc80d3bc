"""Geography without Streamlit: boundary files, label points and extents, shared by ui/ and exports/."""
