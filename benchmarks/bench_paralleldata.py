"""Whole-book parallel data build: time, peak memory, and how time grows from 10% to 100% of the book.

Run: ``python benchmarks/bench_paralleldata.py``. Needs ``../shared/corpus/book/d2l-zh``.
Prints, for 10/25/50/100% of the file pairs (same order each time): seconds, pairs, and time per MB,
plus the ratio time(100%)/time(10%) next to size(100%)/size(10%) — equal ratios mean linear growth.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot import paralleldata as pd

SHARED = Path(os.environ.get("AMTS_SHARED", Path(__file__).resolve().parents[2] / "shared"))
BOOK = SHARED / "corpus" / "book" / "d2l-zh"


def _subset(pairs: list[tuple[Path, Path]], fraction: float, into: Path) -> float:
    """Copy the first ``fraction`` of the file pairs into ``into``; return their size in MB."""
    size = 0
    for origin, translation in pairs[: max(1, round(len(pairs) * fraction))]:
        for f in (origin, translation):
            dest = into / f.relative_to(BOOK)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dest)
            size += f.stat().st_size
    return size / 1e6


def main() -> None:
    if not BOOK.is_dir():
        sys.exit(f"skipped: {BOOK} not found (the shared corpus is not beside this checkout)")
    pairs, _ = pd.find_pairs(BOOK)
    rows = []
    for fraction in (0.1, 0.25, 0.5, 1.0):
        with tempfile.TemporaryDirectory() as tmp:
            mb = _subset(pairs, fraction, Path(tmp))
            t0 = time.perf_counter()
            report = pd.build(Path(tmp), "zh")
            pd.render(report.pairs, "en", "zh", "tmx")
            rows.append((fraction, mb, time.perf_counter() - t0, len(report.pairs)))
    print(f"{'share':>6} {'MB':>6} {'seconds':>8} {'pairs':>6} {'s/MB':>6}")
    for fraction, mb, sec, n in rows:
        print(f"{fraction:>6.0%} {mb:>6.2f} {sec:>8.2f} {n:>6} {sec / mb:>6.2f}")
    (_, mb10, t10, _), (_, mb100, t100, _) = rows[0], rows[-1]
    print(f"growth 10%->100%: time x{t100 / t10:.1f} for size x{mb100 / mb10:.1f} "
          f"(time/size ratio {t100 / t10 / (mb100 / mb10):.2f}; 1.00 = linear)")
    # The issue-10 target: a whole-book build costs at most 3x parsing both books. CPU time (process_time), not
    # wall time: the machine is shared and wall time swings by 2x between runs.
    from bot.markdown.blocks import parse

    texts = [(o.read_text(encoding="utf-8"), t.read_text(encoding="utf-8")) for o, t in pairs]
    t0 = time.process_time()
    for origin_text, translation_text in texts:
        parse(origin_text)
        parse(translation_text)
    t_parse = time.process_time() - t0
    t0 = time.process_time()
    pd.build(BOOK, "zh")
    t_build = time.process_time() - t0
    print(f"whole book, CPU time: parsing both books {t_parse:.2f} s, parallel-data build {t_build:.2f} s, "
          f"ratio {t_build / t_parse:.1f}x (target <= 3x)")
    tracemalloc.start()
    pd.build(BOOK, "zh")
    _, peak = tracemalloc.get_traced_memory()
    print(f"whole book: peak Python memory {peak / 1e6:.0f} MB (tracemalloc)")


if __name__ == "__main__":
    main()
