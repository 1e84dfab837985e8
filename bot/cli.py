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
