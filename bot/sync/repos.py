"""Git at the edge: the upstream and edition repositories, with GitPython.

Upstream is read only at a revision (never checked out). The edition is never touched in place: the
sync writes into a temporary worktree of the branch ``amts/sync-<lang>`` and commits there, so a run
that is killed leaves the edition's working tree and branches exactly as they were.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git


class RepoError(Exception):
    """A repository or revision the user named cannot be used; the message says which and why."""


def cache_dir() -> Path:
    return Path(os.environ.get("AMTS_CACHE", Path.home() / ".cache" / "amts"))


def split_rev(spec: str) -> tuple[str, str | None]:
    """``REPO[@REV]`` -> (repo, rev). ``git@host:x`` URLs keep their ``@``."""
    head, sep, rev = spec.rpartition("@")
    if sep and head and rev and ":" not in rev and head != "git":
        return head, rev
    return spec, None


def open_repo(spec: str) -> git.Repo:
    """A local repository, or a clone of a URL kept in the cache (fetched again on each run)."""
    path = Path(spec).expanduser()
    if path.exists():
        try:
            return git.Repo(path)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise RepoError(f"{spec}: not a git repository") from None
    if not re.match(r"^(https?|ssh|git|file)://|^git@", spec):
        raise RepoError(f"{spec}: no such directory, and not a git URL")
    target = cache_dir() / "repos" / hashlib.sha1(spec.encode()).hexdigest()[:16]
    try:
        if target.exists():
            repo = git.Repo(target)
            repo.remotes.origin.fetch()
            return repo
        return git.Repo.clone_from(spec, target, bare=True)
    except git.GitCommandError as e:
        raise RepoError(f"{spec}: cannot clone or fetch ({e.stderr.strip() or e})") from None


def resolve(repo: git.Repo, rev: str | None) -> git.Commit:
    try:
        return repo.commit(rev or "HEAD")
    except (git.BadName, ValueError, git.GitCommandError):
        raise RepoError(f"{repo.working_dir or repo.git_dir}: revision {rev or 'HEAD'!r} not found") from None


def read_at(commit: git.Commit, path: str) -> str | None:
    """The text of ``path`` at ``commit`` (None when absent); ``RepoError`` naming the file when it is not
    UTF-8."""
    try:
        blob = commit.tree / path
    except KeyError:
        return None
    data = blob.data_stream.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        where = commit.repo.working_dir or commit.repo.git_dir
        raise RepoError(f"{path} at {commit.hexsha[:10]} in {where}: not UTF-8 (invalid byte at offset {e.start}); "
                        "convert the file to UTF-8") from None


def blob_ids(commit: git.Commit) -> dict[str, str]:
    """Path -> blob id of every file at ``commit``, from one ``git ls-tree`` (reading the tree through
    GitPython costs a round trip per directory and per file: 1.3 s for the 124 files of the zh book)."""
    out = commit.repo.git.ls_tree("-r", "-z", "--full-tree", commit.hexsha)
    ids: dict[str, str] = {}
    for entry in out.split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            ids[path] = parts[2]
    return ids


def blob_sha(text: str) -> str:
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def find_rename(repo: git.Repo, origin_text: str, path: str, head: git.Commit) -> str | None:
    """Where upstream moved ``path`` by ``head``: found from the commit that introduced the origin's exact
    blob, through git's rename detection. ``None`` when git knows no such move."""
    try:
        commits = repo.git.log("--format=%H", f"--find-object={blob_sha(origin_text)}", head.hexsha).split()
        if not commits:
            return None
        status = repo.git.diff("--name-status", "-M", commits[-1], head.hexsha)
    except git.GitCommandError:
        return None
    for line in status.splitlines():
        parts = line.split("\t")
        if parts[0].startswith("R") and len(parts) == 3 and parts[1] == path:
            return parts[2]
    return None


def known_version(repo: git.Repo, text: str, path: str, head: git.Commit) -> bool:
    """Was ``text`` ever the content of ``path`` in upstream history up to ``head``? An origin file that
    never was is *stale* or hand-made: the edition may be ahead of it anywhere."""
    if read_at(head, path) == text:
        return True
    try:
        return bool(repo.git.log("--format=%H", "-1", f"--find-object={blob_sha(text)}", head.hexsha, "--", path))
    except git.GitCommandError:
        return False


def file_versions(repo: git.Repo, path: str, head: git.Commit, since: str | None = None,
                  limit: int = 64) -> list[tuple[str, str]]:
    """Upstream's distinct versions of ``path`` up to ``head``, newest first: ``(commit, text)``, at most
    ``limit`` commits back and none from ``since`` on (the text the edition's origin file has, when it is an
    upstream version: older versions cannot be what the edition follows). A version that is not UTF-8 is passed
    over."""
    try:
        shas = repo.git.log("--format=%H", f"-{limit}", head.hexsha, "--", path).split()
    except git.GitCommandError:
        return []
    out: list[tuple[str, str]] = []
    for sha in shas:
        try:
            text = read_at(repo.commit(sha), path)
        except RepoError:
            continue
        if text is not None and text == since:
            break
        if text is not None and (not out or out[-1][1] != text):
            out.append((sha, text))
    return out


@dataclass
class Worktree:
    path: Path
    repo: git.Repo
    branch: str


WORKTREE_PREFIX = "amts-worktree-"
_OWNER = "owner.lock"


@contextmanager
def branch_worktree(edition: git.Repo, branch: str, base: str) -> Iterator[Worktree]:
    """A temporary detached worktree at ``base``; removed afterwards. The branch itself only moves in
    ``publish``, after the commit exists, so a run killed before that leaves every ref as it was.

    A killed run cannot remove its worktree, so each one is owned: ``owner.lock`` beside it names the
    repository and is held with ``flock`` for the worktree's life (the kernel drops the lock when the
    owner dies, even on SIGKILL). Every new worktree first removes the stale ones of the same
    repository (``remove_stale_worktrees``); a live run's worktree is never touched."""
    remove_stale_worktrees(edition)
    tmp = Path(tempfile.mkdtemp(prefix=WORKTREE_PREFIX))
    path = tmp / "wt"
    owner = open(tmp / _OWNER, "w")  # noqa: SIM115 - held for the worktree's whole life
    try:
        fcntl.flock(owner, fcntl.LOCK_EX)
        owner.write(json.dumps({"repo": _common_dir(edition), "pid": os.getpid()}) + "\n")
        owner.flush()
        edition.git.worktree("add", "--detach", str(path), base)
        yield Worktree(path, git.Repo(path), branch)
    finally:
        try:
            edition.git.worktree("remove", "--force", str(path))
        except git.GitCommandError:
            pass
        shutil.rmtree(tmp, ignore_errors=True)
        owner.close()
        edition.git.worktree("prune")


def _common_dir(repo: git.Repo) -> str:
    """The repository's own git directory (shared by its worktrees): what an owner file names."""
    return str(Path(repo.common_dir).resolve())


def remove_stale_worktrees(edition: git.Repo, tmpdir: str | Path | None = None) -> list[Path]:
    """Remove the temporary worktrees that ``edition`` owned and whose owner is provably gone: the
    ``owner.lock`` names this repository and nobody holds its lock. Worktrees of other repositories,
    of live runs, or without an owner file (made by someone else) are left alone. Returns what went."""
    mine = _common_dir(edition)
    removed: list[Path] = []
    for tmp in sorted(Path(tmpdir or tempfile.gettempdir()).glob(WORKTREE_PREFIX + "*")):
        lock = tmp / _OWNER
        try:
            with open(lock) as handle:
                if json.loads(handle.readline() or "{}").get("repo") != mine:
                    continue
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its owner is alive
                try:
                    edition.git.worktree("remove", "--force", str(tmp / "wt"))
                except git.GitCommandError:
                    pass  # not registered any more (or never was)
                shutil.rmtree(tmp, ignore_errors=True)
                removed.append(tmp)
        except (OSError, ValueError):
            continue
    edition.git.worktree("prune")
    return removed


def publish(edition: git.Repo, branch: str, new_sha: str, old_sha: str | None) -> None:
    """Point ``branch`` at ``new_sha``, only if it still is where the run started (compare-and-swap)."""
    try:
        edition.git.update_ref(f"refs/heads/{branch}", new_sha, old_sha or "0" * 40)
    except git.GitCommandError as e:
        raise RepoError(f"branch {branch} moved while syncing; run again ({e.stderr.strip()})") from None


def ensure_clean(edition: git.Repo) -> None:
    if edition.bare:
        raise RepoError(f"{edition.git_dir}: the edition must be a working copy, not a bare repository")
    if edition.is_dirty(untracked_files=False):
        raise RepoError(f"{edition.working_dir}: working tree has uncommitted changes; commit or stash them first")


def ensure_not_checked_out(edition: git.Repo, branch: str) -> None:
    """Refuse to move a branch that a working copy has checked out: its index and files would stay at
    the old commit, so ``git status`` would show the reverse of the sync and ``git commit -a`` undo it."""
    ref = f"refs/heads/{branch}"
    try:
        listing = edition.git.worktree("list", "--porcelain")
    except git.GitCommandError:
        listing = ""
    for record in listing.split("\n\n"):
        lines = record.splitlines()
        if f"branch {ref}" in lines:
            where = next((ln[len("worktree "):] for ln in lines if ln.startswith("worktree ")), "")
            raise RepoError(f"{where or edition.working_dir}: branch {branch} is checked out there; "
                            f"switch to another branch (git switch -) and run again")
