"""The ``amts`` command. Thin: it parses arguments, calls the modules and prints.

Exit codes: 0 success/clean, 1 findings (violations, partial results), 2 unusable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.markdown.blocks import Document
from bot.markdown.invariants import check as check_invariants
from bot.markdown.io import InputError, read_document

app = typer.Typer(help="AMTS: keep translated editions of Dive into Deep Learning in sync.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
console = Console(emoji=False, highlight=False)
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one clear line on stderr and return the exit to raise."""
    err_console.print(Text("error: ", style="bold red") + Text(message), highlight=False, soft_wrap=True)
    return typer.Exit(code)


def load(path: Path) -> Document:
    try:
        return read_document(path)
    except InputError as e:
        raise fail(str(e)) from None


def emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command()
def blocks(file: Path, as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")):
    """List the blocks of a D2L markdown FILE: index, kind, start line, end line, key."""
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


def main() -> None:  # pragma: no cover - console entry
    app()


@app.command("align")
def align_cmd(source: Path, translation: Path,
              as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
              sentences: bool = typer.Option(False, "--sentences", help="Also align the sentences of prose pairs."),
              lang: str = typer.Option("zh", "--lang", help="Language of TRANSLATION."),
              extra_framework: list[str] = typer.Option(["paddle"], "--extra-framework")):
    """Align the blocks of SOURCE (English) with TRANSLATION: 1-1, 1-2, 2-1, 1-0, 0-1 with scores."""
    from bot.align.blocks import align
    from bot.align.textpairs import block_text_pairs

    alignment = align(load(source), load(translation), extra_framework)
    rows = []
    for p in alignment.pairs:
        sb, tb = alignment.src_blocks(p), alignment.tgt_blocks(p)
        row = {"src": [sb[0].start, sb[-1].end] if sb else None, "tgt": [tb[0].start, tb[-1].end] if tb else None,
               "kind": str((sb or tb)[0].kind), "relation": p.relation, "score": p.score,
               "low_confidence": p.low_confidence}
        if sentences:
            row["sentences"] = [{"src": t.src, "tgt": t.tgt}
                                for t in block_text_pairs(alignment, p, "en", lang, "sentence")]
        rows.append(row)
    if as_json:
        emit_json({"source": str(source), "translation": str(translation), "pairs": rows})
        return
    table = Table("src", "tgt", "kind", "rel", "score", "sentences" if sentences else "",
                  title=f"{source} ↔ {translation}")
    for r in rows:
        score = f"{r['score']:.2f}" + (" LOW" if r["low_confidence"] else "")
        sents = "\n".join(f"{s['src']}\n  → {s['tgt']}" for s in r.get("sentences", []))
        table.add_row(_span(r["src"]), _span(r["tgt"]), r["kind"], r["relation"], score, Text(sents))
    console.print(table)


def _span(lines: list[int] | None) -> str:
    return f"{lines[0]}-{lines[1]}" if lines else "-"


parallel_app = typer.Typer(help="Parallel data for Amazon Translate Active Custom Translation.", no_args_is_help=True)
app.add_typer(parallel_app, name="parallel-data")


@parallel_app.command("build")
def parallel_build(edition_dir: Path,
                   lang: str = typer.Option(..., "--lang", help="Language code of the edition, e.g. zh."),
                   granularity: str = typer.Option("sentence", "--granularity", help="sentence or paragraph."),
                   fmt: str = typer.Option("tmx", "--format", help="tmx, csv or tsv."),
                   output: Path = typer.Option(..., "-o", "--output", help="File to write."),
                   source_lang: str = typer.Option("en", "--source-lang"),
                   suffix: str = typer.Option("_origin", "--origin-suffix"),
                   extra_framework: list[str] = typer.Option(["paddle"], "--extra-framework")):
    """Align every X.md / X_origin.md pair of EDITION_DIR and write parallel data (exit 1 when partial)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bot import paralleldata as pd

    if not edition_dir.is_dir():
        raise fail(f"{edition_dir}: not a directory")
    if granularity not in ("sentence", "paragraph"):
        raise fail(f"--granularity must be sentence or paragraph (got {granularity!r})")
    if fmt not in pd.FORMATS:
        raise fail(f"--format must be one of {', '.join(pd.FORMATS)} (got {fmt!r})")
    total = len(pd.find_pairs(edition_dir, suffix)[0])
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as progress:
        task = progress.add_task("aligning", total=total)

        def step(rel: str) -> None:
            progress.update(task, advance=1, description=f"aligning {rel[-40:]}")

        report = pd.build(edition_dir, lang, granularity, fmt, source_lang, suffix, extra_framework, step)
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
