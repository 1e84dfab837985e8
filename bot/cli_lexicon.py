"""``amts lexicon build``: learn the bilingual lexicon the aligner uses, from an edition's own pairs.

Thin on purpose: read the ``X_origin.md`` / ``X.md`` pairs, hand them to ``bot.align.lexicon``, write the
file atomically. Exit codes follow ``amts``: 0 written, 2 unusable input (one line on stderr).
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from bot.cli_console import err_console as _err
from bot.cli_console import error_exit as fail

# Imports that cost start-up time (the aligner, markdown-it) happen inside the command: bot/cli.py imports
# this module for every ``amts`` invocation.
lexicon_app = typer.Typer(help="The bilingual lexicon the aligner learns from an edition.", no_args_is_help=True)


@lexicon_app.command("build")
def build(
    edition_dir: Path,
    output: Path = typer.Option(..., "-o", "--output", help="Lexicon file to write (the shipped one is "
                                "bot/align/data/lexicon.en-zh.txt)."),
    lang: str = typer.Option("zh", "--lang", help="Language of the edition (the lexicon's target side)."),
    method: str = typer.Option("dice", "--method", help="dice (default) or ibm1 (nltk IBM Model 1, slower)."),
    suffix: str = typer.Option("_origin", "--origin-suffix",
                                help="Origin files are X<suffix>.md beside X.md (d2lbook's convention)."),
) -> None:
    """Learn an English→LANG lexicon from the confidently aligned sentence pairs of EDITION_DIR."""
    from bot import paralleldata as pd
    from bot.align.lexicon import train_dice, train_ibm1, training_pairs, write_lexicon
    from bot.markdown.io import InputError, read_document

    if not edition_dir.is_dir():
        raise fail(f"{edition_dir}: not a directory")
    if method not in ("dice", "ibm1"):
        raise fail(f"--method must be dice or ibm1 (got {method!r})")
    file_pairs, _ = pd.find_pairs(edition_dir, suffix)
    if not file_pairs:
        raise fail(f"{edition_dir}: no X.md / X{suffix}.md pairs")
    t0 = time.perf_counter()
    docs = []
    for origin, translation in file_pairs:
        try:
            docs.append((translation.name, read_document(origin), read_document(translation)))
        except InputError as e:
            _err.print(f"skipped {translation}: {e}", highlight=False, soft_wrap=True)
    pairs = training_pairs(docs, "en", lang)
    lexicon = (train_dice if method == "dice" else train_ibm1)(pairs)
    try:
        write_lexicon(lexicon, output, note=f"learned from {len(pairs)} sentence pairs of {len(docs)} files")
    except OSError as e:
        raise fail(f"{output}: {e.strerror}") from None
    typer.echo(f"{output}: {len(lexicon)} words from {len(pairs)} sentence pairs of {len(docs)} files "
               f"({method}, {time.perf_counter() - t0:.1f} s)")
