"""Present mode's slide sequence as data, and its exports: an editable PowerPoint deck and PNG images.

story/    build_story(): the slides as plain dataclasses, one function per slide, from queries/ and views/ (no Streamlit)
images.py plotly figures for a slide's chart or map, and PNG export through kaleido + system chromium
deck.py   build_deck(): the same sequence as a 16:9 python-pptx deck with native charts and tables
cli.py    python -m exports deck|png
"""
