"""Characters sent and wall time of a sync per replay range, next to the naive ways of doing it.

For each range (r1..r4 from ``../shared/corpus/d2l-en-history``; the bundled sample when absent), one
run builds the upstream and edition repositories, syncs with the offline ``tm`` engine, and prints:

* ``amts``: characters actually sent to the engine (changed sentences only);
* ``changed blocks``: characters of every prose block whose English text changed at all (what a
  block-level tool without sentence splicing or cosmetic/typo detection would send);
* ``whole files``: characters of all prose of every changed file (re-translating changed files);
* wall time of the amts run, and the ratios.

The last row ("book") syncs the whole Chinese edition from its origin files to English v0.17.0.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bot.markdown.blocks import Kind
from bot.markdown.protect import protect
from bot.sync.replay import build_replay, init_repo
from bot.sync.report import build_report
from bot.sync.runner import SyncOptions, run_sync
from bot.translate.factory import make_engine, memory_from_commit

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT.parent / "shared" / "corpus" / "d2l-en-history"


def _prose_chars(block) -> int:
    return len(protect(block).text) if block.is_prose or block.kind == Kind.TAB else 0


def naive(result) -> tuple[int, int]:
    changed = whole = 0
    for job in result.jobs:
        if job.plan is None:
            continue
        origin_keys = {b.text for b in job.plan.origin.blocks}
        for b in job.plan.new.blocks:
            whole += _prose_chars(b)
            if b.text not in origin_keys:
                changed += _prose_chars(b)
    return changed, whole


def run(range_dir: Path) -> tuple[str, int, int, int, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        if range_dir.name == "book":  # the whole zh edition, from its origin files to English v0.17.0
            upstream = init_repo(Path(tmp) / "up", range_dir / "d2l-en-v0.17.0", "v0.17.0")
            edition = init_repo(Path(tmp) / "zh", range_dir / "d2l-zh", "zh")
        else:
            upstream, edition = build_replay(range_dir, Path(tmp))
        t0 = time.perf_counter()
        result = run_sync(SyncOptions(str(upstream), str(edition), "zh"),
                          lambda _r, base: make_engine("tm", memory_from_commit(base, "_origin", "en", "zh")))
        seconds = time.perf_counter() - t0
        report = build_report(result)
        changed, whole = naive(result)
        return range_dir.name, report["chars_sent"], changed, whole, seconds, len(result.jobs)


def main() -> None:
    ranges = sorted(p for p in HISTORY.glob("r*") if p.is_dir()) if HISTORY.is_dir() else []
    if ranges:
        ranges.append(HISTORY.parent / "book")
    if not ranges:
        print("../shared not found: using the bundled sample only", file=sys.stderr)
        ranges = [ROOT / "examples" / "r2-hybridize"]
    print(f"{'range':<34} {'files':>5} {'amts':>7} {'changed blocks':>15} {'whole files':>12} "
          f"{'amts/changed':>13} {'amts/whole':>11} {'seconds':>8}")
    for name, sent, changed, whole, seconds, files in map(run, ranges):
        r1 = f"{sent / changed:.3f}" if changed else "-"
        r2 = f"{sent / whole:.4f}" if whole else "-"
        print(f"{name:<34} {files:>5} {sent:>7} {changed:>15} {whole:>12} {r1:>13} {r2:>11} {seconds:>8.2f}")


if __name__ == "__main__":
    main()
