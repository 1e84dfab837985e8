"""Quickstart: a real upstream change synced into the Chinese edition, offline, in a few seconds.

Builds two git repositories from the bundled sample (d2l-en commit 550895cb "fix errors in 12.1.
Compilers and Interpreters", and the matching d2l-zh files), runs ``amts sync`` with the offline
translation-memory engine, then shows the diff of the edition branch and the pull-request description.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from bot.sync.replay import build_replay

SAMPLE = Path(__file__).resolve().parent / "r2-hybridize"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="amts-quickstart-"))
    upstream, edition = build_replay(SAMPLE, work)
    report = work / "report.json"
    cmd = [sys.executable, "-m", "bot", "sync", "--upstream", str(upstream), "--edition", str(edition),
           "--lang", "zh", "--engine", "tm", "--report", str(report)]
    print("$", " ".join(cmd), flush=True)
    code = subprocess.run(cmd).returncode
    print("\n$ git diff master amts/sync-zh  (in the edition repo)\n", flush=True)
    subprocess.run(["git", "--no-pager", "diff", "--stat", "master", "amts/sync-zh"], cwd=edition)
    subprocess.run(["git", "--no-pager", "diff", "--word-diff=plain", "master", "amts/sync-zh", "--",
                    "chapter_computational-performance/hybridize.md"], cwd=edition)
    print(f"\n=== PR description ({report.with_suffix('.md')}) ===\n")
    print(report.with_suffix(".md").read_text(encoding="utf-8"))
    print(f"work directory: {work}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
