"""What a queued job does: an upstream push syncs the editions; a ``/amts`` comment runs a command.

Command etiquette on the PR thread: 👀 as soon as the job starts, then the permission check (the
collaborator-permission API; below ``github.trusted_permission`` -> 😕 and a refusal), then 🚀 on
success or 😕 with a reply that says why. Comments on PRs that are not AMTS's get no reaction at all.
A command is not retried after it has started talking to the thread: the reviewer can simply
comment again, which is better than a second, surprising commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from github.GithubException import GithubException, UnknownObjectException
from github.PullRequest import PullRequest

from bot.github import api
from bot.github.commands import Help, Invalid, Keep, Retranslate, Status, help_text, is_command, parse_command
from bot.github.events import CommentJob, MergedJob, PushJob, job_from_dict
from bot.github.pulls import PullOutcome, PullRequests, SyncError, UpstreamRef
from bot.github.queue import JobError, QueuedJob
from bot.github.workspace import WorkspaceError
from bot.messages import clip
from bot.sync import repos

log = logging.getLogger("amts.github.handlers")


@dataclass
class CommandOutcome:
    """What a command did (for logs, tests and the Action's outputs)."""

    status: str  # ignored | refused | invalid | done | failed
    reply: str = ""
    pull: PullOutcome | None = None


class JobHandler:
    """The worker's handler: ``QueuedJob`` -> push sync or command."""

    def __init__(self, pulls: PullRequests) -> None:
        self.pulls = pulls
        self.config = pulls.config
        self.access = pulls.access

    def __call__(self, queued: QueuedJob) -> None:
        """Run the job; ``JobError`` when an edition failed, so the queue retries it (a sync is idempotent:
        editions already done make no new commit and stay quiet on the re-run)."""
        job = job_from_dict(queued.payload)
        if isinstance(job, PushJob):
            failed = [o for o in self.handle_push(job) if o.error]
            if failed:
                raise JobError("; ".join(f"edition {o.edition}: {o.error}" for o in failed))
        elif isinstance(job, MergedJob):
            self.handle_merged(job)
        else:
            self.handle_comment(job)

    # -- merged pull requests --------------------------------------------------------------------
    def handle_merged(self, job: MergedJob) -> str:
        """Learn from a merged AMTS pull request (post-edit distance, parallel data); failures are retried."""
        name = self.pulls.edition_for_repo(job.repo)
        if name is None:
            return f"{job.repo} is not an edition"
        try:
            summary = self.pulls.learn_from_merge(name, job)
        except (SyncError, WorkspaceError, repos.RepoError) as e:
            raise JobError(f"learning from {job.repo}#{job.number}: {e}") from None
        log.info("learned from %s#%d: %s", job.repo, job.number, summary)
        return summary

    # -- push ------------------------------------------------------------------------------------
    def handle_push(self, job: PushJob, names: Sequence[str] | None = None) -> list[PullOutcome]:
        clone_url = job.clone_url or self.access.client(job.repo).get_repo(job.repo).clone_url
        upstream = UpstreamRef(job.repo, clone_url, job.after, job.before)
        before = job.before[:7] if job.before.strip("0") else ""
        trigger = f"push `{before + '..' if before else ''}{job.after[:7]}`"
        trigger += f" by @{job.pusher}" if job.pusher else ""
        outcomes = self.pulls.sync_all(upstream, trigger, names)
        for o in outcomes:
            log.info("edition %s: %s %s%s", o.edition, o.operation, o.url or "", f" ({o.message})" if o.message else "")
        return outcomes

    # -- comments --------------------------------------------------------------------------------
    def handle_comment(self, job: CommentJob) -> CommandOutcome:
        name = self.pulls.edition_for_repo(job.repo)
        if name is None:
            return CommandOutcome("ignored", f"{job.repo} is not an edition")
        repo = self.access.client(job.repo).get_repo(job.repo)
        try:
            pr = repo.get_pull(job.number)
            comment = pr.get_issue_comment(job.comment_id)
        except UnknownObjectException:
            return CommandOutcome("ignored", "the pull request or the comment is gone")
        head_repo = pr.head.repo.full_name if pr.head.repo else ""
        if head_repo.lower() != repo.full_name.lower() or not self.pulls.owns_branch(name, pr.head.ref):
            return CommandOutcome("ignored", f"#{pr.number} is not an AMTS pull request")
        # Defence in depth: the payload is signed, but who may act is decided by the comment as GitHub
        # serves it now (its author and its text), never by the login the payload names.
        author = comment.user.login if comment.user else ""
        if not author or (comment.user.type == "Bot") or author.endswith("[bot]"):
            return CommandOutcome("ignored", f"comment {job.comment_id} has no human author")
        if author != job.login or (comment.body or "") != job.body:
            log.warning("comment %d on %s#%d: payload says @%s, GitHub says @%s; acting as @%s with the text "
                        "GitHub serves", job.comment_id, job.repo, job.number, job.login, author, author)
            job = replace(job, login=author, body=comment.body or "")
            if not is_command(job.body, self.config.github.command_prefix):
                return CommandOutcome("ignored", f"comment {job.comment_id} is no longer a command")
        comment.create_reaction("eyes")
        try:
            outcome = self._run_command(name, repo, pr, job)
        except Exception as e:  # tell the thread, then let the logs have the rest
            log.exception("command on %s#%d failed", job.repo, job.number)
            outcome = CommandOutcome("failed", f"AMTS failed while running this command ({type(e).__name__}); "
                                                "the operator can find the details in the App's log.")
        comment.create_reaction("rocket" if outcome.status == "done" else "confused")  # idempotent on GitHub
        if outcome.reply:
            marker = f"<!-- amts:reply {job.comment_id} -->"  # one reply per command, even when re-run after a crash
            if not any(marker in (c.body or "") for c in pr.get_issue_comments()):
                pr.create_issue_comment(_quote(job.body) + outcome.reply + "\n\n" + marker)
        return outcome

    def _run_command(self, name: str, repo, pr: PullRequest, job: CommentJob) -> CommandOutcome:
        gh = self.config.github
        role = api.role_of(repo, job.login)
        if not api.has_role(role, gh.trusted_permission):
            return CommandOutcome("refused", f"@{job.login}: `{gh.command_prefix}` commands need "
                                             f"{gh.trusted_permission} permission on `{repo.full_name}`; you have "
                                             f"{role}. Nothing was changed.")
        command = parse_command(job.body, gh.command_prefix)
        if command is None or isinstance(command, Help):
            return CommandOutcome("done", help_text(gh.command_prefix))
        if isinstance(command, Invalid):
            usage = command.usage(gh.command_prefix)
            return CommandOutcome("invalid", f"@{job.login}: {command.reason}." + (f" Usage: {usage}." if usage else "")
                                  + "\n\n" + help_text(gh.command_prefix))
        trigger = f"`{_first_line(job.body)}` by @{job.login}"
        try:
            if isinstance(command, Status):
                text = self.pulls.status(name, pr, trigger)
                visible = "\n".join(line for line in text.splitlines() if not line.startswith("<!-- amts:"))
                return CommandOutcome("done", visible)
            if isinstance(command, Retranslate):
                result = self.pulls.retranslate(name, pr, command.path, command.block, command.engine, trigger)
            else:
                assert isinstance(command, Keep)
                result = self.pulls.keep(name, pr, command.path, command.block, trigger)
        except (SyncError, WorkspaceError, repos.RepoError) as e:
            return CommandOutcome("failed", f"@{job.login}: {clip(str(e))}")
        except GithubException as e:
            return CommandOutcome("failed", f"@{job.login}: GitHub refused a request ({e.status}); "
                                            "nothing more was done.")
        return _report(job.login, result)


def _report(login: str, result: PullOutcome) -> CommandOutcome:
    if result.push_rejected:
        return CommandOutcome("failed", f"@{login}: {result.message}", result)
    if result.error:
        return CommandOutcome("failed", f"@{login}: {result.error}", result)
    if result.commit:
        return CommandOutcome("done", f"@{login}: done in commit {result.commit[:10]}.", result)
    return CommandOutcome("done", f"@{login}: done; nothing changed (the result equals the current text).", result)


def _first_line(body: str) -> str:
    return body.replace("\r\n", "\n").split("\n", 1)[0].strip().replace("`", "'")[:200]


def _quote(body: str) -> str:
    return f"> {_first_line(body)}\n\n"
