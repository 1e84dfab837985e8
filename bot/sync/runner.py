"""The sync job: one edition against one upstream revision (the imperative shell around the pure plan).

1. read upstream at REV, the edition at its rolling branch ``amts/sync-<lang>`` (or HEAD);
2. per edition file with an origin file: map the path (identity, config rename map, git rename
   detection), skip files whose origin equals upstream, plan the file;
3. estimate characters, check the budget, translate every request of every file in one engine call;
4. render, write edition and origin files atomically into a temporary worktree, commit on the branch;
5. return a report (JSON-able) and the PR description.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import git

from bot.cache import Cache, cached_alignment, open_cache
from bot.markdown.blocks import MarkdownError, parse
from bot.markdown.limits import TooLargeError, check_limits
from bot.paralleldata import write_atomic
from bot.sync import repos
from bot.sync.plan import FileOutcome, FilePlan, plan_file, render_file
from bot.sync.postedit import postedit
from bot.translate.base import Engine, TranslationRequest, TranslationResult
from bot.translate.budget import Budget


@dataclass
class SyncOptions:
    upstream: str
    edition: str
    lang: str
    engine: str = "tm"
    paths: Sequence[str] = ()
    dry_run: bool = False
    src_lang: str = "en"
    origin_suffix: str = "_origin"
    extra_frameworks: Sequence[str] = ("paddle",)
    renames: Mapping[str, str] = field(default_factory=dict)
    budget_chars: int | None = None
    branch: str = ""
    #: edition path -> new English block indices to re-translate anyway (``/amts retranslate``);
    #: an empty set means every prose block of the file.
    force: Mapping[str, frozenset[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.branch = self.branch or f"amts/sync-{self.lang}"


@dataclass
class FileJob:
    path: str  # edition path of X.md
    upstream_path: str
    renamed: bool
    plan: FilePlan | None = None
    outcome: FileOutcome | None = None
    status: str = "planned"
    error: str = ""


@dataclass
class SyncResult:
    options: SyncOptions
    upstream_sha: str
    base_sha: str
    jobs: list[FileJob]
    skipped: list[tuple[str, str]]
    results: dict[str, TranslationResult]
    commit: str | None = None
    engine_summary: str = ""
    cost_usd: float = 0.0


EngineFactory = Callable[[git.Repo, git.Commit], Engine]


def _origin_path(path: str, suffix: str) -> str:
    return path[: -len(".md")] + suffix + ".md"


def edition_files(commit: git.Commit, suffix: str, globs: Sequence[str]) -> list[str]:
    """Edition paths ``X.md`` that have ``X<suffix>.md`` at ``commit``, filtered by ``globs``."""
    names = {b.path for b in commit.tree.traverse() if b.type == "blob" and b.path.endswith(".md")}
    out = []
    for name in sorted(names):
        if name.endswith(suffix + ".md") or _origin_path(name, suffix) not in names:
            continue
        if globs and not any(fnmatch.fnmatch(name, g) for g in globs):
            continue
        out.append(name)
    return out


def plan_sync(opts: SyncOptions, upstream: git.Repo, up: git.Commit, base: git.Commit,
              cache: Cache | None = None) -> tuple[list[FileJob], list[tuple[str, str]]]:
    """Plan every edition file whose origin differs from upstream at ``up`` (alignments through ``cache``)."""
    aligner = partial(cached_alignment, cache)
    jobs: list[FileJob] = []
    skipped: list[tuple[str, str]] = []
    base_ids, up_ids = repos.blob_ids(base), repos.blob_ids(up)
    for path in edition_files(base, opts.origin_suffix, opts.paths):
        up_id = up_ids.get(opts.renames.get(path, path))
        if up_id is not None and up_id == base_ids.get(_origin_path(path, opts.origin_suffix)) \
                and path not in opts.force:
            continue  # in sync: decided from the trees alone, without reading the three texts
        origin = repos.read_at(base, _origin_path(path, opts.origin_suffix)) or ""
        edition_text = repos.read_at(base, path) or ""
        up_path = opts.renames.get(path, path)
        new = repos.read_at(up, up_path)
        renamed = False
        if new is None:
            moved = repos.find_rename(upstream, origin, up_path, up)
            if moved is None:
                skipped.append((path, f"{up_path} does not exist upstream at {up.hexsha[:10]}"))
                continue
            if repos.read_at(base, moved) is not None:
                skipped.append((path, f"upstream moved {up_path} to {moved}, which the edition already has; "
                                      "move or merge the two files by hand"))
                continue
            up_path, new, renamed = moved, repos.read_at(up, moved), True
        force = opts.force.get(path)
        if new == origin and not renamed and force is None:
            continue
        _refuse_oversized({path: edition_text, _origin_path(path, opts.origin_suffix): origin,
                           f"{up_path} (upstream {up.hexsha[:10]})": new or ""})
        job = FileJob(path, up_path, renamed)
        try:
            if force is not None and not force:
                force = frozenset(range(len(parse(new or "").blocks)))
            stale = not repos.known_version(upstream, origin, up_path, up)
            job.plan = plan_file(path, origin, new or "", edition_text, opts.src_lang, opts.lang,
                                 opts.extra_frameworks, force=force or frozenset(), stale=stale, aligner=aligner,
                                 history=partial(repos.file_versions, upstream, up_path, up, origin))
        except MarkdownError as e:
            job.status, job.error = "failed", f"cannot parse: {e}"
        except Exception as e:  # noqa: BLE001 - one file's defect must not sink the other files
            job.plan = None
            job.status, job.error = "failed", f"planning failed: {type(e).__name__}: {e}"
        jobs.append(job)
    return jobs, skipped


def _refuse_oversized(texts: Mapping[str, str]) -> None:
    """A file over the input limits stops the run before anything is written (exit 2, one line)."""
    for name, text in texts.items():
        try:
            check_limits(text)
        except TooLargeError as e:
            raise repos.RepoError(f"{name}: {e.reason}") from None


def translate_all(engine: Engine, requests: Sequence[TranslationRequest], budget: Budget) -> dict[
        str, TranslationResult]:
    """One engine call for the whole run (batch engines need it); budget checked before anything is sent."""
    if not requests:
        return {}
    budget.check(engine, requests)
    return {r.id: r for r in engine.translate(requests)}


def _new_paths(job: FileJob, suffix: str) -> tuple[str, str]:
    path = job.upstream_path if job.renamed else job.path
    return path, _origin_path(path, suffix)


def write_outcomes(worktree: Path, jobs: Sequence[FileJob], suffix: str) -> list[str]:
    """Write rendered files (renamed files move with upstream); returns the paths touched."""
    touched: list[str] = []
    wt = git.Repo(worktree)
    for job in jobs:
        if job.outcome is None:
            continue
        path, origin = _new_paths(job, suffix)
        if job.renamed:
            wt.git.mv(job.path, path)
            wt.git.mv(_origin_path(job.path, suffix), origin)
        write_atomic(worktree / path, job.outcome.edition_text)
        write_atomic(worktree / origin, job.outcome.origin_text)
        touched += [path, origin]
    return touched


def render_job(job: FileJob, results: Mapping[str, TranslationResult], opts: SyncOptions) -> None:
    """Render one planned file. An unexpected error fails this file only (reported with its reason);
    the file is then left exactly as it was, edition and origin."""
    if job.plan is None:
        return
    try:
        job.outcome = render_file(job.plan, results, lambda t: postedit(t, opts.lang), opts.extra_frameworks)
    except Exception as e:  # noqa: BLE001 - one file's defect must not sink the other files
        job.outcome = None
        job.status, job.error = "failed", f"rendering failed: {type(e).__name__}: {e}"
        return
    job.status = "synced" if all(u.status == "ok" for u in job.outcome.units) else "partial"


def run_sync(opts: SyncOptions, make_engine: EngineFactory, cache: Cache | None = None) -> SyncResult:
    """The whole job. Raises ``repos.RepoError`` / ``EngineError`` with one clear message. Alignments are
    cached by content in ``cache`` (default: ``open_cache()``, i.e. $AMTS_CACHE)."""
    up_spec, up_rev = repos.split_rev(opts.upstream)
    upstream = repos.open_repo(up_spec)
    up = repos.resolve(upstream, up_rev)
    edition = repos.open_repo(opts.edition)
    repos.ensure_clean(edition)
    if not opts.dry_run:
        repos.ensure_not_checked_out(edition, opts.branch)
    has_branch = opts.branch in [h.name for h in edition.heads]
    base = repos.resolve(edition, opts.branch if has_branch else None)
    jobs, skipped = plan_sync(opts, upstream, up, base, cache if cache is not None else open_cache())
    result = SyncResult(opts, up.hexsha, base.hexsha, jobs, skipped, {})
    if opts.dry_run:
        return result
    engine = make_engine(edition, base)
    requests = [r for j in jobs if j.plan for r in j.plan.requests]
    result.results = translate_all(engine, requests, Budget(opts.budget_chars))
    summary = getattr(engine, "summary", None)
    result.engine_summary = (summary() if callable(summary) else summary) or engine.name
    estimate_cost = getattr(engine, "estimate_cost", None)
    result.cost_usd = estimate_cost(requests) if callable(estimate_cost) and requests else 0.0
    for job in jobs:
        render_job(job, result.results, opts)
    if not any(j.outcome for j in jobs):
        return result
    with repos.branch_worktree(edition, opts.branch, base.hexsha) as wt:
        touched = write_outcomes(wt.path, jobs, opts.origin_suffix)
        wt.repo.git.add("--", *touched)
        if wt.repo.is_dirty(index=True, working_tree=False):
            name = Path(up_spec.rstrip("/")).name.removesuffix(".git")
            wt.repo.git.commit("-m", f"amts: sync {opts.lang} with {name}@{up.hexsha[:7]}",
                               "--author", "amts <amts@users.noreply.github.com>")
            result.commit = wt.repo.head.commit.hexsha
            repos.publish(edition, opts.branch, result.commit, base.hexsha if has_branch else None)
    return result

