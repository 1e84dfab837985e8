"""Replay an edition against upstream's *real* history, as a user runs AMTS (not the two-commit upstream of
``bench_trust.py`` part 3, which has only the origins and the target).

With the real history, an origin file that is not an upstream version is *stale* (d2l-zh edits its origins), and a
block whose translation follows part of the new English is looked up in upstream's versions of the file
(``bot.sync.history``). Upstream = a shared clone of ``EN.git`` at ``TARGET`` (the target of the replay folders,
built by ``edition_replays.py``); edition = the folder's ``edition/``. Prints ``bench_trust.measure``'s counts plus
``partial`` (blocks kept as ``edition-ahead-partial``), ``rebased`` (blocks synced from the upstream version their
translation follows) and ``gate_failed`` (blocks the build gate or an engine failed: kept as they were, flagged).

Run ``python benchmarks/replay_history.py EN.git TARGET FOLDER [FOLDER ...]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_trust  # noqa: E402

from bot.sync import runner  # noqa: E402
from bot.sync.replay import init_repo  # noqa: E402


def replay(en: str, target: str, folder: Path) -> dict:
    runs = []
    sync = runner.run_sync

    def keep(*args, **kwargs):
        runs.append(sync(*args, **kwargs))
        return runs[-1]

    with tempfile.TemporaryDirectory() as tmp:
        upstream = Path(tmp) / "upstream"
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", en, str(upstream)], check=True,
                       capture_output=True)
        subprocess.run(["git", "-C", str(upstream), "checkout", "-q", "-b", "replay", target], check=True,
                       capture_output=True)
        edition = init_repo(Path(tmp) / "edition", folder / "edition", "edition")
        runner.run_sync = keep
        try:
            out = bench_trust.measure(upstream, edition, folder.name.split("-")[0])
        finally:
            runner.run_sync = sync
    units = [u for job in runs[-1].jobs if job.outcome for u in job.outcome.units]
    out["partial"] = sum("edition-ahead-partial" in u.flags for u in units)
    out["rebased"] = sum(any("follows upstream's English of" in n for n in u.notes) for u in units)
    out["gate_failed"] = sum(u.status == "failed" for u in units)  # kept as they were, flagged with the reason
    return out


def main(argv: list[str]) -> None:
    if len(argv) < 3:
        sys.exit(__doc__)
    en, target = argv[0], argv[1]
    for folder in map(Path, argv[2:]):
        print(folder.name, json.dumps(replay(en, target, folder)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
