"""Post-edit distance of AMTS's proposals against real human syncs (``amts learn`` on real reviewed syncs).

For each of the seven d2l-tr commits in ``../shared/corpus/human-syncs`` (a translator brought ``X.md`` up to a
newer English ``X_origin.md`` by hand), one run builds an edition repository at the translator's *before*
state and an upstream repository whose English is the translator's *after* origin, lets AMTS sync it with
the offline ``tm`` engine (its proposal), then commits the translator's *after* files on top (what a
reviewer would have merged) and runs ``bot.learn.compare``: per block AMTS changed, sentence chrF/TER of
the proposal against the human result, and the sentence pairs the merge teaches. Prints one row per sync.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git

from bot.learn import compare
from bot.sync.replay import init_repo
from bot.sync.runner import SyncOptions, run_sync
from bot.translate.factory import make_engine, memory_from_commit

ROOT = Path(__file__).resolve().parents[1]
SYNCS = ROOT.parent / "shared" / "corpus" / "human-syncs"
_ENV = {"GIT_AUTHOR_NAME": "reviewer", "GIT_AUTHOR_EMAIL": "r@example.org", "GIT_COMMITTER_NAME": "reviewer",
        "GIT_COMMITTER_EMAIL": "r@example.org"}


def human_sync_repos(folder: Path, into: Path, lang: str = "tr") -> tuple[git.Repo, str, str, str]:
    """(edition repo, base sha, proposed sha, merged sha) for one human sync folder."""
    up_files = into / "up-files"
    for origin in (folder / "after").rglob("*_origin.md"):
        target = up_files / origin.relative_to(folder / "after").as_posix().replace("_origin.md", ".md")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(origin, target)
    upstream = init_repo(into / "upstream", up_files, "after")
    edition = init_repo(into / "edition", folder / "before", "before")
    repo = git.Repo(edition)
    base = repo.head.commit.hexsha
    result = run_sync(SyncOptions(str(upstream), str(edition), lang),
                      lambda _r, b: make_engine("tm", memory_from_commit(b, "_origin", "en", lang), lang))
    proposed = result.commit or base
    repo.git.checkout("-q", "-b", "merged", proposed)
    shutil.copytree(folder / "after", edition, dirs_exist_ok=True)
    repo.git.add("-A")
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "human sync"], cwd=edition, check=True,
                   env={**_ENV, "PATH": "/usr/bin:/bin", "HOME": str(into)})
    return repo, base, proposed, repo.head.commit.hexsha


def main() -> None:
    if not SYNCS.is_dir():
        print("../shared/corpus/human-syncs not found", file=sys.stderr)
        return
    print(f"{'sync':<42} {'blocks':>6} {'edited':>6} {'chrF':>6} {'TER':>6} {'pairs':>6} {'seconds':>8}")
    for folder in sorted(p for p in SYNCS.iterdir() if p.is_dir()):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            repo, base, proposed, merged = human_sync_repos(folder, Path(tmp))
            r = compare(repo, proposed, merged, "tr", base=base)
            s = r.as_json()["summary"]
            print(f"{folder.name:<42} {s['blocks']:>6} {s['edited']:>6} {s['chrf']:>6.1f} {s['ter']:>6.1f} "
                  f"{r.pairs_added:>6} {time.perf_counter() - t0:>8.2f}")


if __name__ == "__main__":
    main()
