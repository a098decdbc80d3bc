"""A report's text, whatever file it came in: TXT (UTF-8, UTF-8 with BOM, GBK/GB18030), DOCX, PDF with a text layer, HTML.

Each reader returns a Document: the extracted text, one paragraph or heading per line, and the lines
that are headings. The extracted text is the reference for everything the extractor says about a
figure: its `offset` is a position in it, its `evidence` a verbatim piece of it. A file that yields no
text is refused with DocumentError, whose message names the file and says why (empty, unreadable,
encrypted, or a PDF without a text layer: a scan).

Libraries: charset-normalizer guesses a text file's encoding, python-docx reads DOCX, pypdfium2 (PDFium) reads PDF,
the standard library's html.parser reads HTML.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

FORMATS = ("txt", "docx", "pdf", "html")
SUFFIXES = {".txt": "txt", ".text": "txt", ".md": "txt", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}
# A PDF page with fewer visible characters than this is taken as an image (a scan, a photo, a stamp).
MIN_PAGE_CHARS = 5
SENTENCE_END = "。！？!?；;…”’」』)）"


class DocumentError(ValueError):
    """A report that yields no text; the message names the file and the reason."""


@dataclass(frozen=True)
class Document:
    """A report's extracted text: lines are paragraphs or headings; `headings` holds the line numbers of headings."""

    name: str
    format: str
    text: str
    title: str = ""
    headings: frozenset[int] = field(default_factory=frozenset)
    pages: int = 0


def read_path(path: str | Path, name: str | None = None) -> Document:
    """The Document of a file on disk (see read_bytes)."""
    p = Path(path)
    label = name or p.name
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{label}: cannot open the file ({exc.strerror or type(exc).__name__})") from None
    return read_bytes(data, label)


def read_bytes(data: bytes, name: str) -> Document:
    """The Document of a file's bytes; the format comes from the content first, then the name's suffix."""
    if not data or not data.strip():
        raise DocumentError(f"{name}: the file is empty")
    fmt = sniff(data, name)
    try:
        if fmt == "pdf":
            doc = _read_pdf(data, name)
        elif fmt == "docx":
            doc = _read_docx(data, name)
        elif fmt == "html":
            doc = _read_html(data, name)
        else:
            doc = _read_text(data, name)
    except DocumentError:
        raise
    except Exception as exc:  # a damaged file of a known format: say so, never a traceback
        raise DocumentError(f"{name}: cannot read this {fmt.upper()} file ({type(exc).__name__}: {str(exc)[:200]})") from None
    if not re.search(r"\w", doc.text):
        raise DocumentError(f"{name}: the file contains no text")
    return doc


def sniff(data: bytes, name: str) -> str:
    """txt, docx, pdf or html: magic bytes first (a renamed file is read for what it is), then the suffix."""
    head = data[:1024].lstrip()
    if data[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        raise DocumentError(f"{name}: a ZIP file that is not a Word document (DOCX); save the report as DOCX, PDF, HTML or TXT")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DocumentError(f"{name}: an old Word (.doc) or Office binary file; save it as DOCX or PDF first")
    suffix = SUFFIXES.get(Path(name).suffix.lower())
    if suffix in ("pdf", "docx"):
        raise DocumentError(f"{name}: the name says {suffix.upper()}, but the content is not a {suffix.upper()} file")
    lowered = head[:200].lower()
    if suffix == "html" or lowered.startswith((b"<!doctype html", b"<html", b"\xef\xbb\xbf<!doctype html", b"\xef\xbb\xbf<html")):
        return "html"
    return "txt"


# ---------------------------------------------------------------------------------------------- text
def decode_text(data: bytes, name: str) -> str:
    """Text from bytes: a BOM says the encoding; else UTF-8 if it decodes; else charset-normalizer's guess (GBK/GB18030 ...)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DocumentError(f"{name}: the text's encoding cannot be recognised (not UTF-8, GBK/GB18030 or another known encoding)")
    encoding = best.encoding
    # GBK text is read as GB18030, its superset: the same characters, and none lost to a narrower table
    if encoding.lower().replace("-", "") in ("gbk", "gb2312", "hz"):
        encoding = "gb18030"
    return data.decode(encoding, errors="replace")


def _clean(text: str) -> str:
    """One newline convention, no NUL or other control characters (a PDF's font map leaves NULs), no trailing spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ch >= " " and ch != "\x7f")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _read_text(data: bytes, name: str) -> Document:
    text = _clean(decode_text(data, name))
    return Document(name=name, format="txt", text=text, title=_first_line(text))


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        s = line.strip().lstrip("#").strip()
        if s:
            return s[:200]
    return ""


# ---------------------------------------------------------------------------------------------- DOCX
def _read_docx(data: bytes, name: str) -> Document:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    d = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    headings: set[int] = set()
    title = (d.core_properties.title or "").strip()

    def add(text: str, heading: bool) -> None:
        text = _clean(text).replace("\n", " ").strip()
        if text:
            if heading:
                headings.add(len(lines))
            lines.append(text)

    for block in d.iter_inner_content():  # paragraphs and tables, in document order
        if isinstance(block, Paragraph):
            style = (block.style.name if block.style is not None else "") or ""
            add(block.text, style.lower().startswith(("heading", "title", "标题")))
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:  # merged cells repeat: keep each once
                    t = cell.text.strip()
                    if t and (not cells or cells[-1] != t):
                        cells.append(t)
                add("，".join(cells), False)
    text = "\n".join(lines)
    if not title:
        first_heading = min(headings) if headings else None
        title = lines[first_heading] if first_heading is not None else _first_line(text)
    return Document(name=name, format="docx", text=text, title=title, headings=frozenset(headings))


# ---------------------------------------------------------------------------------------------- PDF
def _read_pdf(data: bytes, name: str) -> Document:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise DocumentError(f"{name}: the PDF is encrypted (password-protected); save an unprotected copy and try again") from None
        raise DocumentError(f"{name}: not a readable PDF ({str(exc)[:200]})") from None
    try:
        pages = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            pages.append(_clean(_unradical(textpage.get_text_range())))
            textpage.close()
            page.close()
        title = str(pdf.get_metadata_dict().get("Title") or "").strip()
    finally:
        pdf.close()
    if sum(len(re.sub(r"\s", "", p)) for p in pages) < MIN_PAGE_CHARS:
        raise DocumentError(
            f"{name}: the PDF has no text layer (a scanned or image-only PDF, {len(pages)} page(s)); "
            "run OCR on it, or use the original DOCX, HTML or TXT"
        )
    lines: list[str] = []
    for page in pages:
        lines.extend(_pdf_paragraphs(page))
    text = "\n".join(lines)
    return Document(name=name, format="pdf", text=text, title=title or _first_line(text), pages=len(pages))


def _unradical(text: str) -> str:
    """Kangxi and CJK radical code points (⼊, ⼒) that some PDF fonts map their glyphs to, as the ideographs they look like (入, 力)."""
    if not any("\u2e80" <= ch <= "\u2fdf" for ch in text):
        return text
    return "".join(unicodedata.normalize("NFKC", ch) if "\u2f00" <= ch <= "\u2fdf" else ch for ch in text)


def _pdf_paragraphs(page: str) -> list[str]:
    """A page's visual lines joined into paragraphs: a line as wide as the page's full lines that does not end
    a sentence goes on in the next one. Chinese joins without a space, Latin words with one."""
    lines = [ln.strip() for ln in page.split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        return []
    widths = sorted(_width(ln) for ln in lines)
    full = widths[int(0.8 * (len(widths) - 1))]  # the width of a full line of running text
    out: list[str] = []
    current = ""
    for ln in lines:
        current = _join(current, ln) if current else ln
        if _width(ln) < 0.85 * full or ln.endswith(tuple(SENTENCE_END)) and _width(ln) < 0.97 * full:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def _width(line: str) -> float:
    return sum(1.0 if ord(ch) > 0x2E80 else 0.5 for ch in line)


def _join(left: str, right: str) -> str:
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return left + " " + right
    return left + right


# ---------------------------------------------------------------------------------------------- HTML
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header", "footer", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "title", "pre", "dd", "dt", "figcaption", "td", "th",
})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.headings: set[int] = set()
        self.title = ""
        self._buf: list[str] = []
        self._skip = 0
        self._in_title = False
        self._heading = False

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._buf)).strip()
        self._buf = []
        if text:
            if self._heading:
                self.headings.add(len(self.lines))
            self.lines.append(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        if tag in _BLOCK_TAGS:
            self._flush()
            self._heading = tag in _HEADING_TAGS

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag == "br" and not self._skip:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if tag in _BLOCK_TAGS:
            self._flush()
            if tag in _HEADING_TAGS:
                self._heading = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if not self._skip:
            self._buf.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _html_charset(data: bytes) -> str | None:
    m = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([\w-]+)", data[:4096], re.I)
    return m.group(1).decode("ascii", "replace") if m else None


def _read_html(data: bytes, name: str) -> Document:
    charset = _html_charset(data)
    text: str | None = None
    if charset and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        enc = "gb18030" if charset.lower().replace("-", "") in ("gbk", "gb2312") else charset
        try:
            text = data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text = decode_text(data, name)
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    lines = [_clean(ln) for ln in parser.lines]
    body = "\n".join(lines)
    title = re.sub(r"\s+", " ", parser.title).strip()
    if parser.headings:
        first = lines[min(parser.headings)]
        title = first if not title or first in title else title
    return Document(name=name, format="html", text=body, title=title or _first_line(body), headings=frozenset(parser.headings))
