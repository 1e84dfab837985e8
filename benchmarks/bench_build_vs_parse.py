"""Where the time of a cold run goes: parsing the zh book vs building its parallel data (= a cold memory).

Run: ``python benchmarks/bench_build_vs_parse.py [EDITION_DIR] [--repeat N]`` (default
``../shared/corpus/book/d2l-zh``, else the bundled sample). Prints CPU seconds to parse every origin and
translation file, to align their blocks, and to build the sentence-level parallel data (``amts parallel-data
build``: read + parse both files, align blocks, split and align sentences with the lexicon and anchors, filter),
and the ratios. Issue 10's target: build / parse <= 3, linear in book size.

How it is measured, so the ratio is honest:

* every measurement runs in a fresh interpreter (nothing warm: the lexicon is loaded and every cache starts
  empty inside the build, as in a cold ``amts parallel-data build``), and is repeated ``--repeat`` times (3);
  the minimum is reported. CPU time of that process (``time.process_time``), steadier than wall time on a
  shared machine; the build is single-threaded, so CPU time is all of its work.
* "parse" is ``bot.markdown.blocks.parse`` of both files of every pair, the files already read. The build is
  timed end to end (``bot.paralleldata.build``: it reads and parses the files itself, so its parse is counted).
* linear in book size: the same is measured on the first half of the file pairs (by bytes) and the whole book;
  build time per MB and the build/parse ratio should be the same on both.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT.parent / "shared" / "corpus" / "book" / "d2l-zh"


def _child(what: str, edition: Path) -> None:
    """Run one measurement in this (fresh) process and print its CPU seconds as JSON."""
    from bot import paralleldata as pd
    from bot.align.blocks import align
    from bot.markdown.blocks import parse

    pairs, _ = pd.find_pairs(edition)
    texts = [(o.read_text(encoding="utf-8"), t.read_text(encoding="utf-8")) for o, t in pairs]
    out: dict[str, float] = {"mb": sum(len(o.encode()) + len(t.encode()) for o, t in texts) / 1e6, "files": len(pairs)}
    if what == "parse":
        t0 = time.process_time()
        for o, t in texts:
            parse(o), parse(t)
        out["s"] = time.process_time() - t0
    elif what == "align":
        docs = [(parse(o), parse(t)) for o, t in texts]
        t0 = time.process_time()
        for o, t in docs:
            align(o, t)
        out["s"] = time.process_time() - t0
    else:
        t0 = time.process_time()
        report = pd.build(edition, "zh")
        out["s"] = time.process_time() - t0
        out["pairs"] = len(report.pairs)
    print(json.dumps(out))


def _measure(what: str, edition: Path, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, __file__, "--child", what, str(edition)], capture_output=True,
                              text=True, check=True, cwd=ROOT)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return min(runs, key=lambda r: r["s"])


def _first_half(edition: Path, into: Path) -> Path:
    """A copy of ``edition`` (symlinks) with the first file pairs that make up half of its bytes."""
    from bot import paralleldata as pd

    pairs, _ = pd.find_pairs(edition)
    sizes = [o.stat().st_size + t.stat().st_size for o, t in pairs]
    total, acc = sum(sizes), 0
    for (o, t), size in zip(pairs, sizes, strict=True):
        if acc >= total / 2:
            break
        acc += size
        for path in (o, t):
            link = into / path.relative_to(edition)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)
    return into


def _report(label: str, edition: Path, repeat: int) -> dict[str, float]:
    parse_r, align_r, build_r = (_measure(w, edition, repeat) for w in ("parse", "align", "build"))
    p, a, b = parse_r["s"], align_r["s"], build_r["s"]
    print(f"{label}: {build_r['files']:.0f} file pairs, {build_r['mb']:.2f} MB; {build_r['pairs']:.0f} sentence pairs")
    print(f"  parse (both files of every pair)     {p:6.2f} s CPU")
    print(f"  block alignment                      {a:6.2f} s CPU  ({a / p:.1f}x parse)")
    print(f"  parallel-data build (sentences)      {b:6.2f} s CPU  ({b / p:.1f}x parse)   {b / build_r['mb']:.2f} s/MB")
    return {"mb": build_r["mb"], "build": b, "ratio": b / p}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("edition", nargs="?", type=Path, default=BOOK)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        _child(args.child, args.edition)
        return
    with tempfile.TemporaryDirectory() as tmp:
        edition = args.edition
        if not edition.is_dir():
            print("../shared not found: the bundled sample stands in for the book", file=sys.stderr)
            edition = Path(tmp) / "sample"  # a chapter folder: files at an edition's top level are not chapters
            (edition / "chapter_sample").mkdir(parents=True)
            for path in (ROOT / "tests" / "data" / "zh").glob("*.md"):
                (edition / "chapter_sample" / path.name).symlink_to(path)
        print(f"CPU seconds, min of {args.repeat} runs, each in a fresh process")
        (Path(tmp) / "half").mkdir()
        half = _report("first half", _first_half(edition, Path(tmp) / "half"), args.repeat)
        whole = _report("whole book", edition, args.repeat)
    print(f"linear in size: {whole['mb'] / half['mb']:.2f}x the bytes took {whole['build'] / half['build']:.2f}x the "
          f"build time; build/parse {half['ratio']:.1f}x (half) vs {whole['ratio']:.1f}x (whole)")
    print(f"target build/parse <= 3.0x: {'met' if whole['ratio'] <= 3.0 else 'NOT met'} ({whole['ratio']:.2f}x)")


if __name__ == "__main__":
    main()
