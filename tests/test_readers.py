"""figures/readers.py: a report's text from TXT (UTF-8, BOM, GBK), DOCX, PDF with a text layer and HTML; refusals that name the file."""

from __future__ import annotations

import io

import pytest

from figures.extract import check_evidence, extract
from figures.readers import DocumentError, read_bytes
from tests.report_files import BODY, TITLE, docx_bytes, encrypted_pdf, font_or_skip, html_bytes, pdf_bytes, scanned_pdf


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_text_in_every_encoding_reads_the_same(encoding):
    text = f"{TITLE}\n\n{BODY}\n"
    doc = read_bytes(text.encode(encoding), "报告.txt")
    assert doc.format == "txt"
    assert doc.text.strip() == text.strip()
    assert doc.title == TITLE


def test_docx_paragraphs_headings_and_tables():
    doc = read_bytes(docx_bytes(), "报告.docx")
    assert doc.format == "docx" and doc.title == TITLE
    assert "划分网格613个" in doc.text
    assert "小区数，451" in doc.text  # a table row, cells joined
    headings = [doc.text.split("\n")[i] for i in sorted(doc.headings)]
    assert TITLE in headings


def test_pdf_with_a_text_layer():
    font_or_skip()
    doc = read_bytes(pdf_bytes(), "报告.pdf")
    assert doc.format == "pdf" and doc.pages >= 1
    flat = doc.text.replace("\n", "")
    assert "划分网格613个" in flat and "\x00" not in doc.text
    result = extract(doc)
    assert {c["value"] for c in result.candidates} == {"613", "2400", "100000", "36", "1200"}
    assert all(check_evidence(doc.text, c["evidence"]) for c in result.candidates)


def test_html_skips_scripts_and_decodes_entities():
    doc = read_bytes(html_bytes(), "报告.html")
    assert doc.format == "html" and doc.title == TITLE
    assert "alert" not in doc.text and "划分网格613个" in doc.text
    assert "“邻里党建”" in doc.text  # &ldquo; ... &rdquo;


def test_html_in_gbk_with_its_meta_charset():
    doc = read_bytes(html_bytes().decode("utf-8").replace("utf-8", "gbk").encode("gbk"), "报告.htm")
    assert "划分网格613个" in doc.text


def test_every_format_gives_the_same_figures():
    font_or_skip()
    values = []
    for name, data in (("r.txt", f"{TITLE}\n\n{BODY}\n".encode("gbk")), ("r.docx", docx_bytes()), ("r.pdf", pdf_bytes()),
                       ("r.html", html_bytes())):
        values.append({(c["value"], c["qualifier"], c["locality"]) for c in extract(read_bytes(data, name)).candidates})
    # the DOCX also has a table (451 compounds): every format gives the text's figures, the same way
    for v in values[1:]:
        assert values[0] <= v, values[0] - v
    assert len(values[0]) == 5


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "empty.txt", "empty"),
        (b"   \n\n  ", "blank.txt", "empty"),
        (b"%PDF-1.4\n garbage", "broken.pdf", "broken.pdf"),
        (b"PK\x03\x04 not a zip", "broken.docx", "broken.docx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.doc", "DOCX"),
        (b"plain words", "fake.pdf", "not a PDF"),
    ],
)
def test_a_file_with_no_text_is_refused_naming_the_file(data, name, words):
    with pytest.raises(DocumentError) as err:
        read_bytes(data, name)
    assert name in str(err.value) or words in str(err.value)
    assert words in str(err.value)


def test_a_scanned_pdf_is_refused_as_having_no_text_layer():
    with pytest.raises(DocumentError, match="scan.pdf: the PDF has no text layer"):
        read_bytes(scanned_pdf(), "scan.pdf")


def test_an_encrypted_pdf_is_refused():
    font_or_skip()
    with pytest.raises(DocumentError, match="secret.pdf: the PDF is encrypted"):
        read_bytes(encrypted_pdf(), "secret.pdf")


def test_a_pdf_encrypted_only_against_editing_is_read():
    font_or_skip()
    doc = read_bytes(encrypted_pdf(user_password=""), "open.pdf")
    assert "划分网格613个" in doc.text.replace("\n", "")


def test_a_docx_without_tables_reads(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("全市建成社区党组织88个。")
    buf = io.BytesIO()
    d.save(buf)
    assert "88个" in read_bytes(buf.getvalue(), "x.docx").text
