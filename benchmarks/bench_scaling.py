"""Sync time against file size: one long file of N paragraphs, one sentence changed upstream.

Run: ``python benchmarks/bench_scaling.py``. The file is the bundled sample repeated (benchmarks/synth.py:
labels renamed per copy, every paragraph tagged with its copy, so nothing repeats). Each size is synced
through the real runner (git repositories in a temp dir, ``tm`` engine, commit on the sync branch), after a
dry run (plan only), each with an empty cache. Target: the time at 4,000 paragraphs <= 6x the time at 1,000
(linear is 4x). The parse/align/diff/gate rows say where the time goes. Times are CPU seconds (process and
git children), steadier than wall time on a busy machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import long_file  # noqa: E402

from bot.align.blocks import align  # noqa: E402
from bot.markdown.blocks import parse  # noqa: E402
from bot.markdown.invariants import check  # noqa: E402
from bot.sync.diff import diff_blocks  # noqa: E402
from bot.sync.replay import commit_files  # noqa: E402
from bot.sync.runner import SyncOptions, run_sync  # noqa: E402
from bot.translate.factory import engine_for  # noqa: E402

SIZES = (1000, 2000, 4000)  # paragraphs (17 per copy of the sample)


def _repos(tmp: Path, copies: int) -> tuple[Path, Path]:
    origin, edition, new = long_file(copies)
    up, ed = tmp / "up", tmp / "ed"
    commit_files(up, {"chapter/long.md": new}, "base")
    commit_files(ed, {"chapter/long.md": edition, "chapter/long_origin.md": origin}, "base")
    return up, ed


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (git): steadier than wall time on a shared,
    busy machine, and what a sync costs."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(fn) -> float:
    t0 = cpu_seconds()
    fn()
    return cpu_seconds() - t0


def measure(paragraphs: int) -> dict[str, float]:
    copies = max(1, round(paragraphs / 17))
    origin, edition, new = long_file(copies)
    row: dict[str, float] = {}
    row["parse x3"] = _timed(lambda: [parse(t) for t in (origin, edition, new)])
    o, e, n = parse(origin), parse(edition), parse(new)
    row["align"] = _timed(lambda: align(o, e))
    row["diff"] = _timed(lambda: diff_blocks(o, n))
    row["gate (check)"] = _timed(lambda: check(o, e))
    with tempfile.TemporaryDirectory() as tmp:
        up, ed = _repos(Path(tmp), copies)
        os.environ["AMTS_CACHE"] = str(Path(tmp) / "cache-dry-run")  # each run starts with an empty cache
        opts = SyncOptions(str(up), str(ed), "zh", dry_run=True)
        row["sync --dry-run"] = _timed(lambda: run_sync(opts, lambda _r, base: engine_for("tm", base, "_origin",
                                                                                        "en", "zh")))
        os.environ["AMTS_CACHE"] = str(Path(tmp) / "cache-sync")
        opts = SyncOptions(str(up), str(ed), "zh")
        row["sync"] = _timed(lambda: run_sync(opts, lambda _r, base: engine_for("tm", base, "_origin", "en", "zh")))
    return row


def main() -> None:
    rows = {p: measure(p) for p in SIZES}
    names = list(rows[SIZES[0]])
    print(f"{'CPU seconds':<16}" + "".join(f"{p:>8} par" for p in SIZES) + f"{'4k/1k':>9}")
    for name in names:
        cells = "".join(f"{rows[p][name]:>12.2f}" for p in SIZES)
        print(f"{name:<16}{cells}{rows[SIZES[-1]][name] / rows[SIZES[0]][name]:>8.2f}x")
    ratio = rows[SIZES[-1]]["sync"] / rows[SIZES[0]]["sync"]
    print(f"ratio sync 4,000 / 1,000 paragraphs = {ratio:.2f}x (target <= 6.00x; linear = 4x)")


if __name__ == "__main__":
    main()
