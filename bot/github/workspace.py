"""Local git copies of the repositories the App works on (GitPython at the edge).

* upstream: a bare ``--mirror`` clone, fetched before each job, read at a commit only;
* each edition: a working copy (``run_sync`` needs one) reset to the remote default branch before each
  job, with the local ``amts/sync-*`` branch set to the remote one when it exists, so the sync builds
  on whatever was pushed there (a human's fix included) and the result is a fast-forward.

Tokens reach git through ``GIT_CONFIG_*`` environment variables (an ``http.extraHeader``), never
through the URL or ``.git/config``, so they do not show up in error messages, ``ps`` or the clone.
A file lock per repository keeps two processes (App and Action on one host) from sharing a copy.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

BOT_NAME = "amts[bot]"
NOTES = "refs/notes/amts/"  # runlog.py: each run's PR notes, on its commit
BOT_EMAIL = "amts@users.noreply.github.com"


class WorkspaceError(Exception):
    """git failed in a way a user can act on (repository missing, no access, network)."""


def git_env(token: str | None) -> dict[str, str]:
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env |= {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
                "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}"}
    return env


def _clean(error: git.GitCommandError, token: str | None) -> str:
    text = (error.stderr or str(error)).strip().removeprefix("stderr:").strip().strip("'").strip()
    if token:
        text = text.replace(token, "***")
    return re.sub(r"\s+", " ", text)[:500]


@dataclass
class Checkout:
    """An edition working copy prepared for one job."""

    path: Path
    repo: git.Repo
    default_branch: str
    branch: str
    base_sha: str  # origin/<default_branch>
    remote_branch_sha: str | None  # origin/<branch> before the job, None when the branch is new

    @property
    def base_ref(self) -> str:
        return f"refs/remotes/origin/{self.default_branch}"

    def branch_sha(self) -> str | None:
        try:
            return self.repo.commit(f"refs/heads/{self.branch}").hexsha
        except (git.BadName, ValueError):
            return None


@dataclass(frozen=True)
class PushResult:
    ok: bool
    sha: str | None
    message: str = ""


class Workspace:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _dir(self, kind: str, full_name: str) -> Path:
        slug = re.sub(r"[^A-Za-z0-9_.-]", "_", full_name)
        return self.root / kind / f"{slug}-{hashlib.sha1(full_name.lower().encode()).hexdigest()[:8]}"

    @contextmanager
    def lock(self, full_name: str) -> Iterator[None]:
        path = self._dir("locks", full_name).with_suffix(".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def mirror(self, full_name: str, clone_url: str, token: str | None, sha: str | None = None) -> git.Repo:
        """A fetched bare mirror of ``full_name``; ``sha`` is fetched explicitly when the refs lack it."""
        path = self._dir("mirrors", full_name)
        env = git_env(token)
        try:
            if not (path / "HEAD").exists():
                shutil.rmtree(path, ignore_errors=True)
                path.parent.mkdir(parents=True, exist_ok=True)
                git.Repo.clone_from(clone_url, path, mirror=True, env=env)
            repo = git.Repo(path)
            with repo.git.custom_environment(**env):
                repo.git.remote("set-url", "origin", clone_url)
                repo.git.fetch("--prune", "origin")
                if sha and not _has_commit(repo, sha):
                    repo.git.fetch("origin", sha)
        except git.GitCommandError as e:
            raise WorkspaceError(f"cannot fetch {full_name}: {_clean(e, token)}") from None
        if sha and not _has_commit(repo, sha):
            raise WorkspaceError(f"{full_name} has no commit {sha[:10]} (force-pushed away?)")
        return repo

    def checkout(self, full_name: str, clone_url: str, token: str | None, default_branch: str,
                 branch: str) -> Checkout:
        """The edition working copy: clean, on ``origin/<default_branch>``, with local ``branch`` equal to
        ``origin/<branch>`` (or absent when that does not exist)."""
        path = self._dir("editions", full_name)
        env = git_env(token)
        try:
            if not (path / ".git").exists():
                shutil.rmtree(path, ignore_errors=True)
                path.parent.mkdir(parents=True, exist_ok=True)
                git.Repo.clone_from(clone_url, path, env=env, no_checkout=True)
            repo = git.Repo(path)
            with repo.config_writer() as cw:
                cw.set_value("user", "name", BOT_NAME)
                cw.set_value("user", "email", BOT_EMAIL)
            with repo.git.custom_environment(**env):
                repo.git.remote("set-url", "origin", clone_url)
                repo.git.fetch("--prune", "origin")
                # the runs' notes (runlog.py): the remote's are the truth, a killed run's local ones go
                repo.git.fetch("--prune", "origin", f"+{NOTES}*:{NOTES}*")
            repo.git.worktree("prune")
            repo.git.checkout("--force", "-B", default_branch, f"refs/remotes/origin/{default_branch}")
            repo.git.clean("-ffdx")
            remote = _sha(repo, f"refs/remotes/origin/{branch}")
            base = _sha(repo, f"refs/remotes/origin/{default_branch}")
            if remote and base and remote != base and repo.is_ancestor(remote, base):
                # merged (and not deleted): start again from the base; pushing it is a fast-forward
                repo.git.branch("--force", branch, base)
            elif remote:
                repo.git.branch("--force", branch, remote)
            elif _sha(repo, f"refs/heads/{branch}"):
                repo.git.branch("-D", branch)
        except git.GitCommandError as e:
            raise WorkspaceError(f"cannot prepare {full_name}: {_clean(e, token)}") from None
        if base is None:
            raise WorkspaceError(f"{full_name} has no branch {default_branch!r}")
        return Checkout(path, repo, default_branch, branch, base, remote)


def push(checkout: Checkout, token: str | None) -> PushResult:
    """Push the local branch without force, with its runs' notes (``refs/notes/amts/<branch>``) in the
    same atomic push: the commit and its notes reach GitHub together or not at all. A rejection (someone
    pushed meanwhile) is a result, not an error: the caller leaves the branch alone and says so on the PR."""
    sha = checkout.branch_sha()
    if sha is None:
        return PushResult(False, None, "nothing to push")
    ref = f"refs/heads/{checkout.branch}"
    refs = [f"{ref}:{ref}"]
    notes = NOTES + checkout.branch
    if _sha(checkout.repo, notes):
        refs.append(f"{notes}:{notes}")
    try:
        with checkout.repo.git.custom_environment(**git_env(token)):
            checkout.repo.git.push("--porcelain", "--atomic", "origin", *refs)
    except git.GitCommandError as e:
        text = _clean(e, token)
        seen = f"{e.stdout or ''} {text}"
        if any(w in seen for w in ("[rejected]", "[remote rejected]", "Updates were rejected", "non-fast-forward",
                                   "fetch first", "stale info")):
            return PushResult(False, sha, "non-fast-forward" if "[remote rejected]" not in seen else text)
        raise WorkspaceError(f"cannot push {checkout.branch}: {text}") from None
    return PushResult(True, sha)


def delete_branch(checkout: Checkout, token: str | None, expected_sha: str) -> bool:
    """Delete the remote branch only if it still points at ``expected_sha`` (a lease: a commit pushed
    meanwhile is never lost). Returns whether it was deleted."""
    ref = f"refs/heads/{checkout.branch}"
    try:
        with checkout.repo.git.custom_environment(**git_env(token)):
            checkout.repo.git.push("--porcelain", f"--force-with-lease={ref}:{expected_sha}", "origin", f":{ref}")
    except git.GitCommandError:
        return False
    return True


def has_changes(repo: git.Repo, base: str, head: str) -> bool:
    """Would merging ``head`` into ``base`` change anything? (``git merge-tree``; a conflict counts as
    a change.) Unlike a three-dot diff this is False when the base already has the same content."""
    try:
        tree = repo.git.merge_tree("--write-tree", base, head).split()[0]
    except git.GitCommandError as e:
        if e.status == 1:  # conflicts
            return True
        return bool(changed_files(repo, base, head))  # git < 2.38 has no merge-tree --write-tree
    return tree != repo.commit(base).tree.hexsha


def changed_files(repo: git.Repo, base: str, head: str) -> list[str]:
    """Files the pull request shows (three-dot: since the merge base)."""
    out = repo.git.diff("--name-only", "--no-renames", f"{base}...{head}")
    return [line for line in out.splitlines() if line]


def read_file(repo: git.Repo, rev: str, path: str) -> str | None:
    try:
        data = (repo.commit(rev).tree / path).data_stream.read()
    except (KeyError, git.BadName, ValueError):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise WorkspaceError(f"`{path}` on `{rev}` is not UTF-8 (invalid byte at offset {e.start})") from None


def _sha(repo: git.Repo, ref: str) -> str | None:
    try:
        return repo.git.rev_parse("--verify", "--quiet", ref + "^{commit}").strip() or None
    except git.GitCommandError:
        return None


def _has_commit(repo: git.Repo, sha: str) -> bool:
    return _sha(repo, sha) is not None
