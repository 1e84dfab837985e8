"""Killed syncs do not leak temporary worktrees: the next run of the same repository removes the ones
whose owner is provably dead, and never a live run's or another repository's."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import git

from bot.sync import repos
from tests.conftest import ROOT

HOLD = textwrap.dedent("""
    import os, signal, sys, git
    from bot.sync.repos import branch_worktree
    with branch_worktree(git.Repo(sys.argv[1]), "b", "HEAD") as wt:
        print(wt.path, flush=True)
        if sys.argv[2] == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        sys.stdin.readline()  # a live run: holds its worktree until told to finish
""")


def _repo(path: Path) -> git.Repo:
    repo = git.Repo.init(path)
    (path / "a.md").write_text("# A\n", encoding="utf-8")
    repo.git.add("a.md")
    repo.git.commit("-q", "-m", "a", "--author", "t <t@example.invalid>")
    return repo


def _registered(repo: git.Repo) -> list[str]:
    return [line.split(" ", 1)[1] for line in repo.git.worktree("list", "--porcelain").splitlines()
            if line.startswith("worktree ")][1:]


def _hold(repo: git.Repo, mode: str, tmpdir: Path) -> tuple[subprocess.Popen, Path]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, repo.working_dir, mode], stdout=subprocess.PIPE,
                            stdin=subprocess.PIPE, text=True, cwd=ROOT, env={"TMPDIR": str(tmpdir),
                                                                           "PATH": "/usr/bin:/bin"})
    return proc, Path(proc.stdout.readline().strip())


def test_a_killed_runs_worktree_is_removed_by_the_next_run_and_live_ones_stay(tmp_path: Path, monkeypatch) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))
    mine, other = _repo(tmp_path / "mine"), _repo(tmp_path / "other")
    live, live_path = _hold(mine, "live", tmpdir)
    dead, dead_path = _hold(mine, "die", tmpdir)
    assert dead.wait(10) == -signal.SIGKILL
    other_dead, other_path = _hold(other, "die", tmpdir)
    assert other_dead.wait(10) == -signal.SIGKILL
    stranger = tmpdir / f"{repos.WORKTREE_PREFIX}stranger"  # not made by AMTS's owner protocol
    stranger.mkdir()
    # the leak, as the issue saw it: the dead run's directory is left and still registered
    assert dead_path.is_dir() and str(dead_path) in _registered(mine)
    with repos.branch_worktree(mine, "b", "HEAD") as wt:  # the next run cleans up first
        assert wt.path.is_dir()
        assert not dead_path.parent.exists() and str(dead_path) not in _registered(mine)
        assert live_path.is_dir() and str(live_path) in _registered(mine)  # a live run keeps its worktree
        assert other_path.is_dir() and str(other_path) in _registered(other)  # another repository's: untouched
        assert stranger.is_dir()
    live.communicate("\n", timeout=10)
    assert live.returncode == 0 and not live_path.parent.exists()
    assert _registered(mine) == []
    # the other repository's next run removes its own leftover
    assert repos.remove_stale_worktrees(other) == [other_path.parent]
    assert _registered(other) == [] and sorted(p.name for p in tmpdir.iterdir()) == [stranger.name]
