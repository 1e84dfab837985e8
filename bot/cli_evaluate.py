"""``amts evaluate``: BLEU and chrF of one translation of the book against another.

Thin on purpose: options in, ``bot.evaluate`` does the work, results out. Registered in ``bot/cli.py``
with ``app.command()(evaluate)``; it does not import ``bot.cli`` so the two modules cannot import each
other in a cycle. Exit codes follow ``amts``: 0 scored, 2 unusable input (one line on stderr).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli_console import err_console as _err
from bot.cli_console import error_exit

if TYPE_CHECKING:  # imported in ``evaluate`` itself: sacrebleu and the aligner cost every other command ~0.2 s
    from bot.evaluate import CorpusReport, StudyTable



def _fail(message: str, code: int = 2) -> typer.Exit:
    return error_exit(message, code)


def _emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _print_report(report: CorpusReport) -> None:
    width = max([len(f.path) for f in report.files] + [len("corpus")])
    head = f"{'file':<{width}}  {'segments':>8}  {'BLEU':>6}  {'chrF':>6}"
    typer.echo(f"{head}  {'unpaired hyp/ref':>16}  {'low-conf':>8}")
    for f in report.files:
        typer.echo(f"{f.path:<{width}}  {len(f.segments):>8}  {f.scores.bleu:>6.2f}  {f.scores.chrf:>6.2f}  "
                   f"{f'{f.unpaired_hyp}/{f.unpaired_ref}':>16}  {f.low_confidence:>8}")
    corpus = report.scores
    typer.echo(f"{'corpus':<{width}}  {len(report.segments):>8}  {corpus.bleu:>6.2f}  {corpus.chrf:>6.2f}")
    markup = "kept" if report.keep_markup else "removed"
    typer.echo(f"pairing: {report.pairing}; markup: {markup}; "
               f"BLEU {corpus.bleu_signature}; chrF {corpus.chrf_signature}")


def _print_study(table: StudyTable) -> None:
    """A markdown table, so the output can go straight into the docs."""
    typer.echo("| article | published, without ACT | raw MT | raw MT + zh post-edit | chrF raw | chrF post-edit "
               "| segments |")
    typer.echo("|---|---:|---:|---:|---:|---:|---:|")
    for r in table.rows:
        pub = f"{r.published:.3f}" if r.published is not None else "-"
        typer.echo(f"| {r.article} | {pub} | {r.raw.scores.bleu / 100:.3f} | {r.postedited.scores.bleu / 100:.3f} "
                   f"| {r.raw.scores.chrf:.1f} | {r.postedited.scores.chrf:.1f} | {len(r.raw.segments)} |")
    typer.echo(f"| average | {table.published_average:.3f} | {table.raw_average:.3f} | {table.postedited_average:.3f} "
               f"| | | |")
    raw, post = table.raw.scores, table.postedited.scores
    typer.echo(f"| all segments (corpus BLEU) | | {raw.bleu / 100:.3f} | {post.bleu / 100:.3f} | {raw.chrf:.1f} "
               f"| {post.chrf:.1f} | {len(table.raw.segments)} |")
    typer.echo("")
    typer.echo("BLEU on a 0-1 scale like the study (sacrebleu score / 100); average = mean of the five articles.")
    markup = "kept" if table.raw.keep_markup else "removed"
    typer.echo(f"pairing: {table.raw.pairing}; markup: {markup}; BLEU {raw.bleu_signature}; chrF {raw.chrf_signature}")


def evaluate(
    hyp: Path | None = typer.Option(None, "--hyp", help="Hypothesis: a markdown file or a directory of them."),
    ref: Path | None = typer.Option(None, "--ref", help="Reference: a file or directory, paired by relative path."),
    lang: str | None = typer.Option(None, "--lang", help="Target language (zh uses sacrebleu's zh tokenizer)."),
    src: Path | None = typer.Option(None, "--src", help="English source of both sides (file or directory): "
                                    "pair through it instead of aligning the translations directly."),
    origins: bool = typer.Option(False, "--origins", help="Pair through each side's own X_origin.md."),
    postedit: bool = typer.Option(False, "--postedit", help="Apply the language's post-edit rules to the "
                                  "hypothesis first."),
    no_markup: bool = typer.Option(False, "--no-markup", help="Score the words only: remove inline markup "
                                   "(code, math, roles, link targets) from both sides."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    dump: Path | None = typer.Option(None, "--dump", help="Write the scored lines to DIR (hyp.txt, ref.txt, "
                                     "files/...) to rerun sacrebleu on."),
    study: bool = typer.Option(False, "--study", help="Print the AMTS study table (five articles, raw Amazon "
                               "Translate output vs the human d2l-zh edition)."),
    corpus: Path | None = typer.Option(None, "--corpus", help="Shared corpus for --study (default: "
                                       "../shared/corpus beside the checkout)."),
    extra_framework: list[str] = typer.Option(["paddle"], "--extra-framework",
                                              help="Frameworks an edition may add cells for."),
) -> None:
    """Score a translation (--hyp) against a reference translation (--ref): sacrebleu BLEU and chrF over
    prose blocks paired by the aligner, per file and for the corpus. --study prints the published study table."""
    from bot.evaluate import Pairing, dump_lines, evaluate_files, find_corpus, run_study
    from bot.markdown.io import InputError

    try:
        if study:
            if hyp is not None or ref is not None or src is not None or postedit:
                raise InputError("--study takes no --hyp/--ref/--src/--postedit (it reads the shared corpus, "
                                 "see --corpus, and always shows the post-edit column)")
            if lang not in (None, "zh"):
                raise InputError("--study is EN->ZH; leave out --lang or give --lang zh")
            table = run_study(find_corpus(corpus), Pairing.SOURCE if origins else Pairing.DIRECT,
                              keep_markup=not no_markup)
            if dump is not None:
                dump_lines(table.raw, dump / "raw")
                dump_lines(table.postedited, dump / "postedit")
            if as_json:
                _emit_json(table.as_dict())
            else:
                _print_study(table)
            return
        if hyp is None or ref is None or lang is None:
            raise InputError("give --hyp, --ref and --lang (or --study)")
        report = evaluate_files(hyp, ref, lang, src=src, origins=origins, postedit=postedit,
                                keep_markup=not no_markup, extra_frameworks=extra_framework)
        if dump is not None:
            dump_lines(report, dump)
    except (InputError, ValueError) as e:
        raise _fail(str(e)) from None
    except OSError as e:
        raise _fail(f"{e.filename or dump}: {e.strerror}") from None
    if as_json:
        _emit_json(report.as_dict())
    else:
        _print_report(report)
    if dump is not None:
        tok = report.scores.bleu_signature.split("tok:")[1].split("|")[0]
        _err.print(f"lines written to {dump}; reproduce with: sacrebleu {dump}/ref.txt -i {dump}/hyp.txt "
                   f"-tok {tok} -m bleu chrf", highlight=False, soft_wrap=True)
