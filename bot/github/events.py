"""Webhook events -> jobs (pure).

Real deliveries drift from GitHub's schemas (see shared/fixtures/github/MANIFEST.md), so only the few
fields a decision needs are read, each with a tolerant accessor; anything unexpected makes the event
``Ignored`` with a reason instead of raising.

Every job has a *semantic key*: two different deliveries can describe the same work (GitHub retries,
a manual redelivery under a new id, the Action and the App both configured), and the key lets the
store run it once: a push is ``(repo, after)``, a command is ``(repo, comment id)``, a merge ``(repo, PR)``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from bot.github.commands import is_command

if TYPE_CHECKING:
    from bot.config import Config

ZERO_SHA = "0" * 40


@dataclass(frozen=True)
class Routing:
    """What the App listens to (from config/amts.yml)."""

    upstream_repo: str
    upstream_branch: str
    edition_repos: Collection[str]
    command_prefix: str = "/amts"
    branch_prefix: str = "amts/sync"  # AMTS's pull request branches: <prefix>-<lang>[-<chapter>]

    @classmethod
    def from_config(cls, config: Config) -> Routing:
        return cls(config.upstream.repo, config.upstream.branch, tuple(e.repo for e in config.editions.values()),
                   config.github.command_prefix, config.github.branch)

    def is_upstream(self, full_name: str) -> bool:
        return full_name.lower() == self.upstream_repo.lower()

    def is_edition(self, full_name: str) -> bool:
        return full_name.lower() in {r.lower() for r in self.edition_repos}


@dataclass(frozen=True)
class PushJob:
    """Upstream moved: sync every configured edition with ``after``."""

    repo: str
    after: str
    before: str = ""
    ref: str = ""
    clone_url: str = ""
    installation_id: int | None = None
    pusher: str = ""
    kind: str = field(default="push", init=False)

    @property
    def key(self) -> str:
        return f"push:{self.repo.lower()}:{self.after}"


@dataclass(frozen=True)
class CommentJob:
    """A ``/amts`` comment on a pull request of an edition repository."""

    repo: str
    number: int
    comment_id: int
    body: str
    login: str
    installation_id: int | None = None
    kind: str = field(default="comment", init=False)

    @property
    def key(self) -> str:
        return f"comment:{self.repo.lower()}:{self.comment_id}"


@dataclass(frozen=True)
class MergedJob:
    """An AMTS pull request was merged: learn from what the reviewers changed (bot/learn.py)."""

    repo: str
    number: int
    head_ref: str
    head_sha: str
    base_sha: str
    merge_commit_sha: str = ""
    installation_id: int | None = None
    kind: str = field(default="merged", init=False)

    @property
    def key(self) -> str:
        return f"merged:{self.repo.lower()}:{self.number}"


@dataclass(frozen=True)
class Ignored:
    reason: str


Job = PushJob | CommentJob | MergedJob


def route(event: str, payload: Mapping[str, Any], routing: Routing) -> Job | Ignored:
    """The job a delivery asks for, or why there is none."""
    if event == "ping":
        return Ignored("ping: pong")
    if event == "push":
        return _push(payload, routing)
    if event == "issue_comment":
        return _comment(payload, routing)
    if event == "pull_request" and _str(payload, "action") == "closed":
        return _merged(payload, routing)
    action = _str(payload, "action")
    return Ignored(f"{event}{'.' + action if action else ''}: nothing to do")


def _push(payload: Mapping[str, Any], routing: Routing) -> PushJob | Ignored:
    repo = _str(payload, "repository", "full_name")
    if not routing.is_upstream(repo):
        return Ignored(f"push to {repo or 'an unknown repository'}, not the upstream {routing.upstream_repo}")
    ref = _str(payload, "ref")
    if ref != f"refs/heads/{routing.upstream_branch}":
        return Ignored(f"push to {ref or 'no ref'}, not refs/heads/{routing.upstream_branch}")
    after = _str(payload, "after")
    if payload.get("deleted") is True or not _is_sha(after) or after == ZERO_SHA:
        return Ignored("push deleted the branch or names no commit")
    return PushJob(repo=repo, after=after, before=_str(payload, "before"), ref=ref,
                   clone_url=_str(payload, "repository", "clone_url"),
                   installation_id=_int(payload, "installation", "id"),
                   pusher=_str(payload, "pusher", "name") or _str(payload, "sender", "login"))


def _comment(payload: Mapping[str, Any], routing: Routing) -> CommentJob | Ignored:
    action = _str(payload, "action")
    if action != "created":
        return Ignored(f"issue_comment.{action or '?'}: only new comments are commands")
    repo = _str(payload, "repository", "full_name")
    if not routing.is_edition(repo):
        return Ignored(f"comment in {repo or 'an unknown repository'}, which is not an edition")
    issue = payload.get("issue")
    if not isinstance(issue, Mapping) or not isinstance(issue.get("pull_request"), Mapping):
        return Ignored("comment on an issue, not on a pull request")
    login = _str(payload, "comment", "user", "login")
    if _str(payload, "comment", "user", "type") == "Bot" or login.endswith("[bot]"):
        return Ignored(f"comment by the bot account {login}")
    body = _str(payload, "comment", "body")
    if not is_command(body, routing.command_prefix):
        return Ignored(f"comment is not a {routing.command_prefix} command")
    number, comment_id = _int(payload, "issue", "number"), _int(payload, "comment", "id")
    if number is None or comment_id is None or not login:
        return Ignored("comment without issue number, comment id or author")
    return CommentJob(repo=repo, number=number, comment_id=comment_id, body=body, login=login,
                      installation_id=_int(payload, "installation", "id"))


def _merged(payload: Mapping[str, Any], routing: Routing) -> MergedJob | Ignored:
    repo = _str(payload, "repository", "full_name")
    if not routing.is_edition(repo):
        return Ignored(f"pull request closed in {repo or 'an unknown repository'}, which is not an edition")
    if _get(payload, "pull_request", "merged") is not True:
        return Ignored("pull request closed without merging: nothing to learn")
    head_ref = _str(payload, "pull_request", "head", "ref")
    head_repo = _str(payload, "pull_request", "head", "repo", "full_name")
    if not head_ref.startswith(routing.branch_prefix + "-") or head_repo.lower() != repo.lower():
        return Ignored(f"merged pull request from {head_ref or 'an unknown branch'} is not AMTS's")
    number = _int(payload, "pull_request", "number") or _int(payload, "number")
    head_sha, base_sha = _str(payload, "pull_request", "head", "sha"), _str(payload, "pull_request", "base", "sha")
    if number is None or not _is_sha(head_sha) or not _is_sha(base_sha):
        return Ignored("merged pull request without number, head or base commit")
    merge = _str(payload, "pull_request", "merge_commit_sha")
    return MergedJob(repo=repo, number=number, head_ref=head_ref, head_sha=head_sha, base_sha=base_sha,
                     merge_commit_sha=merge if _is_sha(merge) else "",
                     installation_id=_int(payload, "installation", "id"))


def job_to_dict(job: Job) -> dict[str, Any]:
    return asdict(job)


def job_from_dict(data: Mapping[str, Any]) -> Job:
    fields = {k: v for k, v in data.items() if k != "kind"}
    if data.get("kind") == "push":
        return PushJob(**fields)
    if data.get("kind") == "comment":
        return CommentJob(**fields)
    if data.get("kind") == "merged":
        return MergedJob(**fields)
    raise ValueError(f"unknown job kind {data.get('kind')!r}")


def _get(payload: Mapping[str, Any], *keys: str) -> Any:
    node: Any = payload
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _str(payload: Mapping[str, Any], *keys: str) -> str:
    value = _get(payload, *keys)
    return value if isinstance(value, str) else ""


def _int(payload: Mapping[str, Any], *keys: str) -> int | None:
    value = _get(payload, *keys)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_sha(value: str) -> bool:
    return len(value) == 40 and all(c in "0123456789abcdef" for c in value)
