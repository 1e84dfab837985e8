"""O(change) sync: what a one-line upstream change and a no-change sync cost in the whole book vs one file.

Run: ``python benchmarks/bench_incremental.py``. Upstream = the English the zh edition was translated
from (every ``X_origin.md`` of ``../shared/corpus/book/d2l-zh`` as ``X.md``), then one commit that adds a
sentence to one paragraph of one file. Two editions sync against it with the offline ``tm`` engine the
way ``amts sync`` does (``engine_for`` + ``run_sync``, one cache): the whole book (124 file pairs) and an
edition holding only the changed file. Rows:

* no change: upstream at its first commit (nothing to do), cold cache;
* one-line change, cold cache (empty $AMTS_CACHE) and warm cache (the same run again);
* the values each run computed: cache rows added (a block alignment or the memory entries of one file pair).

Times are CPU seconds of the process and its git children (steadier than wall time on a busy machine).
Targets: warm one-line change, whole book <= 1.5x one file; no-change sync, whole book <= 1.5x one file.
Without ``../shared`` the bundled sample (two files) stands in for the book; ``python
benchmarks/bench_incremental.py BOOK_DIR`` takes the edition folder from the command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.cache import FILE_NAME
from bot.markdown.blocks import Kind, parse
from bot.sync.replay import _git, commit_files

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT.parent / "shared" / "corpus" / "book" / "d2l-zh"
CHANGED = "chapter_optimization/momentum.md"
ADDED = " This sentence was added upstream to test the sync."


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _pairs(book: Path) -> dict[str, tuple[str, str]]:
    """edition path -> (origin text, translation text)"""
    out = {}
    for origin in sorted(book.rglob("*_origin.md")):
        path = origin.with_name(origin.name.replace("_origin.md", ".md"))
        if path.exists():
            out[path.relative_to(book).as_posix()] = (origin.read_text(encoding="utf-8"),
                                                      path.read_text(encoding="utf-8"))
    return out


def _sample_pairs() -> dict[str, tuple[str, str]]:
    zh = ROOT / "tests" / "data" / "zh"
    hyb = ROOT / "examples" / "r2-hybridize" / "zh" / "chapter_computational-performance"
    return {"chapter_nlp/approx-training.md": ((zh / "approx-training_origin.md").read_text(encoding="utf-8"),
                                               (zh / "approx-training.md").read_text(encoding="utf-8")),
            "chapter_optimization/momentum.md": ((hyb / "hybridize_origin.md").read_text(encoding="utf-8"),
                                                 (hyb / "hybridize.md").read_text(encoding="utf-8"))}


def one_line_change(text: str) -> str:
    """``text`` with a sentence added to its longest prose paragraph."""
    doc = parse(text)
    block = max((b for b in doc.blocks if b.kind == Kind.PARAGRAPH and not b.marks), key=lambda b: len(b.text))
    changed = block.text.rstrip("\n") + ADDED + "\n"
    return text.replace(block.text, changed, 1)


def build(tmp: Path, pairs: dict[str, tuple[str, str]]) -> tuple[Path, Path, Path]:
    """(upstream, whole-book edition, one-file edition)"""
    up, book, one = tmp / "up", tmp / "book", tmp / "one"
    for p in (up, book, one):
        p.mkdir()
    commit_files(up, {path: origin for path, (origin, _) in pairs.items()}, "English the edition follows")
    commit_files(up, {CHANGED: one_line_change(pairs[CHANGED][0])}, "Add a sentence")
    files = {}
    for path, (origin, translation) in pairs.items():
        files[path], files[path[:-3] + "_origin.md"] = translation, origin
    commit_files(book, files, "edition")
    commit_files(one, {CHANGED: files[CHANGED], CHANGED[:-3] + "_origin.md": files[CHANGED[:-3] + "_origin.md"]}, "one")
    return up, book, one


def _rows(cache_dir: Path) -> int:
    db = cache_dir / FILE_NAME
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM entries").fetchone()[0]


def sync(upstream: str, edition: Path, cache_dir: Path) -> tuple[float, int]:
    """CPU seconds of one ``amts sync`` command (start-up included, as a user runs it) and the values it
    computed (cache rows added: file pairs aligned). The sync branch is deleted afterwards so that the next
    run does the same work."""
    before = _rows(cache_dir)
    t0 = cpu_seconds()
    proc = subprocess.run([sys.executable, "-m", "bot", "sync", "--upstream", upstream, "--edition", str(edition),
                           "--lang", "zh"], env={**os.environ, "AMTS_CACHE": str(cache_dir)},
                          capture_output=True, text=True)
    seconds = cpu_seconds() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"amts sync failed: {proc.stderr}")
    if "amts/sync-zh" in _git(edition, "branch", "--list", "amts/sync-zh"):
        _git(edition, "branch", "-D", "amts/sync-zh")
    return seconds, _rows(cache_dir) - before


def main() -> None:
    book_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else BOOK
    pairs = _pairs(book_dir) if book_dir.is_dir() else {}
    if not pairs:
        print("../shared not found: the bundled sample (2 files) stands in for the book", file=sys.stderr)
        pairs = _sample_pairs()
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        up, book, one = build(t, pairs)
        rows = []
        for label, rev in (("no change (cold cache)", "HEAD~1"), ("one-line change, cold cache", "HEAD"),
                           ("one-line change, warm cache", "HEAD")):
            cells = []
            for name, edition in (("book", book), ("one", one)):
                cache_dir = t / f"cache-{name}"
                if "cold" in label:
                    shutil.rmtree(cache_dir, ignore_errors=True)
                cells.append(sync(f"{up}@{rev}", edition, cache_dir))
            rows.append((label, cells))
    print(f"whole book: {len(pairs)} file pairs; one file: {CHANGED}")
    print(f"{'CPU seconds':<30}{'whole book':>12}{'one file':>10}{'ratio':>8}   files aligned (book / one)")
    for label, ((tb, sb), (to, so)) in rows:
        print(f"{label:<30}{tb:>12.2f}{to:>10.2f}{tb / to:>7.2f}x   {sb} / {so}")
    warm = rows[2][1]
    nochange = rows[0][1]
    print(f"ratio warm one-line change book/one = {warm[0][0] / warm[1][0]:.2f}x (target <= 1.50x)")
    print(f"ratio no-change sync book/one = {nochange[0][0] / nochange[1][0]:.2f}x (target <= 1.50x)")


if __name__ == "__main__":
    main()
