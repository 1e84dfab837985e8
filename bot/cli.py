"""The ``amts`` command. Thin: it parses arguments, calls the modules and prints.

Exit codes: 0 success/clean, 1 findings (violations, partial results), 2 unusable input, 3 an unexpected
error inside AMTS (a bug: one line, and the traceback with ``AMTS_DEBUG=1``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli_console import LazyConsole, err_console, error_exit
from bot.messages import one_line

if TYPE_CHECKING:
    from bot.markdown.blocks import Document

# Start-up cost: every command, even ``amts --help``, imports this module, so at module level it imports
# typer only. Each command imports what it needs (rich tables, markdown-it, the aligner, sacrebleu, boto3,
# ...) in its body; consoles are built on first print (bot/cli_console.py); help is click's plain formatter
# (rich_markup_mode=None) because typer's rich help imports rich.markdown, pygments and rich.traceback.
# benchmarks/bench_startup.py measures it.


class _App(typer.Typer):
    """The safety net: whatever escapes a command is still one line on stderr (exit 3), never a traceback,
    unless ``AMTS_DEBUG=1`` asks for it. Bad input is handled inside the commands (exit 2); this only
    catches what nobody foresaw."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the last line of defence
            if os.environ.get("AMTS_DEBUG", "").strip() not in ("", "0"):
                raise
            error_exit(f"unexpected {type(e).__name__}: {e} (this is a bug in AMTS; run again with AMTS_DEBUG=1 "
                       "for the traceback and report it)", 3)
            sys.exit(3)


app = _App(help="AMTS: keep translated editions of Dive into Deep Learning in sync.",
           no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
console = LazyConsole(emoji=False, highlight=False)


def _register_commands() -> None:
    """Commands that live in their own modules (evaluation, GitHub)."""
    from bot.cli_evaluate import evaluate
    from bot.cli_github import register as register_github
    from bot.cli_lexicon import lexicon_app

    app.command()(evaluate)
    app.add_typer(lexicon_app, name="lexicon")
    register_github(app)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one clear line on stderr and return the exit to raise."""
    return error_exit(message, code)


ORIGIN_SUFFIX_HELP = "Origin files are X<suffix>.md beside X.md (d2lbook's convention)."
EXTRA_FRAMEWORK_HELP = "Frameworks only the edition has cells for (repeat the option for several)."


def check_lang(lang: str, option: str = "--lang") -> None:
    """Refuse a language the sentence splitter and the post-edit rules do not know (exit 2)."""
    from bot.align.sentences import LANGUAGES

    if lang not in LANGUAGES:
        raise fail(f"{option} {lang!r} is not a supported language; use one of {', '.join(LANGUAGES)}")


def aws_session(region: str | None):
    """A boto3 session with a region (``--region``, else the AWS environment/profile), or exit 2."""
    import boto3

    session = boto3.Session(region_name=region or None)
    if not session.region_name:
        raise fail("no AWS region: pass --region (e.g. --region us-east-1) or set AWS_DEFAULT_REGION")
    return session


def load(path: Path) -> Document:
    from bot.markdown.io import InputError, read_document

    try:
        return read_document(path)
    except InputError as e:
        raise fail(str(e)) from None


def emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command()
def blocks(file: Path, as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")):
    """List the blocks of a D2L markdown FILE: index, kind, start line, end line, key."""
    from rich.table import Table
    from rich.text import Text

    doc = load(file)
    rows = [{"index": i, "kind": str(b.kind), "start": b.start, "end": b.end, "key": b.key}
            for i, b in enumerate(doc.blocks)]
    if as_json:
        emit_json({"path": str(file), "blocks": rows})
        return
    table = Table("#", "kind", "start", "end", "key", title=str(file))
    for r in rows:
        key = r["key"] if len(r["key"]) <= 70 else r["key"][:67] + "..."
        table.add_row(str(r["index"]), r["kind"], str(r["start"]), str(r["end"]), Text(key))
    console.print(table)


@app.command()
def check(source: Path, translation: Path,
          as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
          extra_framework: list[str] = typer.Option(["paddle"], "--extra-framework",
                                                    help="Frameworks the edition may add cells for.")):
    """The D2L build gate: exit 0 when TRANSLATION keeps every invariant of SOURCE, 1 otherwise."""
    from rich.text import Text

    from bot.markdown.invariants import check as check_invariants

    violations = check_invariants(load(source), load(translation), extra_framework)
    if as_json:
        emit_json({"source": str(source), "translation": str(translation),
                   "violations": [{"line": v.line, "kind": v.kind, "message": v.message} for v in violations]})
    else:
        for v in violations:
            console.print(Text(f"{translation}:{v}"), soft_wrap=True)
        if not violations:
            console.print(f"{translation}: clean")
    raise typer.Exit(1 if violations else 0)


@app.command("align")
def align_cmd(source: Path, translation: Path,
              as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
              sentences: bool = typer.Option(False, "--sentences", help="Also align the sentences of prose pairs."),
              lang: str = typer.Option("zh", "--lang", help="Language of TRANSLATION."),
              extra_framework: list[str] = typer.Option(["paddle"], "--extra-framework", help=EXTRA_FRAMEWORK_HELP)):
    """Align the blocks of SOURCE (English) with TRANSLATION: 1-1, 1-2, 2-1, 1-0, 0-1 with scores."""
    from rich.table import Table
    from rich.text import Text

    from bot.align.blocks import align
    from bot.align.textpairs import block_text_pairs

    check_lang(lang)
    alignment = align(load(source), load(translation), extra_framework)
    rows = []
    for p in alignment.pairs:
        sb, tb = alignment.src_blocks(p), alignment.tgt_blocks(p)
        row = {"src": [sb[0].start, sb[-1].end] if sb else None, "tgt": [tb[0].start, tb[-1].end] if tb else None,
               "kind": str((sb or tb)[0].kind), "relation": p.relation, "score": p.score,
               "confidence": p.confidence, "low_confidence": p.low_confidence}
        if sentences:
            row["sentences"] = [{"src": t.src, "tgt": t.tgt}
                                for t in block_text_pairs(alignment, p, "en", lang, "sentence")]
        rows.append(row)
    if as_json:
        emit_json({"source": str(source), "translation": str(translation), "pairs": rows})
        return
    table = Table("src", "tgt", "kind", "rel", "score", *(["sentences"] if sentences else []),
                  title=f"{source} ↔ {translation}")
    for r in rows:
        score = f"{r['score']:.2f}" + (" LOW" if r["low_confidence"] else "")
        sents = "\n".join(f"{s['src']}\n  → {s['tgt']}" for s in r.get("sentences", []))
        table.add_row(_span(r["src"]), _span(r["tgt"]), r["kind"], r["relation"], score,
                      *([Text(sents)] if sentences else []))
    console.print(table)


def _span(lines: list[int] | None) -> str:
    return f"{lines[0]}-{lines[1]}" if lines else "-"


parallel_app = typer.Typer(help="Parallel data for Amazon Translate Active Custom Translation.", no_args_is_help=True,
                           rich_markup_mode=None)
app.add_typer(parallel_app, name="parallel-data")


@parallel_app.command("build")
def parallel_build(edition_dir: Path,
                   lang: str = typer.Option(..., "--lang", help="Language code of the edition, e.g. zh."),
                   granularity: str = typer.Option("sentence", "--granularity", help="sentence or paragraph."),
                   fmt: str = typer.Option("tmx", "--format", help="tmx, csv or tsv."),
                   output: Path = typer.Option(..., "-o", "--output", help="File to write."),
                   source_lang: str = typer.Option("en", "--source-lang"),
                   suffix: str = typer.Option("_origin", "--origin-suffix", help=ORIGIN_SUFFIX_HELP),
                   extra_framework: list[str] = typer.Option(["paddle"], "--extra-framework",
                                                             help=EXTRA_FRAMEWORK_HELP),
                   jobs: int | None = typer.Option(None, "--jobs", "-j", help="Processes aligning file pairs "
                                                   "(default: the usable CPUs; 1: in this process). The output is "
                                                   "the same for any number.")):
    """Align every X.md / X_origin.md pair of EDITION_DIR and write parallel data (exit 1 when partial)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table
    from rich.text import Text

    from bot import paralleldata as pd

    if not edition_dir.is_dir():
        raise fail(f"{edition_dir}: not a directory")
    if granularity not in ("sentence", "paragraph"):
        raise fail(f"--granularity must be sentence or paragraph (got {granularity!r})")
    if fmt not in pd.FORMATS:
        raise fail(f"--format must be one of {', '.join(pd.FORMATS)} (got {fmt!r})")
    check_lang(lang)
    check_lang(source_lang, "--source-lang")
    if jobs is not None and jobs < 1:
        raise fail(f"--jobs must be at least 1 (got {jobs})")
    if output.is_dir():
        raise fail(f"--output {output} is a directory; name the file to write (e.g. {output / ('pairs.' + fmt)})")
    if not output.parent.is_dir():
        raise fail(f"--output {output}: the folder {output.parent} does not exist")
    total = len(pd.find_pairs(edition_dir, suffix)[0])
    if total == 0:
        raise fail(f"{edition_dir}: no X.md with X{suffix}.md beside it in a chapter folder (files at the top "
                   f"level are not chapters); point at an edition checkout, or run `amts init` to write origin files")
    if jobs is None:
        from bot.filepool import usable_cpus

        jobs = usable_cpus()
    # refreshed on each finished file, not by a thread: worker processes are forked only from a one-thread process
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console.console, transient=True, auto_refresh=False) as progress:
        task = progress.add_task("aligning", total=total)
        progress.refresh()

        def step(rel: str) -> None:
            progress.update(task, advance=1, description=f"aligned {rel[-40:]}", refresh=True)

        report = pd.build(edition_dir, lang, granularity, fmt, source_lang, suffix, extra_framework, step, jobs)
    pd.write_atomic(output, pd.render(report.pairs, source_lang, lang, fmt))
    summary = Table("files", "pairs", "dropped", "skipped files", title=f"parallel data → {output}")
    summary.add_row(str(report.files), str(len(report.pairs)), str(sum(report.dropped.values())),
                    str(len(report.skipped)))
    console.print(summary)
    for reason, n in report.dropped.most_common():
        console.print(Text(f"  dropped {n}: {reason}"))
    for s in report.skipped:
        console.print(Text(f"  skipped {s.path}: {s.reason}"))
    raise typer.Exit(1 if report.partial else 0)


@app.command()
def sync(upstream: str = typer.Option(..., "--upstream", help="Upstream English repo (path or git URL)[@REV]."),
         edition: str = typer.Option(..., "--edition", help="Edition repo (local working copy)."),
         lang: str = typer.Option(..., "--lang", help="Edition language code, e.g. zh."),
         engine: str | None = typer.Option(None, "--engine", help="tm (offline), aws, bedrock or openai "
                                                                   "(default: the edition's engine in --config, "
                                                                   "else tm)."),
         paths: list[str] = typer.Option([], "--paths", help="Only edition files matching these globs."),
         dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; change nothing."),
         report: Path | None = typer.Option(None, "--report", help="Write the JSON report here (PR body beside)."),
         budget: int | None = typer.Option(None, "--budget", help="Refuse runs that would bill more characters."),
         suffix: str = typer.Option("_origin", "--origin-suffix", help=ORIGIN_SUFFIX_HELP),
         extra_framework: list[str] = typer.Option(["paddle"], "--extra-framework", help=EXTRA_FRAMEWORK_HELP),
         rename: list[str] = typer.Option([], "--rename", help="EDITION_PATH=UPSTREAM_PATH path map entries."),
         config: Path | None = typer.Option(None, "--config", help="config/amts.yml: edition LANG's settings "
                                                                     "(engine, budget, renames, frameworks).")):
    """Sync an edition with upstream: translate only changed blocks, commit on amts/sync-<lang>."""
    from bot.cache import open_cache
    from bot.sync import repos
    from bot.sync.report import build_report, pr_body
    from bot.sync.runner import SyncOptions, run_sync
    from bot.translate.base import EngineError
    from bot.translate.factory import ENGINES, engine_for

    check_lang(lang)
    if engine is not None and engine not in ENGINES:
        raise fail(f"--engine must be one of {', '.join(ENGINES)} (got {engine!r})")
    bad = [r for r in rename if "=" not in r]
    if bad:
        raise fail(f"--rename takes EDITION_PATH=UPSTREAM_PATH (got {bad[0]!r})")
    renames = dict(r.split("=", 1) for r in rename)
    engines = None
    if config is not None:
        from bot.config import ConfigError, load_config

        try:
            cfg = load_config(config)
        except ConfigError as e:
            raise fail(str(e)) from None
        if lang not in cfg.editions:
            raise fail(f"{config}: no edition {lang!r} (editions: {', '.join(cfg.editions)})")
        ed = cfg.editions[lang]
        engines = cfg.engines
        engine = engine or ed.engine  # the command line wins, else the edition's configured engine
        suffix, extra_framework = ed.origin_suffix, ed.extra_frameworks or extra_framework
        renames = {**{v: k for k, v in ed.rename.items()}, **renames}
        budget = budget if budget is not None else (ed.budget_chars if engine != "tm" else None)
        paths = paths or ed.paths
    engine = engine or "tm"
    _refuse_uncommitted_origins(edition, suffix)
    opts = SyncOptions(upstream, edition, lang, engine, paths, dry_run, origin_suffix=suffix,
                       extra_frameworks=extra_framework, renames=renames, budget_chars=budget)

    cache = open_cache()  # $AMTS_CACHE: alignments and memory entries of earlier runs

    def factory(_repo, base):
        return engine_for(engine, base, suffix, "en", lang, extra_framework, engines, cache)

    try:
        result = run_sync(opts, factory, cache)
    except (repos.RepoError, EngineError) as e:
        raise fail(str(e)) from None
    if not result.jobs and not result.skipped:
        _nothing_to_sync(result, paths)
    data = build_report(result)
    body = pr_body(result, data, result.cost_usd)
    if report is not None:
        from bot.paralleldata import write_atomic

        write_atomic(report, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        write_atomic(report.with_suffix(".md"), body)
    _print_sync_summary(data)
    failed = any(f["flag"].startswith("failed") for f in data["flags"]) or any(
        j["status"] == "failed" for j in data["files"])
    raise typer.Exit(1 if failed else 0)


def _refuse_uncommitted_origins(edition: str, suffix: str) -> None:
    """The sync reads the edition from git, so origin files that exist only in the working tree (``amts
    init`` without a commit) would be ignored without a word: refuse instead (exit 2)."""
    import git

    try:
        untracked = [p for p in git.Repo(edition).untracked_files if p.endswith(suffix + ".md")]
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return  # run_sync says what is wrong with the path
    if untracked:
        more = f" and {len(untracked) - 1} more" if len(untracked) > 1 else ""
        raise fail(f"{edition}: origin files are not committed ({untracked[0]}{more}); the sync reads the edition "
                   f"from git: `git add` them and `git commit` first")


def _nothing_to_sync(result, paths: list[str]) -> None:
    """No file to plan: say why (exit 2 when ``--paths`` matched nothing, else 0) instead of an empty table."""
    import git

    from bot.sync.runner import edition_files

    base = git.Repo(result.options.edition).commit(result.base_sha)
    synced = edition_files(base, result.options.origin_suffix, ())
    where = f"{result.options.branch if result.base_sha != base.repo.head.commit.hexsha else 'HEAD'}"
    if paths and not edition_files(base, result.options.origin_suffix, paths):
        raise fail(f"--paths {' '.join(paths)} matches none of the {len(synced)} edition files with an origin file "
                   f"(at {where}; e.g. {synced[0] if synced else 'none'})")
    if not synced:
        raise fail(f"{result.options.edition}: no X.md has an X{result.options.origin_suffix}.md beside it at {where}; "
                   "run `amts init` and commit the origin files first")
    console.print(f"nothing to sync: all {len(synced)} edition files with an origin file are up to date with "
                  f"upstream {result.upstream_sha[:10]} (edition at {where} {result.base_sha[:10]})",
                  soft_wrap=True, markup=False)
    raise typer.Exit(0)


def _print_sync_summary(data: dict) -> None:
    from rich.table import Table
    from rich.text import Text

    title = ("plan (dry run)" if data["dry_run"] else "sync") + f" {data['lang']} ← {data['upstream_sha'][:10]}"
    if data["files"]:
        table = Table("file", "status", "blocks by action", "chars", "flags", title=title)
        table.columns[0].overflow = "fold"  # a path is never cut: it is what the user looks for
        for f in data["files"]:
            actions: dict[str, int] = {}
            for b in f["blocks"]:
                actions[b["action"]] = actions.get(b["action"], 0) + 1
            flags = sum(len(b["flags"]) for b in f["blocks"])
            chars = sum(b["chars"] for b in f["blocks"])
            table.add_row(Text(f["path"]), f["status"], ", ".join(f"{k} {v}" for k, v in sorted(actions.items())),
                          str(chars), str(flags))
        console.print(table)
    else:
        console.print(Text(f"{title}: no file to sync"))
    console.print(Text(f"engine: {data['engine_summary'] or data['engine']}"))
    by_engine = ", ".join(f"{k} {v}" for k, v in data["chars_sent_by_engine"].items())
    actions = ", ".join(f"{k} {v}" for k, v in data["summary"]["actions"].items())
    console.print(Text(f"characters sent: {data['chars_sent']}" + (f" ({by_engine})" if by_engine else "")
                       + f"; billed: {data['chars_billed']}; blocks: {actions or 'none'}; "
                       f"commit: {data['commit'] or '-'}"))
    for s in data["skipped"]:
        console.print(Text(f"  skipped {s['path']}: {s['reason']}"), soft_wrap=True)
    for f in data["flags"]:
        if f["flag"].startswith("failed"):
            where = f"{f['path']}:{f['lines'][0]}" if f["lines"] else f["path"]
            console.print(Text(one_line(f"  FAILED {where}: {f['flag'].removeprefix('failed: ')}")), soft_wrap=True)


@app.command()
def init(edition: Path = typer.Argument(..., help="Edition working copy without origin files."),
         upstream: str = typer.Option(..., "--upstream", help="Upstream repo[@REV] the edition follows."),
         suffix: str = typer.Option("_origin", "--origin-suffix", help=ORIGIN_SUFFIX_HELP),
         paths: list[str] = typer.Option([], "--paths", help="Only edition files matching these globs.")):
    """Write X_origin.md beside every X.md from upstream at REV (the edition's sync state starts there)."""
    import fnmatch

    from rich.text import Text

    from bot.paralleldata import write_atomic
    from bot.sync import repos

    try:
        up_spec, rev = repos.split_rev(upstream)
        commit = repos.resolve(repos.open_repo(up_spec), rev)
    except repos.RepoError as e:
        raise fail(str(e)) from None
    if not edition.is_dir():
        raise fail(f"{edition}: not a directory")
    written = missing = existing = 0
    for path in sorted(edition.rglob("*.md")):
        rel = path.relative_to(edition).as_posix()
        if rel.startswith(".") or path.stem.endswith(suffix) or (paths and not any(fnmatch.fnmatch(rel, g)
                                                                                 for g in paths)):
            continue
        origin = path.with_name(path.stem + suffix + ".md")
        if origin.exists():
            existing += 1
            continue
        text = repos.read_at(commit, rel)
        if text is None:
            missing += 1
            console.print(Text(f"  no upstream file for {rel}"))
            continue
        write_atomic(origin, text)
        written += 1
    console.print(Text(f"origin files written: {written}; already present: {existing}; "
                       f"without upstream counterpart: {missing} (upstream {commit.hexsha[:10]})"))
    if written:
        console.print(Text("next: commit them (git add and git commit); `amts sync` reads the edition from git"))


@parallel_app.command("push")
def parallel_push(file: Path, name: str = typer.Option(..., "--name", help="Parallel-data resource name."),
                  bucket: str = typer.Option(..., "--bucket", help="S3 bucket for the upload."),
                  prefix: str = typer.Option("amts/parallel-data", "--prefix", help="S3 folder (not the root)."),
                  poll: float = typer.Option(5.0, "--poll", help="Seconds between status checks."),
                  region: str | None = typer.Option(None, "--region", help="AWS region (default: the AWS "
                                                                           "environment or profile).")):
    """Upload FILE (TMX/CSV/TSV) to S3 and create or update the Amazon Translate parallel data; wait."""
    from rich.text import Text

    from bot.translate.base import EngineError
    from bot.translate.resources import push_parallel_data

    try:
        r = push_parallel_data(file, name, bucket, prefix, session=aws_session(region), poll_s=poll)
    except EngineError as e:
        raise fail(str(e)) from None
    console.print(Text(f"parallel data {r.name} {r.operation} from {r.s3_uri}: {r.status}; imported {r.imported}, "
                       f"skipped {r.skipped}, failed {r.failed}" + (f" ({r.message})" if r.message else "")))
    raise typer.Exit(0 if r.status == "ACTIVE" else 1)


terminology_app = typer.Typer(help="Custom terminology for Amazon Translate.", no_args_is_help=True,
                              rich_markup_mode=None)
app.add_typer(terminology_app, name="terminology")


@terminology_app.command("push")
def terminology_push(file: Path, name: str = typer.Option(..., "--name", help="Terminology resource name."),
                     lang: str = typer.Option(..., "--lang", help="Target language code, e.g. zh."),
                     region: str | None = typer.Option(None, "--region", help="AWS region (default: the AWS "
                                                                              "environment or profile).")):
    """Import the edition's TERMINOLOGY.md (`中文，english` lines) with ImportTerminology."""
    from rich.text import Text

    from bot.translate.base import EngineError
    from bot.translate.resources import import_terminology

    try:
        n, props = import_terminology(file, name, lang, session=aws_session(region))
    except EngineError as e:
        raise fail(str(e)) from None
    console.print(Text(f"terminology {name}: {n} terms imported ({props.get('TermCount', n)} in the service)"))


@app.command()
def learn(edition: str = typer.Option(..., "--edition", help="Edition repo (path or git URL)."),
          proposed: str = typer.Option(..., "--proposed", help="Revision AMTS proposed (its sync commit)."),
          merged: str = typer.Option(..., "--merged", help="Revision the reviewers merged."),
          lang: str = typer.Option(..., "--lang", help="Edition language code, e.g. zh."),
          base: str | None = typer.Option(None, "--base", help="Revision the proposal started from "
                                                              "(default: the parent of --proposed)."),
          as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
          tmx: Path | None = typer.Option(None, "--tmx", help="Append the merged sentence pairs to this TMX file."),
          source_lang: str = typer.Option("en", "--source-lang"),
          suffix: str = typer.Option("_origin", "--origin-suffix", help=ORIGIN_SUFFIX_HELP),
          extra_framework: list[str] = typer.Option(["paddle"], "--extra-framework", help=EXTRA_FRAMEWORK_HELP)):
    """Post-edit distance (sacrebleu sentence chrF and TER) of what reviewers merged against what AMTS proposed,
    per block; the merged sentence pairs can be appended to the edition's parallel data (--tmx)."""
    from bot.learn import LearnError, append_tmx, compare
    from bot.sync import repos

    try:
        repo = repos.open_repo(edition)
        result = compare(repo, proposed, merged, lang, base, source_lang, suffix, extra_framework)
        if tmx is not None:
            result.pairs_added = append_tmx(tmx, result.pairs, source_lang, lang)
    except (repos.RepoError, LearnError) as e:
        raise fail(str(e)) from None
    data = result.as_json()
    if as_json:
        emit_json(data)
        return
    from rich.table import Table

    table = Table("block", "edited", "chrF", "TER", title=f"post-edit distance {lang}: {merged} vs {proposed}")
    for b in data["blocks"]:
        ids = ",".join(str(i) for i in b["english_blocks"]) or "-"
        table.add_row(f"{b['path']}#{ids}", "yes" if b["edited"] else "no", f"{b['chrf']:.1f}", f"{b['ter']:.1f}")
    console.print(table)
    s = data["summary"]
    console.print(f"{s['blocks']} block(s), {s['edited']} edited; corpus chrF {s['chrf']:.1f}, TER {s['ter']:.1f}; "
                  f"{data['pairs_added']} sentence pair(s) {'added to ' + str(tmx) if tmx else 'to learn from'}")
    for path, reason in result.skipped:
        console.print(f"  skipped {path}: {reason}")


_register_commands()
