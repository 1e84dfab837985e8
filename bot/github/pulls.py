"""One rolling pull request per edition and language, on branch ``amts/sync-<lang>``.

A run, for one edition:

1. fetch the upstream mirror and the edition working copy; the local sync branch starts from the
   remote one when it exists (so commits a human pushed there stay), else from the default branch;
2. ``run_sync`` (bot/sync) plans, translates and commits on that branch: a new commit on top;
3. push without force. Rejected (someone pushed meanwhile) -> leave the branch alone, say so on the PR;
4. nothing left to merge -> close the PR; else create it (or on 422 "already exists" find and update
   it) with the body from body.py and the labels, and refresh the status comment.

Above ``PullOptions.split_above`` characters of planned notes, a run with several chapters opens one
PR per chapter instead (branch ``amts/sync-<lang>-<chapter>``); while a chapter PR is open, that
chapter's files stay out of the main PR.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import git
from github.GithubException import GithubException
from github.PullRequest import PullRequest
from github.Repository import Repository

from bot.config import Config, Edition
from bot.github import api, body, review, runlog
from bot.github.auth import CredentialsError, GitHubAccess
from bot.github.events import MergedJob
from bot.github.workspace import (
    Checkout,
    Workspace,
    WorkspaceError,
    changed_files,
    delete_branch,
    has_changes,
    push,
    read_file,
)
from bot.markdown.blocks import MarkdownError, parse
from bot.messages import clip
from bot.paralleldata import write_atomic
from bot.sync import repos
from bot.sync.report import build_report, pr_notes
from bot.sync.runner import SyncOptions, SyncResult, run_sync
from bot.translate.base import Engine, EngineError
from bot.translate.factory import engine_for

log = logging.getLogger("amts.github.pulls")

DEFAULT_LABELS = ("amts", "translation-sync")


class SyncError(Exception):
    """A sync or command cannot be carried out; the message is meant for the PR thread."""


#: planned notes above this many characters, over several chapters -> one PR per chapter (on by default: a
#: description near GitHub's 65,536-character limit is too long to review anyway)
DEFAULT_SPLIT_ABOVE = 60_000
AMTS_EMAIL = "amts@users.noreply.github.com"
LEARN_MARKER = "<!-- amts:learned -->"


@dataclass(frozen=True)
class PullOptions:
    labels: tuple[str, ...] = DEFAULT_LABELS
    #: planned notes above this many characters, over several chapters -> one PR per chapter; None or 0: never
    split_above: int | None = DEFAULT_SPLIT_ABOVE
    body_limit: int = body.BODY_LIMIT
    #: where merged PRs' sentence pairs (``<edition>.tmx``) are kept (default: ``<workspace>/learning``)
    learn_dir: Path | None = None
    #: the App's SQLite store, for post-edit distances (default: ``<learn_dir>/amts.sqlite3``)
    state_db: Path | None = None
    #: seconds between parallel-data status checks after ``UpdateParallelData``
    parallel_data_poll: float = 5.0


@dataclass(frozen=True)
class UpstreamRef:
    full_name: str
    clone_url: str
    sha: str
    before: str = ""


@dataclass
class PullOutcome:
    edition: str
    branch: str
    operation: str = "none"  # created | updated | closed | none
    number: int | None = None
    url: str | None = None
    commit: str | None = None
    files: tuple[str, ...] = ()
    message: str = ""
    push_rejected: bool = False
    error: str = ""
    chapter: str = ""
    blocks_changed: int = 0  # blocks of this run whose translation changed
    blocks_review: int = 0  # of them, the ones on the Review first list

    def as_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Target:
    """Where one sync goes: a branch, and the edition files it may touch."""

    branch: str
    paths: tuple[str, ...]
    chapter: str = ""
    force: Mapping[str, frozenset[int]] = field(default_factory=dict)


#: (engine name, commit whose translations form the memory, edition config, source language) -> Engine
EngineFactory = Callable[[str, git.Commit, Edition, str], Engine]


def prices(config: Config) -> dict[str, float | None]:
    """USD per million billed characters by engine name (None: unknown, no price configured)."""
    aws = config.engines.aws
    out: dict[str, float | None] = {"tm": 0.0, "bedrock": None, "openai": None, "llm": None}
    if aws is not None:
        act = aws.parallel_data_name is not None and aws.mode != "realtime"
        out["aws"] = aws.price_act_per_million if act else aws.price_standard_per_million
    else:
        out["aws"] = 15.0
    return out


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def block_counts(result: SyncResult) -> tuple[int, int]:
    """(blocks whose translation changed, blocks on the Review first list) of a run."""
    from bot.sync.notes import run_notes_by_file

    notes = [n for _, ns in run_notes_by_file(result, result.options.lang) for n in ns]
    return sum(1 for n in notes if n.changed), sum(1 for n in notes if n.review)


def commit_status(o: PullOutcome) -> tuple[str, str]:
    """(state, description ≤ 140 characters) of an edition's status on the upstream commit."""
    if o.error:
        return "failure", clip(f"sync failed: {o.error}", 140)
    if o.number is None:
        return "success", clip(o.message or "nothing to sync", 140)
    blocks = f"{o.blocks_changed} block(s) changed, {o.blocks_review} to review first" if o.commit else "no new commit"
    return "success", clip(f"PR #{o.number} {o.operation}: {blocks}", 140)


class PullRequests:
    """Rolling PRs for the editions of one config."""

    def __init__(self, config: Config, access: GitHubAccess, workspace: Workspace,
                 options: PullOptions = PullOptions(), engine_factory: EngineFactory | None = None) -> None:
        self.config = config
        self.access = access
        self.workspace = workspace
        self.options = options
        self.engine_factory = engine_factory or self._configured_engine

    def _configured_engine(self, name: str, commit: git.Commit, edition: Edition, src_lang: str) -> Engine:
        """The engine as config/amts.yml describes it (region, parallel data, model, prices)."""
        return engine_for(name, commit, edition.origin_suffix, src_lang, edition.lang, edition.extra_frameworks,
                          self.config.engines)

    # -- naming ----------------------------------------------------------------------------------
    def branch(self, name: str) -> str:
        return f"{self.config.github.branch}-{self.config.edition(name).lang}"

    def edition_for_repo(self, full_name: str) -> str | None:
        for name, ed in self.config.editions.items():
            if ed.repo.lower() == full_name.lower():
                return name
        return None

    def owns_branch(self, name: str, branch: str) -> bool:
        main = self.branch(name)
        return branch == main or branch.startswith(main + "-")

    # -- upstream --------------------------------------------------------------------------------
    def upstream_head(self) -> UpstreamRef:
        """The upstream default branch as GitHub reports it now."""
        up = self.config.upstream
        repo = self.access.client(up.repo).get_repo(up.repo)
        return UpstreamRef(up.repo, repo.clone_url, repo.get_branch(up.branch).commit.sha)

    def _mirror(self, upstream: UpstreamRef) -> git.Repo:
        return self.workspace.mirror(upstream.full_name, upstream.clone_url, self.access.git_token(upstream.full_name),
                                     upstream.sha)

    # -- the push sync ---------------------------------------------------------------------------
    def sync_all(self, upstream: UpstreamRef, trigger: str, names: Sequence[str] | None = None) -> list[PullOutcome]:
        """Sync every edition (or ``names``); one failing edition does not stop the others."""
        outcomes: list[PullOutcome] = []
        for name in names or list(self.config.editions):
            try:
                outcomes += self.sync_edition(name, upstream, trigger)
            except (SyncError, WorkspaceError, repos.RepoError, CredentialsError) as e:
                log.error("edition %s: %s", name, e)
                outcomes.append(PullOutcome(name, self.branch(name), error=str(e), message=str(e)))
            except (GithubException, OSError) as e:  # 5xx, timeouts (requests' errors are OSErrors): retried
                text = clip(f"GitHub answered {e.status}: {e.data}" if isinstance(e, GithubException)
                            else f"GitHub did not answer: {type(e).__name__}: {e}")
                log.error("edition %s: %s", name, text)
                outcomes.append(PullOutcome(name, self.branch(name), error=text, message=text))
        self._commit_statuses(upstream, outcomes)
        return outcomes

    def _commit_statuses(self, upstream: UpstreamRef, outcomes: Sequence[PullOutcome]) -> None:
        """A commit status per edition (and chapter PR) on the upstream commit: the PR, blocks changed, blocks
        needing review. Best effort: an App without the statuses permission still syncs."""
        try:
            commit = self.access.client(upstream.full_name).get_repo(upstream.full_name).get_commit(upstream.sha)
            for o in outcomes:
                state, description = commit_status(o)
                extra = {"target_url": o.url} if o.url else {}
                commit.create_status(state, description=description,
                                     context=f"amts/{o.edition}" + (f"/{o.chapter}" if o.chapter else ""), **extra)
        except (GithubException, OSError, CredentialsError) as e:
            log.warning("commit status on %s@%s not set: %s", upstream.full_name, upstream.sha[:10], e)

    def sync_edition(self, name: str, upstream: UpstreamRef, trigger: str) -> list[PullOutcome]:
        ed = self.config.edition(name)
        gh_repo = self.access.client(ed.repo).get_repo(ed.repo)
        with self.workspace.lock(ed.repo):
            mirror = self._mirror(upstream)
            targets = self._targets(name, gh_repo, mirror, upstream)
            return [self._sync_target(name, gh_repo, mirror, upstream, t, trigger) for t in targets]

    def _targets(self, name: str, gh_repo: Repository, mirror: git.Repo, upstream: UpstreamRef) -> list[Target]:
        ed = self.config.edition(name)
        main = self.branch(name)
        default = Target(main, tuple(ed.paths))
        if not self.options.split_above:
            return [default]
        open_chapters = {pr.head.ref.removeprefix(main + "-"): pr.head.ref
                         for pr in gh_repo.get_pulls(state="open", base=ed.branch)
                         if pr.head.ref.startswith(main + "-")}
        ck = self._checkout(gh_repo, ed, main)
        planned = run_sync(self._options(name, ck, mirror, upstream, default, dry_run=True), self._factory(name, ck))
        paths = [j.path for j in planned.jobs]
        if not paths:
            return [default]
        groups = body.group_by_chapter(paths)
        split = body.estimate_body_size(planned) > self.options.split_above and len(groups) > 1
        targets, rest = [], []
        for chapter, files in groups.items():
            slug = body.chapter_slug(chapter)
            if split or slug in open_chapters:
                targets.append(Target(f"{main}-{slug}", tuple(glob.escape(p) for p in files), chapter))
            else:
                rest += files
        if rest:
            targets.insert(0, Target(main, tuple(glob.escape(p) for p in rest)))
        return targets

    def _checkout(self, gh_repo: Repository, ed: Edition, branch: str) -> Checkout:
        return self.workspace.checkout(ed.repo, gh_repo.clone_url, self.access.git_token(ed.repo), ed.branch, branch)

    def _options(self, name: str, ck: Checkout, mirror: git.Repo, upstream: UpstreamRef, target: Target,
                 engine: str | None = None, dry_run: bool = False) -> SyncOptions:
        ed = self.config.edition(name)
        return SyncOptions(
            upstream=f"{mirror.git_dir}@{upstream.sha}", edition=str(ck.path), lang=ed.lang,
            engine=engine or ed.engine, paths=target.paths, dry_run=dry_run, src_lang=self.config.upstream.lang,
            origin_suffix=ed.origin_suffix, extra_frameworks=tuple(ed.extra_frameworks),
            renames={v: k for k, v in ed.rename.items()}, budget_chars=ed.budget_chars if (engine or ed.engine) != "tm"
            else None, branch=target.branch, force=dict(target.force))

    def _factory(self, name: str, ck: Checkout, engine: str | None = None, memory_from_base: bool = False):
        ed = self.config.edition(name)
        src = self.config.upstream.lang

        def factory(repo: git.Repo, base: git.Commit) -> Engine:
            commit = repo.commit(ck.base_sha) if memory_from_base else base
            return self.engine_factory(engine or ed.engine, commit, ed, src)

        return factory

    def _sync_target(self, name: str, gh_repo: Repository, mirror: git.Repo, upstream: UpstreamRef, target: Target,
                     trigger: str, engine: str | None = None, memory_from_base: bool = False) -> PullOutcome:
        ed = self.config.edition(name)
        ck = self._checkout(gh_repo, ed, target.branch)
        pr = api.find_pull(gh_repo, target.branch, ed.branch)
        opts = self._options(name, ck, mirror, upstream, target, engine)
        try:
            result = run_sync(opts, self._factory(name, ck, engine, memory_from_base))
        except (repos.RepoError, EngineError, MarkdownError) as e:
            message = f"sync failed: {e}"
            if pr is not None:
                self._status(pr, target.branch, ck.branch_sha(), f"{_now()}: {message} ({trigger})")
            raise SyncError(message) from None
        run = self._run(result, upstream, trigger, gh_repo.full_name) if result.commit else None
        out = self._publish(name, gh_repo, ck, pr, target, run, trigger, upstream)
        out.chapter = target.chapter
        if run is not None:
            out.blocks_changed, out.blocks_review = block_counts(result)
        return out

    def _run(self, result: SyncResult, upstream: UpstreamRef, trigger: str, edition_repo: str) -> body.Run:
        result.options = replace(result.options, upstream=upstream.full_name, edition=edition_repo)
        report = build_report(result)
        cost = result.cost_usd if result.cost_usd > 0 else body.cost_of(result.results, prices(self.config))
        notes = pr_notes(result, report, cost, upstream.full_name, self.config.github.command_prefix).strip("\n")
        comments = tuple(review.review_comments(result, self.config.github.command_prefix))
        return body.Run(body.record_for(result, report, trigger, cost, upstream.before, _now()), notes, comments)

    # -- publishing ------------------------------------------------------------------------------
    def _publish(self, name: str, gh_repo: Repository, ck: Checkout, pr: PullRequest | None, target: Target,
                 run: body.Run | None, trigger: str, upstream: UpstreamRef) -> PullOutcome:
        """Push the branch if it moved, then create / update / close the PR to match it.

        Idempotent and recoverable: ``run``'s notes are stored on its commit (runlog.py) before the push
        and pushed with it, and the PR description is rebuilt from them plus the runs it already has, so
        re-running after a crash at any step ends in the same PR, status comment and replies."""
        ed = self.config.edition(name)
        out = PullOutcome(name, target.branch, number=pr.number if pr else None, url=pr.html_url if pr else None)
        head = ck.branch_sha()
        token = self.access.git_token(ed.repo)
        if head is not None and head != ck.remote_branch_sha:
            if run is not None:
                runlog.record(ck.repo, target.branch, run)
            pushed = push(ck, token)
            if not pushed.ok:
                out.push_rejected, out.message = True, (
                    f"push to `{target.branch}` was rejected ({pushed.message}); someone pushed to it meanwhile. "
                    "AMTS left the branch alone; the next sync builds on top of what is there now.")
                if pr is not None:
                    pr.create_issue_comment(f"⚠️ {out.message}")
                    self._status(pr, target.branch, ck.remote_branch_sha, f"{_now()}: push rejected ({trigger})")
                return out
            out.commit = run.record.commit if run else head
        if head is None or not has_changes(ck.repo, ck.base_ref, head):
            if pr is not None:
                # every change is in the base already, so the branch holds nothing of its own: delete it (under
                # a lease), so that the next sync starts from the base instead of from these commits
                deleted = delete_branch(ck, token, head) if head else False
                marker = f"<!-- amts:closing {head} -->"
                if api.find_marked_comment(pr, marker) is None:  # once, even when a crash made us run again
                    closing = " and deleting the branch" if deleted else ""
                    pr.create_issue_comment(f"{marker}\nNothing left to merge into `{ed.branch}`: the edition already "
                                            f"has these changes. Closing{closing}. ({trigger})")
                pr.edit(state="closed")
                out.operation, out.message = "closed", "no difference left"
            else:
                out.message = "nothing to sync"
            return out
        # the runs' notes as stored with their commits are the truth: the description may hold them rendered
        # for an earlier state (e.g. before the PR had a URL), and lacks those of an interrupted job
        noted = {r.record.commit: r for r in runlog.recorded(ck.repo, target.branch, ck.base_ref, head)}
        earlier = [noted.get(r.record.commit, r) if r.record.commit else r
                   for r in (body.parse_runs(pr.body) if pr else [])]
        known = {r.record.commit for r in earlier} | {run.record.commit if run else None}
        recovered = [r for r in noted.values() if r.record.commit not in known]  # newest first
        if run is None and recovered:
            run, recovered = recovered[0], recovered[1:]
            out.commit = run.record.commit
        if pr is None and run is None and self._closed_by_human(gh_repo, target.branch, ed.branch, head):
            out.message = f"a pull request for `{target.branch}` at this commit was closed; not reopening it"
            return out
        files = tuple(changed_files(ck.repo, ck.base_ref, head))
        runs = ([run] if run else []) + recovered + earlier
        if not runs:
            runs = [body.Run(body.RunRecord(upstream.sha, trigger, None, upstream.before, at=_now()),
                             "_No new notes in this run: the branch already held the sync; see its commits._")]
        header = body.BodyHeader(ed.lang, self.config.upstream.repo, ed.branch, files, target.chapter,
                                 self.config.github.command_prefix)
        composed = body.compose(header, runs, self.options.body_limit, pr.html_url if pr else None)
        sha = next((r.record.upstream_sha for r in runs if r.record.upstream_sha), "")
        title = self._title(ed, sha, target.chapter) if sha else (pr.title if pr else f"AMTS: sync {ed.lang}")
        if pr is None:
            pr, out.operation = api.create_or_update_pull(gh_repo, target.branch, ed.branch, title, composed.body,
                                                          self.options.labels)
            # the links to diff lines need the PR's URL, known only now
            composed = body.compose(header, runs, self.options.body_limit, pr.html_url)
            if composed.body != pr.body:
                pr.edit(body=composed.body)
        elif run is not None or composed.body != pr.body or title != pr.title:
            pr.edit(title=title, body=composed.body)
            out.operation = "updated"
        for text in composed.overflow:  # notes that did not fit: comments, found again by their marker
            api.upsert_marked_comment(pr, text.split("\n", 1)[0], text)
        if run is not None and run.review:
            self._review(pr, run)
        out.number, out.url, out.files = pr.number, pr.html_url, files
        newest = runs[0].record
        if run is not None or out.operation != "none" or (newest.commit and not self._status_has(pr, newest.commit)):
            # an upstream push that changed nothing here stays quiet; the newest run's event is posted once,
            # also when a crash came between the PR update and the status comment
            shown = run.record if run else newest
            event = (f"{_now()}: sync to upstream `{shown.upstream_sha[:10]}` → commit `{shown.commit[:10]}` "
                     f"({shown.trigger})" if shown.commit else f"{_now()}: {trigger}: no new commit")
            self._status(pr, target.branch, head, event, runs)
        return out

    @staticmethod
    def _status_has(pr: PullRequest, commit: str) -> bool:
        existing = api.find_marked_comment(pr, body.STATUS_MARKER)
        return existing is not None and f"`{commit[:10]}`" in (existing.body or "")

    def _review(self, pr: PullRequest, run: body.Run) -> None:
        """One review per run: its comments on the changed lines GitHub accepts (the files API's patches)."""
        key = body.run_key(run.record)
        if any(review.review_key(r.body) == key for r in pr.get_reviews()):
            return  # posted already (a retried job)
        patches = {f.filename: f.patch for f in pr.get_files()}
        accepted, left = review.fit_to_diff(run.review, patches)
        if not accepted:
            return
        pr.create_review(body=review.review_body(key, accepted, left), event="COMMENT",
                         comments=[c.as_api() for c in accepted])

    def _closed_by_human(self, gh_repo: Repository, branch: str, base: str, head: str) -> bool:
        closed = api.find_pull(gh_repo, branch, base, state="closed")
        return closed is not None and closed.head.sha == head and not closed.merged

    def _title(self, ed: Edition, upstream_sha: str, chapter: str) -> str:
        where = f" ({chapter})" if chapter else ""
        return f"AMTS: sync {ed.lang}{where} with {self.config.upstream.repo}@{upstream_sha[:7]}"

    def _status(self, pr: PullRequest, branch: str, head: str | None, event: str,
                runs: Sequence[body.Run] | None = None) -> str:
        existing = api.find_marked_comment(pr, body.STATUS_MARKER)
        events = body.add_event(body.parse_status_events(existing.body if existing else None), event)
        text = body.status_comment(branch, head, runs if runs is not None else body.parse_runs(pr.body), events,
                                   self.config.github.command_prefix, self._learned(pr))
        if existing is None:
            pr.create_issue_comment(text)
        elif existing.body != text:
            existing.edit(text)
        return text

    def _learned(self, pr: PullRequest) -> list:
        """Post-edit distances stored for the edition of ``pr`` (empty before the first merge is learned)."""
        from bot.github.store import Database, post_edits

        path = self.options.state_db or (self.options.learn_dir or self.workspace.root / "learning") / "amts.sqlite3"
        name = self.edition_for_repo(pr.base.repo.full_name) if pr.base.repo else None
        if name is None or not path.is_file():
            return []
        db = Database(path)
        try:
            return post_edits(db, name)
        finally:
            db.close()

    # -- commands on an existing PR ----------------------------------------------------------------
    def retranslate(self, name: str, pr: PullRequest, path: str, block: int | None, engine: str | None,
                    trigger: str) -> PullOutcome:
        """Run the sync on the PR's branch with ``force``; the engine's memory comes from the PR base, so
        the current text on the branch does not answer for itself."""
        ed = self.config.edition(name)
        gh_repo = self.access.client(ed.repo).get_repo(ed.repo)
        runs = body.parse_runs(pr.body)
        with self.workspace.lock(ed.repo):
            upstream = self._recorded_upstream(runs)
            mirror = self._mirror(upstream)
            branch = pr.head.ref
            ck = self._checkout(gh_repo, ed, branch)
            self._check_block(ck, ed, path, block)
            force = {path: frozenset() if block is None else frozenset({block})}
            target = Target(branch, (glob.escape(path),), self._chapter(name, branch), force)
            return self._sync_target(name, gh_repo, mirror, upstream, target, trigger, engine, memory_from_base=True)

    def keep(self, name: str, pr: PullRequest, path: str, block: int, trigger: str) -> PullOutcome:
        """Restore the pre-sync text of one block in a new commit (see keep.py)."""
        from bot.github.keep import KeepError, keep_block

        ed = self.config.edition(name)
        gh_repo = self.access.client(ed.repo).get_repo(ed.repo)
        branch = pr.head.ref
        with self.workspace.lock(ed.repo):
            ck = self._checkout(gh_repo, ed, branch)
            self._check_block(ck, ed, path, block)
            origin = ed.origin_path(path)
            texts = [read_file(ck.repo, rev, p) for rev in (ck.base_sha, branch) for p in (origin, path)]
            if any(t is None for t in texts):
                raise SyncError(f"`{path}` or `{origin}` is missing on `{ed.branch}` or `{branch}`")
            try:
                new_text = keep_block(path, block, texts[0], texts[1], texts[2], texts[3],
                                      self.config.upstream.lang, ed.lang, tuple(ed.extra_frameworks))
            except KeepError as e:
                raise SyncError(str(e)) from None
            tip = ck.branch_sha()
            assert tip is not None  # _check_block made sure
            with repos.branch_worktree(ck.repo, branch, tip) as wt:
                write_atomic(wt.path / path, new_text)
                wt.repo.git.add("--", path)
                wt.repo.git.commit("-m", f"amts: keep the human text of {path}#{block}\n\n{trigger}",
                                   "--author", "amts <amts@users.noreply.github.com>")
                commit = wt.repo.head.commit.hexsha
            repos.publish(ck.repo, branch, commit, tip)
            upstream = self._recorded_upstream(body.parse_runs(pr.body), fetch_head=False)
            notes = (f"## `{path}#{block}`: human text kept\n\nThe translation this block had on `{ed.branch}` was put "
                     f"back (commit `{commit[:10]}`); its English in the origin file stays the new one.")
            run = body.Run(body.RunRecord(upstream.sha, trigger, commit, at=_now()), notes)
            target = Target(branch, (), self._chapter(name, branch))
            return self._publish(name, gh_repo, ck, pr, target, run, trigger, upstream)

    def status(self, name: str, pr: PullRequest, trigger: str) -> str:
        return self._status(pr, pr.head.ref, pr.head.sha, f"{_now()}: status requested ({trigger})")

    def _chapter(self, name: str, branch: str) -> str:
        main = self.branch(name)
        return branch.removeprefix(main + "-") if branch.startswith(main + "-") else ""

    def _recorded_upstream(self, runs: Sequence[body.Run], fetch_head: bool = True) -> UpstreamRef:
        """The upstream commit the branch was last synced with (from the PR body), else upstream's head."""
        up = self.config.upstream
        if runs and runs[0].record.upstream_sha:
            sha = runs[0].record.upstream_sha
            if not fetch_head:
                return UpstreamRef(up.repo, "", sha)
            clone_url = self.access.client(up.repo).get_repo(up.repo).clone_url
            return UpstreamRef(up.repo, clone_url, sha)
        if not fetch_head:
            return UpstreamRef(up.repo, "", "")
        return self.upstream_head()

    # -- the learning loop -------------------------------------------------------------------------
    def learn_from_merge(self, name: str, job: MergedJob) -> str:
        """Compare, block by block, what AMTS proposed with what was merged (bot/learn.py); keep the post-edit
        distances in the App's store, append the merged sentence pairs to the edition's TMX and, when the config
        names an Amazon Translate parallel-data resource, push it (``UpdateParallelData``)."""
        from bot.github.store import Database, PostEdit, record_post_edits
        from bot.learn import LearnError, append_tmx, compare
        from bot.translate.base import EngineError
        from bot.translate.resources import push_parallel_data

        ed = self.config.edition(name)
        gh_repo = self.access.client(ed.repo).get_repo(ed.repo)
        pr = gh_repo.get_pull(job.number)
        merged = job.merge_commit_sha or job.head_sha
        token = self.access.git_token(ed.repo)
        learn_dir = self.options.learn_dir or self.workspace.root / "learning"
        with self.workspace.lock(ed.repo):
            repo = self.workspace.mirror(ed.repo, gh_repo.clone_url, token, merged)
            for sha in (job.head_sha, job.base_sha):
                repo = self.workspace.mirror(ed.repo, gh_repo.clone_url, token, sha)
            proposed = repo.git.log("--format=%H", f"--author={AMTS_EMAIL}", "-1", f"{job.base_sha}..{job.head_sha}")
            if not proposed:
                return "no AMTS commit in the pull request: nothing to learn"
            try:
                result = compare(repo, proposed, merged, ed.lang, job.base_sha, self.config.upstream.lang,
                                 ed.origin_suffix, tuple(ed.extra_frameworks))
                added = append_tmx(learn_dir / f"{name}.tmx", result.pairs, self.config.upstream.lang, ed.lang)
            except LearnError as e:
                raise SyncError(str(e)) from None
        engines = body.note_engines(pr.body)
        runs = body.parse_runs(pr.body)
        fallback = ",".join(runs[0].record.engines) if runs else "unknown"
        when = pr.merged_at.timestamp() if pr.merged_at else datetime.now(UTC).timestamp()
        rows = []
        for b in result.blocks:
            block = f"{b.path}#{b.english_blocks[0]}" if b.english_blocks else f"{b.path}#?"
            rows.append(PostEdit(ed.repo, job.number, name, block, ",".join(engines.get(block, ())) or fallback,
                                 b.chrf, b.ter, b.edited, merged, when))
        db = Database(self.options.state_db or learn_dir / "amts.sqlite3")
        try:
            record_post_edits(db, rows)
        finally:
            db.close()
        s = result.as_json()["summary"]
        summary = (f"{s['blocks']} block(s), {s['edited']} edited by reviewers; post-edit distance chrF "
                   f"{s['chrf']:.1f}, TER {s['ter']:.1f}; {added} new sentence pair(s) in the parallel data")
        aws = self.config.engines.aws
        if aws is not None and aws.parallel_data_name and aws.s3_bucket:
            try:
                pushed = push_parallel_data(learn_dir / f"{name}.tmx", aws.parallel_data_name, aws.s3_bucket,
                                            aws.s3_prefix.strip("/") + "/parallel-data",
                                            poll_s=self.options.parallel_data_poll)
            except EngineError as e:
                raise SyncError(f"{summary}; but the parallel data push failed: {e}") from None
            summary += f"; Amazon Translate parallel data `{pushed.name}` {pushed.operation} ({pushed.status})"
        api.upsert_marked_comment(pr, LEARN_MARKER, f"{LEARN_MARKER}\n**AMTS learned from this merge**: {summary}.")
        return summary

    def _check_block(self, ck: Checkout, ed: Edition, path: str, block: int | None) -> None:
        branch = ck.branch
        if ck.branch_sha() is None:
            raise SyncError(f"the branch `{branch}` does not exist any more")
        origin = read_file(ck.repo, f"refs/heads/{branch}", ed.origin_path(path))
        if read_file(ck.repo, f"refs/heads/{branch}", path) is None or origin is None:
            raise SyncError(f"`{path}` is not a synced file on `{branch}` "
                            f"(it needs `{ed.origin_path(path)}` beside it)")
        if block is not None:
            try:
                n = len(parse(origin).blocks)
            except MarkdownError as e:
                raise SyncError(f"`{ed.origin_path(path)}` cannot be parsed: {e}") from None
            if block >= n:
                raise SyncError(f"`{path}` has {n} blocks in the new English (ids #0–#{n - 1}); there is no #{block}")
