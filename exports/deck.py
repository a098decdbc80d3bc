"""The story as an editable 16:9 PowerPoint deck (python-pptx).

Everything a presenter may want to restyle stays native: charts are PowerPoint charts (clustered
column, clustered bar, line with markers) built from CategoryChartData, so the data sheet travels
with the deck; KPI cards are text boxes; the reconciliation, comparison and caveat tables are
PowerPoint tables. Only the district map is a picture (exports/images.py renders it from the
district boundaries through plotly + the system chromium); if no browser is available, the map
slide gets the same values as a native table instead.

Chinese text: python-pptx's `font.name` writes only the Latin typeface (`a:latin`), so PowerPoint
would pick its own East Asian font (often SimSun) for Chinese characters. Every run, every chart
text property and the theme's major/minor fonts therefore also get `a:ea`. The typeface is
"Microsoft YaHei" (微软雅黑): installed with every Chinese Windows and with Office for Mac, the usual
machines at a joint meeting. OOXML has no per-run fallback list, so the fallback is declared the way
Office resolves a missing font: `a:ea` carries `charset="-122"` (GB2312) and `pitchFamily="34"`
(variable, sans), which makes PowerPoint and LibreOffice substitute a Simplified-Chinese sans-serif
font — on Debian that is "Noto Sans CJK SC" (fontconfig maps sans-serif zh-cn there). To write Noto
Sans CJK SC itself (e.g. for a Linux-only meeting room), pass `font="Noto Sans CJK SC"`
(`python -m exports deck --font "Noto Sans CJK SC"`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from exports.story import Chart, Kpi, MapData, Slide, Story, Table, value_text
from geo.boundaries import district_features
from text.messages import message

EA_FONT = "Microsoft YaHei"
FALLBACK_FONT = "Noto Sans CJK SC"   # what a machine without YaHei substitutes (see the module doc)
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
CONTENT_TOP, CONTENT_BOTTOM = Inches(1.65), Inches(6.85)
INK = RGBColor(0x14, 0x14, 0x14)
MUTED = RGBColor(0x40, 0x40, 0x40)
ACCENT = RGBColor(0x00, 0x72, 0xB2)
WARN = RGBColor(0xB0, 0x00, 0x20)
GOOD = RGBColor(0x00, 0x64, 0x00)
CARD = RGBColor(0xF4, 0xF4, 0xF4)
RULE = RGBColor(0xBD, 0xBD, 0xBD)

CHART_TYPES = {
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
}
NUMBER_FORMATS = {"percent": "0.0%", "integer": "#,##0", "money": "#,##0", "decimal1": "#,##0.0"}
AXIS_FORMATS = {"percent": "0%", "integer": "#,##0", "money": "#,##0", "decimal1": "#,##0"}
SERIES_COLOURS = ["0072B2", "E69F00", "009E73", "CC79A7", "56B4E9", "D55E00"]  # Okabe-Ito, as the pages
VERDICT_COLOURS = {"contradicted": WARN, "consistent": GOOD}
LINE_LABEL_POSITIONS = (XL_LABEL_POSITION.ABOVE, XL_LABEL_POSITION.BELOW, XL_LABEL_POSITION.RIGHT)


# ---------------------------------------------------------------- fonts


def set_ea(rPr, typeface: str) -> None:
    """Write `<a:ea typeface=… charset="-122" pitchFamily="34"/>` in a run/default run property, in
    schema order (right after a:latin, before a:cs, a:sym, hyperlinks)."""
    for old in rPr.findall(qn("a:ea")):
        rPr.remove(old)
    ea = etree.SubElement(rPr, qn("a:ea"))
    ea.set("typeface", typeface)
    ea.set("charset", "-122")
    ea.set("pitchFamily", "34")
    latin = rPr.find(qn("a:latin"))
    if latin is not None:
        latin.addnext(ea)
    else:
        later = [rPr.find(qn(f"a:{t}")) for t in ("cs", "sym", "hlinkClick", "hlinkMouseOver", "rtl", "extLst")]
        later = [e for e in later if e is not None]
        if later:
            later[0].addprevious(ea)


def style_font(font, *, face: str, size: float | None = None, bold: bool | None = None,
               color: RGBColor | None = None, lang: str = "zh") -> None:
    """Latin and East Asian typeface (and size, weight, colour) on a python-pptx Font."""
    font.name = face
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color
    rPr = font._rPr  # noqa: SLF001 - python-pptx has no East Asian font API
    set_ea(rPr, face)
    rPr.set("lang", "zh-CN" if lang == "zh" else "en-US")
    rPr.set("altLang", "en-US" if lang == "zh" else "zh-CN")


def _theme_fonts(prs, face: str) -> None:
    """The theme's major/minor East Asian and Simplified-Chinese script fonts, so text a presenter adds
    later is set in the same face."""
    part = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(part.blob)
    for scheme in ("a:majorFont", "a:minorFont"):
        for holder in root.iter(qn(scheme)):
            ea = holder.find(qn("a:ea"))
            if ea is not None:
                ea.set("typeface", face)
            for script in holder.findall(qn("a:font")):
                if script.get("script") == "Hans":
                    script.set("typeface", face)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # noqa: SLF001


# ---------------------------------------------------------------- building blocks


class _Builder:
    def __init__(self, story: Story, face: str, map_png: bytes | None) -> None:
        self.story = story
        self.lang = story.lang
        self.face = face
        self.map_png = map_png
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = SLIDE_W, SLIDE_H
        _theme_fonts(self.prs, face)
        self.blank = self.prs.slide_layouts[6]

    def font(self, f, **kw) -> None:
        style_font(f, face=self.face, lang=self.lang, **kw)

    def text(self, slide, left, top, width, height, paragraphs: Sequence[tuple[str, float, bool, RGBColor]],
             *, align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP, space_after: float = 4):
        box = slide.shapes.add_textbox(left, top, width, height)
        tf = box.text_frame
        tf.word_wrap = True
        tf.vertical_anchor = anchor
        tf.margin_left = tf.margin_right = Inches(0.05)
        for i, (text, size, bold, colour) in enumerate(paragraphs):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.alignment = align
            p.space_after = Pt(space_after)
            run = p.add_run()
            run.text = text
            self.font(run.font, size=size, bold=bold, color=colour)
        return box

    def frame(self, slide_data: Slide, number: int):
        s = self.prs.slides.add_slide(self.blank)
        if slide_data.kind != "title":
            self.text(s, MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.75),
                      [(slide_data.title, 30, True, INK)], anchor=MSO_ANCHOR.MIDDLE)
            if slide_data.subtitle:
                self.text(s, MARGIN, Inches(1.02), SLIDE_W - 2 * MARGIN, Inches(0.5),
                          [(slide_data.subtitle, 16, False, MUTED)])
            rule = s.shapes.add_connector(1, MARGIN, Inches(1.55), SLIDE_W - MARGIN, Inches(1.55))
            rule.line.color.rgb = ACCENT
            rule.line.width = Pt(2.5)
        # footer: the synthetic-data label on every slide with roster figures, and the slide number
        if slide_data.footer:
            self.text(s, MARGIN, Inches(6.95), Inches(6.5), Inches(0.4),
                      [(slide_data.footer, 14, True, WARN)], anchor=MSO_ANCHOR.MIDDLE)
        self.text(s, SLIDE_W - MARGIN - Inches(2.0), Inches(6.95), Inches(2.0), Inches(0.4),
                  [(f"{number} / {len(self.story)}", 12, False, MUTED)], align=PP_ALIGN.RIGHT,
                  anchor=MSO_ANCHOR.MIDDLE)
        notes = slide_data.notes
        if slide_data.sources:
            notes += "\n\n" + "\n".join(f"{r.source_id} {r.title}" for r in slide_data.sources)
        if notes.strip():
            s.notes_slide.notes_text_frame.text = notes.strip()
            for p in s.notes_slide.notes_text_frame.paragraphs:
                for r in p.runs:
                    self.font(r.font, size=12)
        return s

    # ---- slides

    def title_slide(self, s, d: Slide) -> None:
        band = s.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(0.35), SLIDE_H)
        band.fill.solid()
        band.fill.fore_color.rgb = ACCENT
        band.line.fill.background()
        self.text(s, Inches(1.0), Inches(2.2), SLIDE_W - Inches(2.0), Inches(1.6),
                  [(d.title, 44, True, INK)], anchor=MSO_ANCHOR.BOTTOM)
        self.text(s, Inches(1.0), Inches(3.95), SLIDE_W - Inches(2.0), Inches(1.0),
                  [(d.subtitle, 24, False, MUTED)])

    def kpi_cards(self, s, kpis: list[Kpi]) -> None:
        cols = 3
        rows = max(1, -(-len(kpis) // cols))
        gap = Inches(0.25)
        width = int((SLIDE_W - 2 * MARGIN - (cols - 1) * gap) / cols)
        height = int((CONTENT_BOTTOM - CONTENT_TOP - (rows - 1) * gap) / rows)
        change_label = message("present.change_label", self.lang)
        for i, k in enumerate(kpis):
            left = MARGIN + (i % cols) * (width + gap)
            top = CONTENT_TOP + Inches(0.1) + (i // cols) * (height + gap)
            card = s.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, top, width, height - Inches(0.1))
            card.adjustments[0] = 0.06
            card.fill.solid()
            card.fill.fore_color.rgb = CARD
            card.line.color.rgb = RULE
            tf = card.text_frame
            tf.word_wrap = True
            tf.vertical_anchor = MSO_ANCHOR.TOP
            tf.margin_left = tf.margin_right = Inches(0.18)
            tf.margin_top = Inches(0.12)
            lines: list[tuple[str, float, bool, RGBColor]] = [(k.label, 17, False, MUTED), (k.text, 40, True, INK)]
            if k.change_text:
                lines.append((f"{change_label} {k.change_text}", 14, False, MUTED))
            published = k.published_text
            if published:
                lines.append((published, 14, True, ACCENT))
            for j, (text, size, bold, colour) in enumerate(lines):
                p = tf.paragraphs[0] if j == 0 else tf.add_paragraph()
                p.alignment = PP_ALIGN.LEFT
                run = p.add_run()
                run.text = text
                self.font(run.font, size=size, bold=bold, color=colour)

    def table(self, s, t: Table, *, top=None, height=None, widths: Sequence[float] | None = None,
              size: float = 16, verdict_col: int | None = None, verdicts: Sequence[str] = ()) -> None:
        top = top or CONTENT_TOP + Inches(0.15)
        n_rows, n_cols = len(t.rows) + 1, len(t.columns)
        # a row is as tall as its most-lined cell (a second line holds the reports' figure)
        lines = [max(str(v).count("\n") + 1 for v in row) for row in [t.columns, *t.rows]]
        room = CONTENT_BOTTOM - top - Inches(0.05)
        while True:  # shrink the type until the table fits above the footer
            heights = [int(Pt(size * 1.4) * n + Inches(0.1)) for n in lines]
            if sum(heights) <= room or size <= 11:
                break
            size -= 1
        extra = max(0, min(height or 0, room) - sum(heights)) // n_rows  # a requested height spreads evenly
        heights = [h + extra for h in heights]
        frame = s.shapes.add_table(n_rows, n_cols, MARGIN, top, SLIDE_W - 2 * MARGIN, sum(heights))
        table = frame.table
        for r, h in enumerate(heights):
            table.rows[r].height = Emu(h)
        total = SLIDE_W - 2 * MARGIN
        shares = widths or [1 / n_cols] * n_cols
        for c, share in enumerate(shares):
            table.columns[c].width = Emu(int(total * share / sum(shares)))
        for r, row in enumerate([t.columns, *t.rows]):
            for c, value in enumerate(row):
                cell = table.cell(r, c)
                cell.margin_left = cell.margin_right = Inches(0.08)
                cell.margin_top = cell.margin_bottom = Inches(0.03)
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
                tf = cell.text_frame
                tf.word_wrap = True
                for j, line in enumerate(str(value).split("\n")):
                    p = tf.paragraphs[0] if j == 0 else tf.add_paragraph()
                    run = p.add_run()
                    run.text = line
                    colour = INK
                    bold = r == 0
                    if r == 0:
                        colour = RGBColor(0xFF, 0xFF, 0xFF)
                    elif j > 0:
                        colour = ACCENT
                    elif verdict_col is not None and c == verdict_col and r - 1 < len(verdicts):
                        colour = VERDICT_COLOURS.get(verdicts[r - 1], INK)
                        bold = verdicts[r - 1] == "contradicted"
                    self.font(run.font, size=size if j == 0 else size - 3, bold=bold, color=colour)
                if r == 0:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = INK

    def bullets(self, s, items: Sequence[str], *, top, height, size: float = 15) -> None:
        if items:
            self.text(s, MARGIN, top, SLIDE_W - 2 * MARGIN, height, [(f"• {b}", size, False, MUTED) for b in items])

    def chart(self, s, c: Chart, *, top, height) -> None:
        data = CategoryChartData(number_format=NUMBER_FORMATS.get(c.number_format, "General"))
        data.categories = c.categories
        for name in c.series:
            data.add_series(name, c.values(name))
        frame = s.shapes.add_chart(CHART_TYPES[c.kind], MARGIN, top, SLIDE_W - 2 * MARGIN, height, data)
        chart = frame.chart
        chart.has_title = False  # the slide title says what the chart shows
        self.font(chart.font, size=16)
        chart.has_legend = len(c.series) > 1
        if chart.has_legend:
            chart.legend.position = XL_LEGEND_POSITION.TOP
            chart.legend.include_in_layout = False
            self.font(chart.legend.font, size=16)
        plot = chart.plots[0]
        plot.has_data_labels = c.kind != "line"
        labels = plot.data_labels if c.kind != "line" else None
        if labels is not None:
            labels.number_format = NUMBER_FORMATS.get(c.number_format, "General")
            labels.number_format_is_linked = False
            labels.position = XL_LABEL_POSITION.OUTSIDE_END
            crowded = len(c.series) * len(c.categories) > 10
            self.font(labels.font, size=12 if crowded else 14)
        if c.kind != "line":
            plot.gap_width = 60
            plot.overlap = 0 if len(c.series) > 1 else 0
        value_axis, category_axis = chart.value_axis, chart.category_axis
        value_axis.has_major_gridlines = True
        value_axis.major_gridlines.format.line.color.rgb = RGBColor(0xE0, 0xE0, 0xE0)
        value_axis.tick_labels.number_format = AXIS_FORMATS.get(c.number_format, "General")
        value_axis.tick_labels.number_format_is_linked = False
        value_axis.minimum_scale = 0
        if c.number_format == "percent":
            value_axis.maximum_scale = 1.0
        self.font(value_axis.tick_labels.font, size=14)
        self.font(category_axis.tick_labels.font, size=16)
        if c.value_title:
            value_axis.has_title = True
            value_axis.axis_title.text_frame.text = c.value_title
            for p in value_axis.axis_title.text_frame.paragraphs:
                for r in p.runs:
                    self.font(r.font, size=14, color=MUTED)
        if c.kind == "bar":
            category_axis.reverse_order = True   # the first (best) category at the top, as on the page
        for i, series in enumerate(plot.series):
            colour = RGBColor.from_string(SERIES_COLOURS[i % len(SERIES_COLOURS)])
            if c.qualified_series and c.series[i] in c.qualified_series:
                colour = RGBColor.from_string("E69F00")
            elif c.qualified_series:
                colour = ACCENT
            if c.kind == "line":
                # close lines would print their labels on top of each other: each line is labelled at
                # its last point only, the labels of different lines placed above, below, right
                texts = c.labels(c.series[i])
                last = max((j for j, v in enumerate(c.values(c.series[i])) if v is not None), default=None)
                if last is not None:
                    label = series.points[last].data_label
                    label.position = LINE_LABEL_POSITIONS[i % len(LINE_LABEL_POSITIONS)]
                    label.text_frame.text = texts[last]
                    for p in label.text_frame.paragraphs:
                        for r in p.runs:
                            self.font(r.font, size=16, bold=True, color=colour)
                series.smooth = False
                series.format.line.width = Pt(4.5)
                series.format.line.color.rgb = colour
                series.marker.size = 10
                series.marker.format.fill.solid()
                series.marker.format.fill.fore_color.rgb = colour
            else:
                series.format.fill.solid()
                series.format.fill.fore_color.rgb = colour
            if c.series[i] in c.qualified_series:
                # the report's own wording with its qualifier (≥10万+5万), not just the number
                for j, text in enumerate(c.labels(c.series[i])):
                    label = series.points[j].data_label
                    label.position = XL_LABEL_POSITION.OUTSIDE_END
                    tf = label.text_frame
                    tf.text = text
                    for p in tf.paragraphs:
                        for r in p.runs:
                            self.font(r.font, size=14, bold=True)

    def map(self, s, m: MapData, *, top, height) -> None:
        if self.map_png is not None:
            pic = s.shapes.add_picture(io.BytesIO(self.map_png), MARGIN, top, height=height)
            if pic.width > SLIDE_W - 2 * MARGIN:  # keep the aspect ratio inside the content box
                ratio = (SLIDE_W - 2 * MARGIN) / pic.width
                pic.width, pic.height = int(pic.width * ratio), int(pic.height * ratio)
            pic.left = int((SLIDE_W - pic.width) / 2)
            return
        # no browser to draw the map: the same values as a table, in the map's colour classes
        names = {f["properties"]["adcode"]: f["properties"].get(m.name_key) or f["properties"]["name_zh"]
                 for f in district_features(m.city_adcode)["features"]}
        rows = tuple((names.get(code, code), value_text(m.number_format, m.values.get(code), self.lang))
                     for code in names)
        self.table(s, Table(columns=(message("present.col.locality", self.lang), m.value_label), rows=rows),
                   top=top, height=Inches(0.42) * (len(rows) + 1), size=15)

    # ---- the deck

    def build(self) -> bytes:
        for number, d in enumerate(self.story, start=1):
            s = self.frame(d, number)
            top = CONTENT_TOP + Inches(0.1)
            bottom = CONTENT_BOTTOM
            if d.kind == "title":
                self.title_slide(s, d)
            elif d.kind == "kpis" and d.table is not None:
                self.table(s, d.table, widths=[1.3] + [1.0] * (len(d.table.columns) - 1), size=15)
            elif d.kind == "kpis":
                self.kpi_cards(s, d.kpis)
            elif d.kind == "map" and d.map is not None:
                self.map(s, d.map, top=top, height=bottom - top)
            elif d.kind == "chart" and d.chart is not None:
                room = Inches(0.42) * len(d.bullets)
                self.chart(s, d.chart, top=top, height=bottom - top - room)
                self.bullets(s, d.bullets, top=bottom - room, height=room, size=14)
            elif d.kind == "reconcile" and d.table is not None:
                verdicts = d.table.data["verdict"].to_list() if d.table.data is not None else []
                # indicator, published, range, source, roster, verdict (with the reason when not comparable)
                self.table(s, d.table, widths=[2.4, 1.3, 1.6, 1.1, 1.4, 3.2], size=14, verdict_col=5, verdicts=verdicts,
                           height=Inches(0.5) * (len(d.table.rows) + 1))
                self.bullets(s, d.bullets, top=bottom - Inches(0.45), height=Inches(0.45), size=14)
            elif d.kind == "caveat" and d.table is not None:
                self.table(s, d.table, widths=[1.0, 1.1, 2.0, 0.8, 2.6], size=14,
                           height=Inches(0.45) * (len(d.table.rows) + 1))
                used = Inches(0.45) * (len(d.table.rows) + 1) + Inches(0.35)
                self.bullets(s, d.bullets, top=top + used, height=bottom - top - used, size=13)
            elif d.kind == "sources":
                self.sources(s, d)
            else:
                self.bullets(s, d.bullets, top=top, height=bottom - top)
        self.prs.core_properties.title = self.story.title
        self.prs.core_properties.language = "zh-CN" if self.lang == "zh" else "en-US"
        self.prs.core_properties.subject = message("present.page_title", self.lang)
        out = io.BytesIO()
        self.prs.save(out)
        return out.getvalue()

    def sources(self, s, d: Slide) -> None:
        paragraphs: list[tuple[str, float, bool, RGBColor]] = []
        for r in d.sources:
            paragraphs.append((f"{r.source_id}  {r.title}", 18, True, INK))
            if r.author:
                paragraphs.append((r.author, 13, False, MUTED))
            if r.evidence:
                paragraphs.append(("  ".join(f"“{e}”" for e in r.evidence), 14, False, ACCENT))
        if not paragraphs:
            paragraphs = [(b, 16, False, MUTED) for b in d.bullets]
        self.text(s, MARGIN, CONTENT_TOP + Inches(0.15), SLIDE_W - 2 * MARGIN, CONTENT_BOTTOM - CONTENT_TOP,
                  paragraphs, space_after=6)


def map_png(m: MapData, lang: str) -> bytes:
    """The map slide's picture: 1800×760 CSS px at scale 1.5 (fits the 12.3×5.1 in content box)."""
    from exports.images import map_figure, to_png

    return to_png(map_figure(m, lang, big=True, height=760), width=1800, height=760, scale=1.5)


def build_deck(story: Story, *, font: str = EA_FONT, render_map: bool = True) -> bytes:
    """The story as .pptx bytes. The map is rendered through the system chromium (exports/images.py);
    without a browser (or with render_map=False) the map slide shows its values as a table."""
    png = None
    maps = [d.map for d in story if d.map is not None]
    if maps and render_map:
        from exports.images import ImageExportError

        try:
            png = map_png(maps[0], story.lang)
        except ImageExportError:
            png = None
    return _Builder(story, font, png).build()


__all__ = ["EA_FONT", "FALLBACK_FONT", "build_deck", "map_png", "set_ea", "style_font"]
