"""Thin PyGithub helpers for the few GitHub calls AMTS makes on pull requests and comments.

Each helper is one GitHub behaviour worth naming: "create, or on 422 'already exists' find and update",
"the comment that carries our marker", "the commenter's role".
"""

from __future__ import annotations

from collections.abc import Sequence

from github.GithubException import GithubException
from github.IssueComment import IssueComment
from github.PullRequest import PullRequest
from github.Repository import Repository

#: repository roles, lowest first (custom roles count as read)
ROLE_RANK = {"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}


def find_pull(repo: Repository, branch: str, base: str, state: str = "open") -> PullRequest | None:
    """The newest PR from ``branch`` (same repository) into ``base`` in ``state``."""
    for pr in repo.get_pulls(state=state, head=f"{repo.owner.login}:{branch}", base=base):
        return pr
    return None


def create_or_update_pull(repo: Repository, branch: str, base: str, title: str, body: str,
                          labels: Sequence[str]) -> tuple[PullRequest, str]:
    """Open the PR, or update the one that exists (GitHub's 422 "A pull request already exists"
    when another run created it first). Returns the PR and ``created`` / ``updated``."""
    try:
        pr = repo.create_pull(base=base, head=branch, title=title, body=body, maintainer_can_modify=True)
    except GithubException as e:
        if e.status != 422 or "already exists" not in str(e.data):
            raise
        pr = find_pull(repo, branch, base)
        if pr is None:
            raise
        pr.edit(title=title, body=body)
        return pr, "updated"
    if labels:
        pr.add_to_labels(*labels)
    return pr, "created"


def find_marked_comment(pr: PullRequest, marker: str) -> IssueComment | None:
    for comment in pr.get_issue_comments():
        if (comment.body or "").startswith(marker):
            return comment
    return None


def upsert_marked_comment(pr: PullRequest, marker: str, body: str) -> IssueComment:
    """Edit the comment that starts with ``marker``, or post it."""
    comment = find_marked_comment(pr, marker)
    if comment is None:
        return pr.create_issue_comment(body)
    if comment.body != body:
        comment.edit(body)
    return comment


def role_of(repo: Repository, login: str) -> str:
    """``admin``/``maintain``/``write``/``triage``/``read``/``none`` (a custom role reads as ``read``)."""
    try:
        role = repo.get_collaborator_role_name(login)
    except GithubException as e:
        if e.status == 404:
            return "none"
        raise
    if role in ROLE_RANK:
        return role
    legacy = repo.get_collaborator_permission(login)
    return legacy if legacy in ROLE_RANK else "read"


def has_role(role: str, needed: str) -> bool:
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[needed]
