"""Present mode: a full-screen slide sequence for a joint meeting, and the same slides as a PPTX deck.

The slides come from exports.story (computed from queries/); this page only lays them out: large
type, high contrast, no sidebar (a small "退出演示" link leads back), the slide number in the URL
(?slide=3), PageUp/PageDown (what presentation clickers send) on the previous/next buttons.
"""

import html

import streamlit as st

from ui.shell import page_guard

page_guard()

from exports.story import Slide  # noqa: E402
from text import punct  # noqa: E402
from ui import draw, urlstate  # noqa: E402
from ui.cache import shared  # noqa: E402
from ui.filters import current  # noqa: E402
from ui.filters import tables as store_tables  # noqa: E402
from ui.i18n import lang, t  # noqa: E402
from ui.maps import source_note  # noqa: E402
from views import present  # noqa: E402

CHART_HEIGHT = 600
MARKDOWN_SPECIAL = set("\\`*_{}[]<>()#+-.!|~$")
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# Projector theme: near-black on white, big type, the sidebar, its controls and the header hidden (the header
# would lie over the exit link once the sidebar starts collapsed: see ui.shell.sidebar_state).
st.html(
    """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"], [data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 1.2rem 3rem 2rem 3rem !important; }
.stApp { background: #FFFFFF; color: #141414; }
.st-key-present_toolbar { border-bottom: 2px solid #0072B2; padding-bottom: .4rem; }
.st-key-present_slide h1 { font-size: 3.2rem !important; font-weight: 800 !important; color: #141414 !important;
  line-height: 1.2 !important; padding-top: .4rem !important; }
.st-key-present_slide h3 { font-size: 1.6rem !important; font-weight: 500 !important; color: #333333 !important; }
.st-key-present_slide p, .st-key-present_slide li { font-size: 1.45rem !important; color: #141414; line-height: 1.5; }
.st-key-present_title h1 { font-size: 4.4rem !important; margin-top: 12vh; }
.st-key-present_title h3 { font-size: 2.2rem !important; }
.st-key-present_slide [data-testid="stMetricLabel"], .st-key-present_slide [data-testid="stMetricLabel"] * {
  font-size: 1.45rem !important; color: #333333 !important; }
.st-key-present_slide [data-testid="stMetricValue"], .st-key-present_slide [data-testid="stMetricValue"] * {
  font-size: 3.8rem !important; font-weight: 800 !important; color: #141414 !important; line-height: 1.15 !important; }
.st-key-present_slide [data-testid="stMetricDelta"], .st-key-present_slide [data-testid="stMetricDelta"] * {
  font-size: 1.25rem !important; }
.st-key-present_slide [class*="st-key-present_card"] { background: #F4F4F4; border-color: #9E9E9E !important; }
.st-key-present_slide table { font-size: 1.35rem !important; }
.st-key-present_slide th, .st-key-present_slide th * { background: #141414 !important; color: #FFFFFF !important;
  font-weight: 700 !important; }
.st-key-present_slide td { color: #141414 !important; }
.present-published { font-size: 1.3rem; font-weight: 700; color: #0057A0; margin: .2rem 0 .8rem 0; }
.present-footer { font-size: 1.25rem; font-weight: 800; color: #B00020; margin-top: .8rem; }
.present-legend { display: flex; flex-wrap: wrap; gap: .4rem 1.4rem; font-size: 1.3rem; color: #141414; }
.present-legend span.swatch { display: inline-block; width: 1.3rem; height: 1.3rem; border: 1px solid #333;
  vertical-align: -0.2rem; margin-right: .4rem; }
.present-source { margin-bottom: 1.1rem; }
.present-source .title { font-size: 1.6rem; font-weight: 800; color: #141414; }
.present-source .author { font-size: 1.2rem; color: #404040; }
.present-source .evidence { font-size: 1.35rem; color: #0057A0; }
</style>
"""
)


def _e(text: object) -> str:
    return html.escape(str(text))


def _md(text: str) -> str:
    """st.table renders cells as Markdown: a report's ">4,700" must not become a block quote."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in text)


def _step(delta: int, total: int) -> None:
    urlstate.set_value("slide", min(max(int(urlstate.current("slide", 1)) + delta, 1), total))


def _kpis(slide: Slide) -> None:
    if slide.table is not None:  # a comparison: one column per locality
        _table(slide)
        return
    for row in range(0, len(slide.kpis), 3):  # rows of three cards, each row aligned
        cols = st.columns(3, gap="medium")
        for col, k in zip(cols, slide.kpis[row:row + 3]):
            with col, st.container(border=True, height="stretch", key=f"present_card_{k.indicator}"):
                st.metric(k.label, k.text, delta=k.change_text,
                          delta_description=t("present.change_label") if k.change_text else None)
                if k.published_text:
                    st.html(f'<div class="present-published">{_e(k.published_text)}</div>')


def _map(slide: Slide, code: str) -> None:
    m = slide.map
    st.pydeck_chart(draw.slide_deck(m, code, height=CHART_HEIGHT), height=CHART_HEIGHT)
    items = "".join(
        f'<span><span class="swatch" style="background:{_e(colour)}"></span>{_e(text)}</span>'
        for colour, text in draw.slide_legend(m, code)
    )
    st.html(f'<div class="present-legend"><b>{_e(m.value_label)}</b>{items}</div>')
    st.caption(source_note(code))


def _table(slide: Slide) -> None:
    tab = slide.table
    columns = {_md(name): [_md(row[i].replace("\n", " — ")) for row in tab.rows] for i, name in enumerate(tab.columns)}
    st.table(columns, hide_index=True)


def _sources(slide: Slide, code: str) -> None:
    for r in slide.sources:
        evidence = _e(punct.quotes(r.evidence, code))
        st.html(
            f'<div class="present-source"><div class="title">{_e(r.source_id + punct.space(code) + r.title)}</div>'
            f'<div class="author">{_e(r.author)}</div><div class="evidence">{evidence}</div></div>'
        )


def _slide(slide: Slide, code: str) -> None:
    with st.container(key="present_title" if slide.kind == "title" else "present_body"):
        st.title(slide.title, anchor=False)
        if slide.subtitle:
            st.subheader(slide.subtitle, anchor=False)
    if slide.kind == "kpis":
        _kpis(slide)
    elif slide.kind == "map" and slide.map is not None:
        _map(slide, code)
    elif slide.kind == "chart" and slide.chart is not None:
        # theme=None: Streamlit's chart theme would shrink and grey out the projector-size fonts
        st.plotly_chart(draw.slide_chart(slide, code, height=CHART_HEIGHT), theme=None,
                        config={"displayModeBar": False}, key=f"present_chart_{slide.key}")
    elif slide.kind in ("reconcile", "caveat") and slide.table is not None:
        _table(slide)
    elif slide.kind == "sources":
        _sources(slide, code)
    for b in slide.bullets:
        st.html(f'<p style="font-size:1.3rem;color:#333;margin:.2rem 0">• {_e(b)}</p>')
    if slide.footer:
        st.html(f'<div class="present-footer">{_e(slide.footer)}</div>')


# ---------------------------------------------------------------- the page

code = lang()
f = current()
labels = shared("present.choices", (code,), lambda: present.choices(store_tables(), code))

with st.container(key="present_toolbar", horizontal=True, vertical_alignment="center", gap="medium"):
    st.page_link("pages/overview.py", label=t("present.exit"), icon=":material/close:",
                 query_params={k: st.query_params[k] for k in ("lang", "loc", "period") if k in st.query_params})
    mode = urlstate.segmented(
        t("present.mode"), ["locality", "compare"], key="pmode", default="locality",
        format_func=lambda m: t(f"present.mode.{m}"), label_visibility="collapsed",
    )
    compare_ids: list[str] = []
    if mode == "compare":
        compare_ids = urlstate.multiselect(
            t("present.compare_pick"), list(labels), key="cmp",
            default=present.default_comparison(labels),
            format_func=labels.get, label_visibility="collapsed", width=520,
        )
    toolbar_nav = st.container(horizontal=True, vertical_alignment="center", gap="small", width="content")
    toolbar_download = st.container(width="content")

if mode == "compare" and len(compare_ids) < 2:
    st.info(t("present.need_two"))
    st.stop()
if mode == "locality" and not f.locality_id:
    st.info(t("present.no_locality"))
    st.stop()

key = (f.locality_id, tuple(compare_ids) if mode == "compare" else (), f.period, code)
story = shared("present", key, lambda: present.build(store_tables(), locality_id=key[0], compare_ids=key[1],
                                                     period=key[2], lang=code))
total = len(story)
numbers = list(range(1, total + 1))

with toolbar_nav:
    st.button(t("present.prev"), key="present_prev", icon=":material/chevron_left:", shortcut="PageUp",
              on_click=_step, args=(-1, total))
    number = urlstate.segmented(t("present.slide"), numbers, key="slide", default=1, label_visibility="collapsed")
    st.button(t("present.next"), key="present_next", icon=":material/chevron_right:", shortcut="PageDown",
              on_click=_step, args=(1, total))
with toolbar_download:
    st.download_button(
        t("present.download"), data=lambda: draw.deck_pptx(story), file_name=f"{story.file_stem}.pptx", mime=PPTX_MIME,
        key="present_pptx", icon=":material/download:", on_click="ignore",
    )

with st.container(key="present_slide"):
    _slide(story[number - 1], code)
    st.caption(t("present.counter", n=number, total=total))
