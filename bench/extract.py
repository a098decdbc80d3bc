"""python -m bench.extract: the report extractor against the hand-keyed facts of the seed reports, and its speed on a 30-page report.

Matching (one candidate to one fact, same source): the candidate's value equals the fact's, or the fact's
value lies in the candidate's interval; and their evidence overlaps in the document's text (the fact's
evidence is found in the text with whitespace ignored; where it is not found, the fact's evidence must
lie in the candidate's sentence). Greedy, largest overlap first.

- recall: matched facts / facts; precision: matched candidates / candidates;
- qualifier agreement: matched pairs with the same qualifier; locality agreement: the same locality
  name; indicator agreement: among pairs whose fact names an indicator, the same indicator;
  indicator where none: among pairs whose fact names none, the candidates that name one (a figure
  a reviewer would have to un-tag).

Speed: the five seed reports concatenated until the text holds PAGE_CHARS × pages characters (a
printed A4 page of Chinese running text holds about 1,000–1,500 characters), written as TXT, DOCX,
HTML and PDF (the HTML printed by headless chromium; fpdf2 with Noto Sans CJK without chromium),
each read and extracted; the median of --repeat runs.
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from figures.extract import Extractor, load_localities
from figures.readers import Document, read_bytes, read_path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
if not SEEDS.is_dir():
    SEEDS = Path("/work/shared/seeds")
PAGE_CHARS = 1500
_WS = re.compile(r"\s+")


def _squeeze_map(text: str) -> tuple[str, list[int]]:
    chars, offsets = [], []
    for i, ch in enumerate(text):
        if not ch.isspace():
            chars.append(ch)
            offsets.append(i)
    return "".join(chars), offsets


def _spans(text: str, evidence: str) -> list[tuple[int, int]]:
    """Every place the evidence stands in the text, whitespace ignored, as text offsets."""
    flat, offs = _squeeze_map(text)
    needle = _WS.sub("", evidence or "")
    out = []
    if not needle:
        return out
    start = flat.find(needle)
    while start >= 0:
        out.append((offs[start], offs[start + len(needle) - 1] + 1))
        start = flat.find(needle, start + 1)
    return out


def _in_interval(c: dict, value: float) -> bool:
    lo = float(c["low"]) if c["low"] not in (None, "") else float("-inf")
    hi = float(c["high"]) if c["high"] not in (None, "") else float("inf")
    return lo <= value <= hi


def match(doc: Document, candidates: list[dict], facts: list[dict]) -> list[tuple[dict, dict]]:
    """One-to-one pairs (candidate, fact) under the module's matching rule."""
    options: list[tuple[int, float, int, int]] = []
    for fi, f in enumerate(facts):
        fv = float(f["value"])
        spans = _spans(doc.text, f["evidence"])
        for ci, c in enumerate(candidates):
            cv = float(c["value"])
            if not (cv == fv or _in_interval(c, fv)):
                continue
            c0 = int(c["offset"])
            c1 = c0 + len(c["evidence"])
            if spans:
                overlap = max((min(c1, e) - max(c0, s) for s, e in spans), default=0)
                if overlap <= 0:
                    continue
            else:
                if _WS.sub("", f["evidence"]) not in _WS.sub("", c["context"]):
                    continue
                overlap = 1
            options.append((overlap, -abs(cv - fv), fi, ci))
    options.sort(reverse=True)
    used_f: set[int] = set()
    used_c: set[int] = set()
    pairs = []
    for _, _, fi, ci in options:
        if fi in used_f or ci in used_c:
            continue
        used_f.add(fi)
        used_c.add(ci)
        pairs.append((candidates[ci], facts[fi]))
    return pairs


def score(seeds: Path = SEEDS, *, show: bool = False) -> dict:
    facts = pl.read_csv(ROOT / "data" / "sources" / "facts.csv", infer_schema=False).fill_null("")
    sources = pl.read_csv(ROOT / "data" / "sources" / "sources.csv", infer_schema=False).fill_null("")
    ex = Extractor(load_localities())
    rows = []
    totals = {"facts": 0, "candidates": 0, "matched": 0, "qualifier": 0, "locality": 0, "ind_pairs": 0, "indicator": 0,
              "seconds": 0.0, "none_pairs": 0, "ind_where_none": 0}
    excluded: dict[str, int] = {}
    for s in sources.iter_rows(named=True):
        path = seeds / s["file"]
        doc = read_path(path)
        result = ex.extract(doc, source_id=s["source_id"])
        cands = result.candidates
        fs = [r for r in facts.filter(pl.col("source_id") == s["source_id"]).iter_rows(named=True)]
        pairs = match(doc, cands, fs)
        q = sum(c["qualifier"] == f["qualifier"] for c, f in pairs)
        loc = sum(c["locality"] == f["locality"] for c, f in pairs)
        ind = [(c, f) for c, f in pairs if f["indicator"]]
        ind_ok = sum(c["indicator"] == f["indicator"] for c, f in ind)
        untagged = [(c, f) for c, f in pairs if not f["indicator"]]
        tagged = sum(bool(c["indicator"]) for c, _ in untagged)
        rows.append((s["source_id"], len(fs), len(cands), len(pairs), q, loc, len(ind), ind_ok, result.seconds,
                     result.main_place.name if result.main_place else "—", len(untagged), tagged))
        for k, v in result.excluded.items():
            excluded[k] = excluded.get(k, 0) + v
        for key, val in zip(("facts", "candidates", "matched", "qualifier", "locality", "ind_pairs", "indicator", "seconds"),
                            rows[-1][1:9], strict=True):
            totals[key] += val
        totals["none_pairs"] += len(untagged)
        totals["ind_where_none"] += tagged
        if show:
            got_f = {id(f) for _, f in pairs}
            got_c = {id(c) for c, _ in pairs}
            for f in fs:
                if id(f) not in got_f:
                    print(f"  miss  {f['fact_id']} {f['value']} {f['unit']} {f['qualifier']}: {f['evidence']}")
            for c in cands:
                if id(c) not in got_c:
                    print(f"  extra {s['source_id']} {c['value']} {c['unit']} {c['qualifier']} {c['confidence']}: {c['evidence']}")
            for c, f in pairs:
                if c["qualifier"] != f["qualifier"]:
                    print(f"  qual  {f['fact_id']} fact {f['qualifier']} cand {c['qualifier']}: {c['evidence']}")
                if c["locality"] != f["locality"]:
                    print(f"  loc   {f['fact_id']} fact {f['locality']} cand {c['locality']}: {c['evidence']}")
                if c["indicator"] != f["indicator"]:
                    print(f"  ind   {f['fact_id']} fact {f['indicator'] or '—'} cand {c['indicator'] or '—'}: {c['evidence']}")
    return {"rows": rows, "totals": totals, "excluded": excluded}


def _pct(n: float, d: float) -> str:
    return f"{100 * n / d:5.1f}%" if d else "    —"


def report(result: dict) -> str:
    lines = ["source  facts  cand  match  recall  precision  qualifier  locality  indicator  ind. where none  main place",
             "------  -----  ----  -----  ------  ---------  ---------  --------  ---------  ---------------  ----------"]
    for sid, nf, nc, nm, q, loc, ni, iok, _sec, main, nn, tagged in result["rows"]:
        lines.append(f"{sid:6}  {nf:5}  {nc:4}  {nm:5}  {_pct(nm, nf)}  {_pct(nm, nc):>9}  {_pct(q, nm):>9}  "
                     f"{_pct(loc, nm):>8}  {_pct(iok, ni):>9}  {_pct(tagged, nn):>15}  {main}")
    t = result["totals"]
    lines.append(f"{'all':6}  {t['facts']:5}  {t['candidates']:4}  {t['matched']:5}  {_pct(t['matched'], t['facts'])}  "
                 f"{_pct(t['matched'], t['candidates']):>9}  {_pct(t['qualifier'], t['matched']):>9}  "
                 f"{_pct(t['locality'], t['matched']):>8}  {_pct(t['indicator'], t['ind_pairs']):>9}  "
                 f"{_pct(t['ind_where_none'], t['none_pairs']):>15}")
    ex = ", ".join(f"{k} {v}" for k, v in sorted(result["excluded"].items()))
    lines.append(f"excluded: {ex}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ speed
def long_report(seeds: Path, pages: int) -> str:
    """The seed reports repeated until the text fills `pages` pages of PAGE_CHARS characters."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]
    out: list[str] = []
    size = 0
    i = 0
    while size < pages * PAGE_CHARS:
        t = texts[i % len(texts)]
        out.append(t)
        size += len(re.sub(r"\s", "", t))
        i += 1
    return "\n\n".join(out)


def as_formats(text: str) -> dict[str, bytes]:
    """The same text as TXT, DOCX, PDF (Noto Sans CJK, a real text layer) and HTML files."""
    import html

    import docx

    files = {"txt": text.encode("utf-8")}
    d = docx.Document()
    for para in text.split("\n"):
        if para.strip():
            d.add_paragraph(para.strip())
    buf = io.BytesIO()
    d.save(buf)
    files["docx"] = buf.getvalue()
    files["html"] = ("<!doctype html><html><head><meta charset='utf-8'><title>report</title></head><body>"
                     + "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n") if p.strip())
                     + "</body></html>").encode("utf-8")
    printed = chromium_pdf(files["html"])
    if printed is not None:
        files["pdf"] = printed
        return files
    font = cjk_font()
    if font:
        from fpdf import FPDF

        pdf = FPDF()
        pdf.add_font("cjk", fname=font)
        pdf.set_font("cjk", size=10.5)
        pdf.add_page()
        for para in text.split("\n"):
            if para.strip():
                pdf.multi_cell(0, 6, para.strip())
                pdf.ln(2)
        files["pdf"] = bytes(pdf.output())
    return files


def chromium_pdf(html_bytes: bytes) -> bytes | None:
    """The HTML printed to PDF by headless Debian chromium, as a browser or office suite makes one (Identity-H fonts,
    a real text layer); None without chromium."""
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_bytes(html_bytes)
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--print-to-pdf={out}", src.as_uri()], capture_output=True, timeout=120, check=False)
        return out.read_bytes() if out.is_file() else None


def cjk_font() -> str | None:
    """The Noto Sans CJK font file (fonts-noto-cjk), found with fc-match; None when it is not installed."""
    import shutil
    import subprocess

    if shutil.which("fc-match"):
        out = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True, text=True, check=False).stdout
        if "NotoSansCJK" in out and Path(out).is_file():
            return out
    for p in Path("/usr/share/fonts").rglob("NotoSansCJK-Regular.tt*") if Path("/usr/share/fonts").is_dir() else []:
        return str(p)
    return None


def speed(seeds: Path, pages: int, repeat: int) -> list[tuple[str, int, int, float, float, int]]:
    text = long_report(seeds, pages)
    ex = Extractor(load_localities())
    ex.extract(read_bytes("热身。全市3个社区。".encode(), "warm.txt"))  # loads cn2an once, as a server would have
    rows = []
    for fmt, data in as_formats(text).items():
        read_times, extract_times = [], []
        n = 0
        doc = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            doc = read_bytes(data, f"report.{fmt}")
            t1 = time.perf_counter()
            n = len(ex.extract(doc).candidates)
            t2 = time.perf_counter()
            read_times.append(t1 - t0)
            extract_times.append(t2 - t1)
        assert doc is not None
        rows.append((fmt, len(data), len(doc.text), statistics.median(read_times), statistics.median(extract_times), n))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.extract", description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default=str(SEEDS), help="folder of the seed reports (sources.csv's file names)")
    p.add_argument("--show", action="store_true", help="list misses, extra candidates and disagreements")
    p.add_argument("--pages", type=int, default=30, help="pages of the long report for the speed test (0: skip)")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    seeds = Path(args.seeds)
    if not seeds.is_dir():
        print(f"no seed folder {seeds}", file=sys.stderr)
        return 2
    result = score(seeds, show=args.show)
    print(report(result))
    if args.pages:
        print(f"\nspeed: a {args.pages}-page report ({PAGE_CHARS} characters a page), median of {args.repeat}")
        print("format  file bytes  text chars  read s  extract s  total s  candidates")
        for fmt, size, chars, rt, et, n in speed(seeds, args.pages, args.repeat):
            print(f"{fmt:6}  {size:10,}  {chars:10,}  {rt:6.2f}  {et:9.2f}  {rt + et:7.2f}  {n:10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
