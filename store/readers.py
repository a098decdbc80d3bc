"""File decoding: CSV (UTF-8, BOM, GBK/GB18030 detected), XLSX/XLS (title rows, merged cells, sheets), Parquet -> text grid."""

from __future__ import annotations

import csv
import html
import io
import itertools
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

import polars as pl

from store.headers import header_score

HEADER_SEARCH_ROWS = 30  # the header must be among the first rows of a sheet
MIN_HEADER_SCORE = 2  # at least two known columns make a header row
DETECT_SAMPLE = 256 * 1024
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936", "euc_cn", "ms936"}

# Upload limits, enforced here for every path (page, CLI, code). Rosters are aggregates: tens of
# thousands of rows. The default matches server.maxUploadSize in .streamlit/config.toml.
DEFAULT_MAX_UPLOAD_MB = 50
MAX_ZIP_ENTRIES = 1000  # a workbook has a few dozen parts
MAX_UNCOMPRESSED = 600 * 2**20  # all parts of a workbook, decompressed
MAX_RATIO = 100  # decompressed / compressed, for any part over RATIO_FLOOR (sheet XML compresses ~10x)
RATIO_FLOOR = 2**20
MAX_PARQUET_ROWS = 2_000_000
MAX_NAME_LENGTH = 200


def max_upload_bytes() -> int:
    """The largest file accepted, in bytes: GOV_MAX_UPLOAD_MB (default 50, as the page's upload limit)."""
    try:
        mb = float(os.environ.get("GOV_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB))
    except ValueError:
        mb = DEFAULT_MAX_UPLOAD_MB
    return int(max(mb, 0) * 2**20)


class ReadError(Exception):
    """The file cannot be read as a table; `key` names an import.* message, `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class Table:
    """A decoded table: text cells under their original headers, with the row number a person sees."""

    format: str  # csv | xlsx | xls | parquet
    headers: list[str]  # original header text per column c0, c1, ...
    frame: pl.DataFrame  # String columns c0.. plus "__row" (1-based row in the file, counting title/header rows)
    header_row: int  # person-visible row number of the header (0 for Parquet: no visible header row)
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    encoding: str | None = None
    notes: list[tuple[str, dict]] = field(default_factory=list)  # warnings as (message key, params)


def safe_name(name: str | None) -> str:
    """The file's base name only, as text for display and the log: an upload name is never used as a path."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()[:MAX_NAME_LENGTH]
    return base if base not in {"", ".", ".."} else "upload"


def sniff_format(data: bytes, name: str) -> str:
    """Format from the content's magic bytes, falling back to the extension; text means CSV."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data[:4] == b"PAR1":
        return "parquet"
    ext = posixpath.splitext(name.lower())[1]
    if ext in {".xlsx", ".xlsm", ".xls", ".parquet"}:
        raise ReadError("import.err.corrupt", format=ext.lstrip("."))
    return "csv"


def read_table(data: bytes, name: str, *, sheet: str | None = None) -> Table:
    """Decode a file into a Table; raise ReadError with a message key when it cannot be read."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ReadError("access.upload.too_large", size_mb=f"{len(data) / 2**20:.1f}", limit_mb=f"{limit / 2**20:.0f}")
    if not data or not data.strip():
        raise ReadError("import.err.empty")
    fmt = sniff_format(data, name)
    if fmt == "csv":
        return _read_csv(data)
    if fmt == "parquet":
        check_parquet(data)
        return _read_parquet(data)
    if fmt == "xlsx":
        check_zip(data)
    return _read_excel(data, fmt, sheet)


# ---- decompression-bomb guards ------------------------------------------------------------------
def check_zip(data: bytes) -> None:
    """Refuse a workbook whose parts decompress to too much (a zip bomb) before any parser sees it.

    The central directory's sizes are checked first (entry count, total, ratio); then every part is
    decompressed in chunks and counted, because a forged directory can understate sizes (Python's
    zipfile stops at the stated size and the CRC then fails: refused as corrupt).
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ReadError("import.err.corrupt", format="xlsx") from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ReadError("access.upload.zip_entries", n=len(infos), limit=MAX_ZIP_ENTRIES)
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNCOMPRESSED or (info.file_size > RATIO_FLOOR and ratio > MAX_RATIO):
            raise ReadError("access.upload.zip_bomb", total_mb=f"{total / 2**20:.0f}", ratio=f"{ratio:.0f}",
                            limit_mb=f"{MAX_UNCOMPRESSED / 2**20:.0f}", limit_ratio=MAX_RATIO)
    seen = 0
    try:
        for info in infos:
            with zf.open(info) as fh:
                while chunk := fh.read(2**20):
                    seen += len(chunk)
                    if seen > MAX_UNCOMPRESSED:
                        raise ReadError("access.upload.zip_bomb", total_mb=f"{seen / 2**20:.0f}", ratio="?",
                                        limit_mb=f"{MAX_UNCOMPRESSED / 2**20:.0f}", limit_ratio=MAX_RATIO)
    except ReadError:
        raise
    except Exception as exc:  # bad CRC, unsupported compression, encrypted part, truncated data
        raise ReadError("import.err.corrupt", format="xlsx") from exc


def check_parquet(data: bytes) -> None:
    """Refuse a Parquet file whose footer declares too many rows or too many decompressed bytes."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        rows = meta.num_rows
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    except Exception as exc:
        raise ReadError("import.err.corrupt", format="parquet") from exc
    if rows > MAX_PARQUET_ROWS or size > MAX_UNCOMPRESSED:
        raise ReadError("access.upload.parquet_bomb", rows=rows, size_mb=f"{size / 2**20:.0f}",
                        limit_rows=MAX_PARQUET_ROWS, limit_mb=f"{MAX_UNCOMPRESSED / 2**20:.0f}")


# ---- CSV ------------------------------------------------------------------------------------
def detect_encoding(data: bytes) -> str:
    """The text encoding: a BOM says UTF-8; otherwise charset-normalizer decides (GB* read as GB18030)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if b"\x00" in data[:8192]:
        raise ReadError("import.err.binary")
    from charset_normalizer import from_bytes

    sample = data[:DETECT_SAMPLE]
    if len(data) > DETECT_SAMPLE and b"\n" in sample:
        sample = sample[: sample.rfind(b"\n") + 1]  # never cut a multi-byte character in half
    best = from_bytes(sample).best()
    if best is None:
        raise ReadError("import.err.encoding")
    enc = best.encoding.lower().replace("-", "_")
    if enc in _GB_FAMILY:
        return "gb18030"  # superset of GB2312 and GBK
    if enc in {"ascii", "utf_8"}:
        return "utf-8"
    return enc


def _decodings(data: bytes) -> list[tuple[str, str]]:
    """(text, encoding) candidates: charset-normalizer's choice first, then UTF-8 and GB18030 as fallbacks."""
    enc = detect_encoding(data)
    tried = [enc] if enc == "utf-8-sig" else [enc] + [e for e in ("utf-8", "gb18030") if e != enc]
    out = []
    for candidate in tried:
        try:
            out.append((data.decode(candidate), candidate))
        except (UnicodeDecodeError, LookupError):
            continue
    if not out:
        raise ReadError("import.err.encoding")
    return out


def _find_header(rows: list[list[object]]) -> tuple[int, int]:
    """(index, score) of the best header row among the first rows; the first of equals wins."""
    best_i, best_score = -1, 0
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = header_score(cells)
        if score > best_score:
            best_i, best_score = i, score
    return best_i, best_score


def _read_csv(data: bytes) -> Table:
    # The header decides between candidate encodings: a wrong guess cannot name known columns.
    best: tuple[int, int, str, list[str], str, str] | None = None
    for text, encoding in _decodings(data):
        if "\x00" in text:
            raise ReadError("import.err.binary")
        for delimiter in (",", "\t", ";", "|"):
            try:
                records = list(itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), HEADER_SEARCH_ROWS))
            except csv.Error:
                continue
            idx, score = _find_header(records)
            if idx >= 0 and (best is None or score > best[1]):
                best = (idx, score, delimiter, records[idx], text, encoding)
        if best is not None and best[1] >= MIN_HEADER_SCORE:
            break
    if best is None or best[1] < MIN_HEADER_SCORE:
        raise ReadError("import.err.no_header")
    idx, _, delimiter, header, text, encoding = best
    utf8 = data[3:] if encoding == "utf-8-sig" else (data if encoding == "utf-8" else text.encode("utf-8"))
    try:
        frame = pl.read_csv(
            utf8,
            has_header=True,
            skip_rows=idx,
            separator=delimiter,
            infer_schema=False,
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except Exception as exc:  # polars raises ComputeError/NoDataError on malformed input
        raise ReadError("import.err.malformed", detail=str(exc).splitlines()[0][:200]) from exc
    width = len(frame.columns)
    headers = [str(h) for h in header[:width]] + [""] * max(0, width - len(header))
    frame = frame.rename(dict(zip(frame.columns, [f"c{i}" for i in range(width)], strict=True)))
    frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + idx + 2).alias("__row"))
    return Table("csv", headers, frame, header_row=idx + 1, encoding=encoding.replace("-sig", " (BOM)"))


# ---- Parquet --------------------------------------------------------------------------------
def _read_parquet(data: bytes) -> Table:
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise ReadError("import.err.corrupt", format="parquet") from exc
    headers = list(frame.columns)
    cols = []
    for i, name in enumerate(headers):
        s = frame.get_column(name)
        try:
            s = s.cast(pl.String)
        except Exception:  # nested types: no canonical column is nested; keep the column as null text
            s = pl.Series(name, [None] * frame.height, dtype=pl.String)
        cols.append(s.alias(f"c{i}"))
    out = pl.DataFrame(cols) if cols else pl.DataFrame()
    # Row 1 is the header, as when the table is opened in a spreadsheet or exported to CSV.
    out = out.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("__row"))
    return Table("parquet", headers, out, header_row=1)


# ---- XLSX / XLS -----------------------------------------------------------------------------
def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def merged_ranges(data: bytes, sheet_name: str) -> list[tuple[int, int, int, int]]:
    """Merged-cell ranges of an XLSX sheet as 0-based (row1, col1, row2, col2), read from the sheet XML."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        workbook = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return []
    rid = None
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(r'\bname="([^"]*)"', tag)
        ident = re.search(r'\br:id="([^"]*)"', tag) or re.search(r'\b\w+:id="([^"]*)"', tag)
        if name and ident and html.unescape(name.group(1)) == sheet_name:
            rid = ident.group(1)
            break
    if rid is None:
        return []
    target = None
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        if re.search(rf'\bId="{re.escape(rid)}"', tag):
            m = re.search(r'\bTarget="([^"]*)"', tag)
            target = m.group(1) if m else None
            break
    if not target:
        return []
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    try:
        xml = zf.read(path)
    except KeyError:
        return []
    if b"mergeCell" not in xml:
        return []
    out = []
    for m in re.finditer(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', xml):
        c1, r1, c2, r2 = m.group(1).decode(), int(m.group(2)), m.group(3).decode(), int(m.group(4))
        out.append((r1 - 1, _col_index(c1), r2 - 1, _col_index(c2)))
    return out


def _fill_merged(grid: pl.DataFrame, absolute_cols: list[int], ranges: list[tuple[int, int, int, int]]) -> pl.DataFrame:
    """Every cell of a merged range takes the value of its top-left cell (as a person reading the sheet sees it)."""
    if not ranges:
        return grid
    pos = {a: i for i, a in enumerate(absolute_cols)}
    columns: dict[int, list] = {}
    for r1, c1, r2, c2 in ranges:
        if r1 >= grid.height or c1 not in pos:
            continue
        top_left = grid.get_column(grid.columns[pos[c1]])[r1]
        for c in range(c1, c2 + 1):
            if c not in pos:
                continue
            cells = columns.setdefault(c, grid.get_column(grid.columns[pos[c]]).to_list())
            for r in range(r1, min(r2, grid.height - 1) + 1):
                cells[r] = top_left
    return grid.with_columns([pl.Series(grid.columns[pos[c]], cells, dtype=pl.String) for c, cells in columns.items()])


def _read_excel(data: bytes, fmt: str, sheet: str | None) -> Table:
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        names = list(reader.sheet_names)
    except Exception as exc:
        raise ReadError("import.err.corrupt", format=fmt) from exc
    if sheet is not None and sheet not in names:
        raise ReadError("import.err.sheet_not_found", sheet=sheet, sheets="、".join(names))
    candidates = [sheet] if sheet is not None else names
    best: tuple[str, int] | None = None
    for name in candidates:
        try:
            preview = reader.load_sheet(name, header_row=None, skip_rows=0, n_rows=HEADER_SEARCH_ROWS, dtypes="string")
            rows = pl.from_arrow(preview.to_arrow()).rows() if preview.width else []
        except Exception:
            continue
        _, score = _find_header([list(r) for r in rows])
        if best is None or score > best[1]:
            best = (name, score)
    if best is None or best[1] < MIN_HEADER_SCORE:
        raise ReadError("import.err.no_header")
    chosen = best[0]
    try:
        loaded = reader.load_sheet(chosen, header_row=None, skip_rows=0, dtypes="string")
        grid = pl.from_arrow(loaded.to_arrow())
        absolute = [c.absolute_index for c in loaded.available_columns()]
    except Exception as exc:
        raise ReadError("import.err.corrupt", format=fmt) from exc
    assert isinstance(grid, pl.DataFrame)
    grid = grid.rename(dict(zip(grid.columns, [f"c{i}" for i in range(grid.width)], strict=True)))
    if fmt == "xlsx":
        grid = _fill_merged(grid, absolute, merged_ranges(data, chosen))
    idx, _ = _find_header([list(r) for r in grid.head(HEADER_SEARCH_ROWS).rows()])
    headers = ["" if h is None else str(h) for h in grid.row(idx)]
    # fastexcel starts at the sheet's first row when skip_rows=0, so grid row i is sheet row i + 1
    frame = grid.slice(idx + 1).with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + idx + 2).alias("__row"))
    notes: list[tuple[str, dict]] = []
    if len(names) > 1 and sheet is None:
        notes.append(("import.warn.sheet_chosen", {"sheet": chosen, "sheets": "、".join(names)}))
    return Table(fmt, headers, frame, header_row=idx + 1, sheet=chosen, sheets=names, notes=notes)
