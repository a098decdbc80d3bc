"""Report files of our own making for the extractor tests: one text as TXT, DOCX, PDF (Noto Sans CJK text layer) and HTML,
a scanned (image-only) PDF and password-protected PDFs. The places are the seed localities of data/localities.csv."""

from __future__ import annotations

import html
import io

import pytest

TITLE = "广西壮族自治区贵港市：“邻里党建”织密城市治理网"
BODY = """贵港市坚持把城市基层党建摆在突出位置，划分网格613个，动员2400多名在职党员到社区报到。
每个社区每年落实服务群众专项经费不少于10万元，建立“邻里党建”工作机制。
港北区组建志愿服务队36支，全年开展服务活动1200余场次。"""


def font_or_skip() -> str:
    from bench.extract import cjk_font

    font = cjk_font()
    if font is None:
        pytest.skip("Noto Sans CJK (fonts-noto-cjk) is not installed; scripts/test.sh installs it")
    return font


def docx_bytes(title: str = TITLE, body: str = BODY) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(title, level=1)
    for line in body.split("\n"):
        d.add_paragraph(line)
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "数值"
    table.cell(1, 0).text, table.cell(1, 1).text = "小区数", "451"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pdf(title: str, body: str):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("cjk", fname=font_or_skip())
    pdf.set_font("cjk", size=11)
    pdf.set_title(title)
    pdf.add_page()
    pdf.multi_cell(0, 8, title)
    pdf.ln(4)
    for line in body.split("\n"):
        pdf.multi_cell(0, 7, line)
        pdf.ln(2)
    return pdf


def pdf_bytes(title: str = TITLE, body: str = BODY) -> bytes:
    return bytes(_pdf(title, body).output())


def encrypted_pdf(user_password: str = "secret") -> bytes:
    pdf = _pdf(TITLE, BODY)
    pdf.set_encryption(owner_password="owner-pass", user_password=user_password)
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """A page that is only a picture of text, as a scanner makes it."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(img)
    for y in range(20, 280, 24):
        draw.rectangle([30, y, 560, y + 10], fill="black")  # lines of "text" as pixels
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(buf.getvalue()), x=10, y=10, w=190)
    return bytes(pdf.output())


def html_bytes(title: str = TITLE, body: str = BODY) -> bytes:
    body_html = "".join(f"<p>{html.escape(line)}</p>" for line in body.split("\n")).replace("“", "&ldquo;").replace("”", "&rdquo;")
    page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<script>alert('x')</script><style>p{{color:red}}</style></head><body><h1>{html.escape(title)}</h1>"
            f"{body_html}</body></html>")
    return page.encode("utf-8")
