"""Command line: python -m exports deck|png. Exit 0 written, 2 refused (unknown locality, nothing to
draw), 1 unexpected (no database, no browser for a PNG, ...); never a traceback.

    python -m exports deck --locality 梧州市 --out deck.pptx [--period 2025] [--lang zh] [--db DB]
    python -m exports deck --compare 梧州市,贵港市,岑溪市 --out cmp.pptx
    python -m exports png --chart coverage --locality 梧州市 --out chart.png [--width 1920 --height 1080 --scale 1]

Localities are given by name (Chinese or English) or locality id. The database is read read-only
(default: $GOV_DB or data/gov.duckdb).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl

EXIT_OK, EXIT_UNEXPECTED, EXIT_REFUSED = 0, 1, 2
TABLES = ("localities", "sources", "facts", "community_rows")
CHARTS = ("coverage", "funding", "trend", "map")


class Refused(Exception):
    """A request we will not carry out; the message says why."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m exports", description="Present mode exports: PPTX deck, PNG charts.")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        who = sp.add_mutually_exclusive_group(required=True)
        who.add_argument("--locality", help="name (梧州市 / Wuzhou) or locality id (450400)")
        who.add_argument("--compare", help="comma-separated names or ids, e.g. 梧州市,贵港市,岑溪市")
        sp.add_argument("--out", required=True, help="output file")
        sp.add_argument("--period", help="roster period (default: the latest)")
        sp.add_argument("--lang", choices=["zh", "en"], default="zh")
        sp.add_argument("--db", help="database path (default: $GOV_DB or data/gov.duckdb)")

    d = sub.add_parser("deck", help="an editable PowerPoint deck of the present-mode slides")
    common(d)
    d.add_argument("--font", default=None, help="East Asian typeface written into the deck (default: Microsoft YaHei)")
    d.add_argument("--no-map", action="store_true", help="skip the map picture (no browser needed)")

    g = sub.add_parser("png", help="one chart of the slides as a PNG at presentation resolution")
    common(g)
    g.add_argument("--chart", required=True, choices=CHARTS)
    g.add_argument("--width", type=int, default=1920)
    g.add_argument("--height", type=int, default=1080)
    g.add_argument("--scale", type=float, default=1.0)
    return p


def load_tables(db: str | None) -> dict[str, pl.DataFrame]:
    """The store's tables, read through a read-only connection that is closed again at once."""
    from store import read
    from store.db import connect, db_path

    con = connect(db_path(db), read_only=True)
    try:
        return {name: getattr(read, name)(con) for name in TABLES}
    finally:
        con.close()


def _story(args: argparse.Namespace, tables: dict[str, pl.DataFrame]):
    from exports.story import build_story, resolve_locality

    locs = tables["localities"]
    if args.compare:
        names = [n for n in args.compare.split(",") if n.strip()]
        ids = [resolve_locality(locs, n) for n in names]
        if len(set(ids)) < 2:
            raise Refused("a comparison needs at least two different localities")
        return build_story(tables, compare_ids=ids, period=args.period, lang=args.lang)
    return build_story(tables, locality_id=resolve_locality(locs, args.locality), period=args.period, lang=args.lang)


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from exports.images import ImageExportError
    from exports.story import UnknownLocality
    from store.db import StoreError

    try:
        t0 = time.perf_counter()
        story = _story(args, load_tables(args.db))
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        if args.command == "deck":
            from exports.deck import EA_FONT, build_deck

            data = build_deck(story, font=args.font or EA_FONT, render_map=not args.no_map)
            out.write_bytes(data)
            print(f"wrote {out}: {len(story)} slides, {len(data):,} bytes in {time.perf_counter() - t0:.1f}s")
            return EXIT_OK
        from exports.images import slide_figure, to_png

        slide = next((s for s in story if s.key == args.chart and (s.chart or s.map)), None)
        if slide is None:
            have = ", ".join(s.key for s in story if s.chart is not None or s.map is not None) or "none"
            period = story.period or "—"
            raise Refused(f"no {args.chart!r} chart for this selection (period {period}); available: {have}")
        fig = slide_figure(slide, story.lang, big=True, height=args.height, title=slide.title)
        out.write_bytes(to_png(fig, width=args.width, height=args.height, scale=args.scale))
        took = time.perf_counter() - t0
        print(f"wrote {out}: {slide.title} ({args.width}x{args.height} x{args.scale:g}) in {took:.1f}s")
        return EXIT_OK
    except (UnknownLocality, Refused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except (StoreError, ImageExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    except Exception as exc:  # the promise is: no traceback for the user, a reason instead
        print(f"unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
