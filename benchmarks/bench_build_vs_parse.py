"""Where the time of a cold run goes: parsing the zh book vs building its parallel data (= a cold memory).

Run: ``python benchmarks/bench_build_vs_parse.py [EDITION_DIR]`` (default ``../shared/corpus/book/d2l-zh``,
else the bundled sample). Prints CPU seconds to parse every origin and translation file, to align their
blocks, and to build the sentence-level parallel data (``amts parallel-data build``: blocks, then
sentences), and the ratios. Parsing is the floor any sync pays for the files it reads; the build is what a
cold translation memory costs once (after that, bot/cache.py keeps it). The sentence aligner's speed is
issue 10's work; this only reports it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot import paralleldata as pd
from bot.align.blocks import align
from bot.markdown.blocks import parse

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT.parent / "shared" / "corpus" / "book" / "d2l-zh"


def main() -> None:
    edition = Path(sys.argv[1]) if len(sys.argv) > 1 else BOOK
    if not edition.is_dir():
        print("../shared not found: the bundled sample stands in for the book", file=sys.stderr)
        edition = ROOT / "tests" / "data" / "zh"
    pairs, _ = pd.find_pairs(edition)
    texts = [(o.read_text(encoding="utf-8"), t.read_text(encoding="utf-8")) for o, t in pairs]
    size = sum(len(o.encode()) + len(t.encode()) for o, t in texts) / 1e6
    t0 = time.process_time()
    docs = [(parse(o), parse(t)) for o, t in texts]
    parse_s = time.process_time() - t0
    t0 = time.process_time()
    for o, t in docs:
        align(o, t)
    align_s = time.process_time() - t0
    t0 = time.process_time()
    report = pd.build(edition, "zh")
    build_s = time.process_time() - t0
    print(f"{len(pairs)} file pairs, {size:.1f} MB; {len(report.pairs)} sentence pairs")
    print(f"parse (both files of every pair)   {parse_s:6.2f} s CPU")
    print(f"block alignment                    {align_s:6.2f} s CPU  ({align_s / parse_s:.1f}x parse)")
    print(f"parallel-data build (sentences)    {build_s:6.2f} s CPU  ({build_s / parse_s:.1f}x parse)")


if __name__ == "__main__":
    main()
