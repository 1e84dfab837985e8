"""Build real git repositories from a replay range folder (``before/`` + ``patches/`` + ``zh/``).

Used by the quickstart, the tests and the benchmarks: upstream = ``before/`` committed, then every
upstream patch applied with ``git am`` (one commit each, authors and dates kept); edition = ``zh/``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

_ENV = {"GIT_AUTHOR_NAME": "amts", "GIT_AUTHOR_EMAIL": "amts@example.org", "GIT_COMMITTER_NAME": "amts",
        "GIT_COMMITTER_EMAIL": "amts@example.org", "HOME": "/tmp"}


def _git(cwd: Path, *args: str) -> str:
    import os

    env = {**os.environ, **_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def init_repo(path: Path, files_from: Path, message: str) -> Path:
    """A new repository at ``path`` whose first commit holds a copy of ``files_from``."""
    path.mkdir(parents=True, exist_ok=True)
    shutil.copytree(files_from, path, dirs_exist_ok=True)
    _git(path, "init", "-q", "-b", "master")
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", message)
    return path


def commit_files(repo: Path, files: Mapping[str, str], message: str) -> None:
    """Write ``files`` (relative path -> text) into ``repo`` and commit them (the repository is created
    on first use): synthetic upstream pushes for tests and benchmarks."""
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    if not (repo / ".git").exists():
        _git(repo, "init", "-q", "-b", "master")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


def build_replay(range_dir: Path, into: Path, apply_patches: bool = True) -> tuple[Path, Path]:
    """(upstream repo, edition repo) for a replay range, under ``into``."""
    upstream = init_repo(into / "upstream", range_dir / "before", "base A")
    if apply_patches:
        patches = sorted((range_dir / "patches").glob("*.patch"))
        if patches:
            _git(upstream, "am", "-q", "--whitespace=nowarn", *map(str, patches))
    edition = init_repo(into / "edition", range_dir / "zh", "edition")
    return upstream, edition
