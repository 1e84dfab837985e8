"""Where the time of a cold run goes: parsing the zh book vs building its parallel data (= a cold memory).

Run: ``python benchmarks/bench_build_vs_parse.py [EDITION_DIR] [--repeat N] [--jobs N]`` (default
``../shared/corpus/book/d2l-zh``, else the bundled sample). Prints, side by side from one run, the time to parse
every origin and translation file, to align their blocks, and to build the sentence-level parallel data (``amts
parallel-data build``: read + parse both files, align blocks, split and align sentences with the lexicon and
anchors, filter, render the TMX) with one job and with ``--jobs`` worker processes (2), and the ratios. Issue 10's
target: build / parse <= 3, linear in book size.

How it is measured, so the ratios are honest:

* every measurement runs in a fresh interpreter (nothing warm: the lexicon is loaded and every cache starts
  empty inside the build, as in a cold ``amts parallel-data build``), the kinds interleaved, ``--repeat``
  times (3); the minimum of each is reported.
* two clocks. CPU seconds (``time.process_time``, plus the worker processes' user + system time from
  ``getrusage(RUSAGE_CHILDREN)``) are the work done, the steadier number on a shared machine. Wall seconds
  (``time.perf_counter``) are what a user waits; with N jobs only wall time can show the gain, and it depends
  on the other load of the machine (the load average is printed).
* "parse" is ``bot.markdown.blocks.parse`` of both files of every pair, the files already read, in **one
  process**: the build/parse ratios with 2 jobs compare a 2-process build with a 1-process parse. For that
  reason the parse is also timed in the same 2-process pool (``bot.filepool``), and build/parse is printed for
  that pairing too. The build is timed end to end as the command runs it (``bot.paralleldata.build``, then
  ``render`` of the TMX: the build reads and parses the files itself, so its parse is counted; the pool's start,
  its workers' lexicon load and the rendering are counted; only writing the file is not).
* linear in book size: the same is measured on the first half of the file pairs (by bytes) and the whole book;
  the build time per MB and the build/parse ratios should be the same on both.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT.parent / "shared" / "corpus" / "book" / "d2l-zh"
KINDS = ("parse", "parse-pool", "align", "build-1", "build-n")


def _parse_pair(texts: tuple[str, str]) -> int:
    from bot.markdown.blocks import parse

    return len(parse(texts[0]).blocks) + len(parse(texts[1]).blocks)


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _child(what: str, edition: Path, jobs: int) -> None:
    """Run one measurement in this (fresh) process and print its CPU and wall seconds as JSON."""
    from bot import paralleldata as pd
    from bot.align.blocks import align
    from bot.filepool import map_ordered
    from bot.markdown.blocks import parse

    pairs, _ = pd.find_pairs(edition)
    texts = [(o.read_text(encoding="utf-8"), t.read_text(encoding="utf-8")) for o, t in pairs]
    out: dict[str, float] = {"mb": sum(len(o.encode()) + len(t.encode()) for o, t in texts) / 1e6, "files": len(pairs)}
    docs = [(parse(o), parse(t)) for o, t in texts] if what == "align" else []
    c0, k0, w0 = time.process_time(), _child_cpu(), time.perf_counter()
    if what == "startup":  # imports and reading only: what callgrind's counts of the other kinds subtract
        pass
    elif what == "parse":
        for o, t in texts:
            parse(o), parse(t)
    elif what == "parse-pool":
        map_ordered(_parse_pair, texts, jobs, cost=lambda ot: len(ot[0]) + len(ot[1]))
    elif what == "align":
        for o, t in docs:
            align(o, t)
    else:  # what ``amts parallel-data build`` does: build, then render the TMX it writes
        report = pd.build(edition, "zh", jobs=1 if what == "build-1" else jobs)
        out["pairs"], out["tmx"] = len(report.pairs), len(pd.render(report.pairs, "en", "zh", "tmx"))
    out["wall"] = time.perf_counter() - w0
    out["cpu"] = time.process_time() - c0 + _child_cpu() - k0
    print(json.dumps(out))


def _measure_all(edition: Path, repeat: int, jobs: int) -> dict[str, dict[str, float]]:
    """Every kind in a fresh process, interleaved ``repeat`` times; per kind the run of least wall time and the
    least CPU time."""
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in KINDS}
    for _ in range(repeat):
        for kind in KINDS:
            done = subprocess.run([sys.executable, __file__, "--child", kind, "--jobs", str(jobs), str(edition)],
                                  capture_output=True, text=True, check=True, cwd=ROOT)
            runs[kind].append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {k: {**r[0], "cpu": min(x["cpu"] for x in r), "wall": min(x["wall"] for x in r)} for k, r in runs.items()}


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


def _report(label: str, edition: Path, repeat: int, jobs: int) -> dict[str, float]:
    m = _measure_all(edition, repeat, jobs)
    p, pp, a, b1, bn = (m[k] for k in KINDS)
    print(f"\n{label}: {b1['files']:.0f} file pairs, {b1['mb']:.2f} MB; {b1['pairs']:.0f} sentence pairs "
          f"(same with {jobs} jobs: {bn['pairs'] == b1['pairs']})")
    print(f"  {'':50s} {'CPU s':>7s} {'wall s':>7s}   ratio to the 1-process parse")
    print(f"  {'parse both files of every pair, 1 process':50s} {p['cpu']:7.2f} {p['wall']:7.2f}")
    print(f"  {'block alignment, 1 process':50s} {a['cpu']:7.2f} {a['wall']:7.2f}   "
          f"{a['cpu'] / p['cpu']:.2f}x CPU")
    print(f"  {'parallel-data build, --jobs 1 (in process)':50s} {b1['cpu']:7.2f} {b1['wall']:7.2f}   "
          f"{b1['cpu'] / p['cpu']:.2f}x CPU, {b1['wall'] / p['wall']:.2f}x wall")
    print(f"  {f'parallel-data build, --jobs {jobs} (worker processes)':50s} {bn['cpu']:7.2f} {bn['wall']:7.2f}   "
          f"{bn['wall'] / p['wall']:.2f}x wall (CPU: all processes, {bn['cpu'] / b1['cpu']:.2f}x the 1-job CPU)")
    print(f"  {f'parse, {jobs} worker processes (for comparison)':50s} {pp['cpu']:7.2f} {pp['wall']:7.2f}   "
          f"build --jobs {jobs} / this: {bn['wall'] / pp['wall']:.2f}x wall")
    print(f"  build s/MB: {b1['cpu'] / b1['mb']:.2f} CPU (1 job), {bn['wall'] / bn['mb']:.2f} wall ({jobs} jobs)")
    return {"mb": b1["mb"], "cpu1": b1["cpu"], "wall1": b1["wall"], "walln": bn["wall"],
            "r_cpu1": b1["cpu"] / p["cpu"], "r_wall1": b1["wall"] / p["wall"], "r_walln": bn["wall"] / p["wall"],
            "r_walln_pool": bn["wall"] / pp["wall"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("edition", nargs="?", type=Path, default=BOOK)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes of the parallel build (2)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        _child(args.child, args.edition, args.jobs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        edition = args.edition
        if not edition.is_dir():
            print("../shared not found: the bundled sample stands in for the book", file=sys.stderr)
            edition = Path(tmp) / "sample"  # a chapter folder: files at an edition's top level are not chapters
            (edition / "chapter_sample").mkdir(parents=True)
            for path in (ROOT / "tests" / "data" / "zh").glob("*.md"):
                (edition / "chapter_sample" / path.name).symlink_to(path)
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"min of {args.repeat} interleaved runs, each in a fresh process; {cpus} usable CPUs, load average "
              f"{os.getloadavg()[0]:.2f} at the start. The parse runs in ONE process; the build with --jobs "
              f"{args.jobs} in {args.jobs} worker processes (CPU = all of them).")
        (Path(tmp) / "half").mkdir()
        half = _report("first half", _first_half(edition, Path(tmp) / "half"), args.repeat, args.jobs)
        whole = _report("whole book", edition, args.repeat, args.jobs)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    print(f"linear in size: {whole['mb'] / half['mb']:.2f}x the bytes took {whole['cpu1'] / half['cpu1']:.2f}x the "
          f"1-job build CPU and {whole['walln'] / half['walln']:.2f}x the {args.jobs}-job build wall time; "
          f"build/parse half vs whole: {half['r_cpu1']:.2f}x vs {whole['r_cpu1']:.2f}x (CPU, 1 job), "
          f"{half['r_walln']:.2f}x vs {whole['r_walln']:.2f}x (wall, {args.jobs} jobs)")
    def verdict(ratio: float) -> str:
        return f"{'met' if ratio <= 3.0 else 'NOT met'} ({ratio:.2f}x)"

    print(f"target build/parse <= 3.0x, whole book: wall, {args.jobs} jobs vs the 1-process parse: "
          f"{verdict(whole['r_walln'])}; wall, 1 job: {verdict(whole['r_wall1'])}; CPU (work done), 1 job: "
          f"{verdict(whole['r_cpu1'])}; wall, {args.jobs} jobs vs a {args.jobs}-process parse: "
          f"{verdict(whole['r_walln_pool'])}")


if __name__ == "__main__":
    main()
