"""Parse throughput of the D2L block model next to bare markdown-it-py on the same text.

Run: ``python benchmarks/bench_parse.py``. Needs ``../shared/corpus/book`` (the whole book); falls back to
the bundled sample. Prints MB/s for both and the ratio (target: ours <= 2x bare markdown-it-py).
"""

from __future__ import annotations

import time
from pathlib import Path

from markdown_it import MarkdownIt

from bot.markdown.blocks import parse

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT.parent / "shared" / "corpus" / "book"


def _texts() -> list[str]:
    base = BOOK if BOOK.is_dir() else ROOT / "examples"
    return [p.read_text(encoding="utf-8") for p in sorted(base.rglob("*.md"))]


def _best_of(fn, texts: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    texts = _texts()
    size_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    md = MarkdownIt()
    bare = _best_of(md.parse, texts)
    ours = _best_of(parse, texts)
    blocks = sum(len(parse(t).blocks) for t in texts)
    print(f"files={len(texts)} size={size_mb:.1f} MB blocks={blocks}")
    print(f"bare markdown-it-py parse: {bare:.2f} s ({size_mb / bare:.1f} MB/s)")
    print(f"amts parse (blocks+kinds): {ours:.2f} s ({size_mb / ours:.1f} MB/s)")
    print(f"ratio amts/bare = {ours / bare:.2f}x (target <= 2.00x)")


if __name__ == "__main__":
    main()
