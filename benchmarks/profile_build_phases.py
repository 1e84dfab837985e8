"""Where the instructions of a whole-book parallel-data build go, phase by phase (callgrind, inclusive costs).

Run (a few minutes under valgrind; nothing else to install)::

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.phases .venv/bin/python benchmarks/profile_build_phases.py
    .venv/bin/python benchmarks/profile_build_phases.py --report /tmp/cg.phases

The first command builds the parallel data of ``EDITION_DIR`` (default ``../shared/corpus/book/d2l-zh``) in one
process, as ``amts parallel-data build --jobs 1`` does, and renders the TMX. callgrind sees C functions only, and every
Python function runs inside the same interpreter loop, so each phase is entered through a C function of its own that
nothing else in a build calls (``itertools.starmap``, ``functools.reduce``, …: ``PHASES``): callgrind's inclusive
cost of that C function is the phase's instruction count, nested phases included. The second command reads those
counts from ``callgrind_annotate`` and prints them. The wrappers cost a few thousand instructions a call (~0.5 G in
all: the profiled total is that much above a plain build's). The call counts printed are callgrind's, of the C
function (an iterator's ``next`` counts its end too), a rough check that nothing else entered the phase's function.
"""

from __future__ import annotations

import argparse
import collections
import contextvars
import functools
import itertools
import operator
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT.parent / "shared" / "corpus" / "book" / "d2l-zh"
_DONE = object()


def _via_starmap(f: Callable) -> Callable:
    return lambda *a, **k: next(itertools.starmap(lambda: f(*a, **k), [()]))


def _via_reduce(f: Callable) -> Callable:
    return lambda *a, **k: functools.reduce(lambda _, __: f(*a, **k), [0], None)


def _via_predicate(make: Callable[[Callable, list], Any]) -> Callable[[Callable], Callable]:
    """A wrapper that calls ``f`` as the predicate (or key) of the iterator ``make`` returns, keeping its result."""
    def wrap(f: Callable) -> Callable:
        def call(*a: Any, **k: Any) -> Any:
            box: list = []
            list(make(lambda *_: box.append(f(*a, **k)), [0]))
            return box[0]
        return call
    return wrap


def _via_accumulate(f: Callable) -> Callable:
    return lambda *a, **k: list(itertools.accumulate([0, 0], lambda x, y: f(*a, **k)))[1]


def _via_methodcaller(f: Callable) -> Callable:
    return lambda *a, **k: operator.methodcaller("__call__", *a, **k)(f)


def _via_partial(f: Callable) -> Callable:
    return lambda *a, **k: functools.partial(f, *a, **k)()


def _via_operator_call(f: Callable) -> Callable:
    return lambda *a, **k: operator.call(f, *a, **k)


def _via_context(f: Callable) -> Callable:
    context = contextvars.Context()
    return lambda *a, **k: context.run(f, *a, **k)


def _via_defaultdict(f: Callable) -> Callable:
    return lambda *a, **k: collections.defaultdict(lambda: f(*a, **k))[0]


def _via_call_tracing(f: Callable) -> Callable:
    return lambda *a, **k: sys.call_tracing(lambda: f(*a, **k), ())


def _via_uncached_lru(f: Callable) -> Callable:
    return functools.lru_cache(maxsize=0)(f)


#: (phase, depth, C function whose inclusive cost it is, what to wrap: module, attribute, how)
PHASES: list[tuple[str, int, str, str, str, Callable[[Callable], Callable]]] = [
    ("lexicon load", 0, "sys_call_tracing", "bot.align.lexicon", "default_lexicon", _via_call_tracing),
    ("read + parse both files", 0, "starmap_next", "bot.paralleldata", "read_document", _via_starmap),
    ("block alignment", 0, "functools_reduce", "bot.paralleldata", "align", _via_reduce),
    ("block features", 1, "filterfalse_next", "bot.align.blocks", "_features",
     _via_predicate(itertools.filterfalse)),
    ("units + sentence splitting", 2, "takewhile_next", "bot.align.blocks", "block_sentences",
     _via_predicate(lambda p, it: itertools.takewhile(lambda x: p(x) or True, it))),
    ("word units + profiles (Lexicon.text_profile)", 2, "dropwhile_next", "bot.align.lexicon:Lexicon",
     "text_profile", _via_predicate(itertools.dropwhile)),
    ("block DP", 1, "accumulate_next", "bot.align.blocks", "_dp", _via_accumulate),
    ("sentence alignment (align_block)", 0, "methodcaller_call", "bot.align.textpairs", "align_block",
     _via_methodcaller),
    ("per-sentence features + hit rows", 1, "_operator_call", "bot.align.sentalign:_Sentences", "of",
     _via_operator_call),
    ("bead evidence (evidence_after)", 1, "context_run", "bot.align.sentalign:_Beads", "evidence_after",
     _via_context),
    ("omission rows", 1, "defdict_missing", "bot.align.sentalign:_Beads", "_omissions", _via_defaultdict),
    ("second pass (_realign_gaps)", 1, "partial_vectorcall", "bot.align.sentalign", "_realign_gaps", _via_partial),
    ("filter", 0, "groupby_next", "bot.paralleldata", "filter_pairs",
     _via_predicate(lambda p, it: itertools.groupby(it, key=p))),
    ("TMX render", 0, "uncached_lru_cache_wrapper", "bot.paralleldata", "render", _via_uncached_lru),
]


def _install() -> None:
    import importlib

    for _, _, _, where, name, how in PHASES:
        module_name, _, cls = where.partition(":")
        owner: Any = importlib.import_module(module_name)
        if cls:
            owner = getattr(owner, cls)
            original = owner.__dict__[name]
            if isinstance(original, staticmethod):
                setattr(owner, name, staticmethod(how(original.__func__)))
                continue
            setattr(owner, name, how(original))
        else:
            setattr(owner, name, how(getattr(owner, name)))


def run(edition: Path) -> None:
    sys.path.insert(0, str(ROOT))
    _install()
    from bot import paralleldata as pd
    from bot.align.lexicon import default_lexicon

    default_lexicon()  # loaded here as in a build (once, through its wrapper)
    built = pd.build(edition, "zh", jobs=1)
    print(f"{len(built.pairs)} pairs, {len(pd.render(built.pairs, 'en', 'zh', 'tmx'))} characters of TMX")


def report(path: Path) -> None:
    tree = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--tree=caller", "--threshold=100", str(path)],
                          capture_output=True, text=True, check=True).stdout
    total = re.search(r"^\s*([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", tree, re.M)
    found: dict[str, tuple[int, int]] = {}  # C function -> (largest inclusive cost of its entries, their calls)
    calls = 0
    for line in tree.splitlines():
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+([<*])\s+\S*?:(\w+)", line)
        if not m:
            calls = 0
            continue
        if m.group(2) == "<":  # a caller of the next "*" entry, with its number of calls
            n = re.search(r"\(([\d,]+)x\)", line)
            calls += int(n.group(1).replace(",", "")) if n else 0
            continue
        cost, fn = int(m.group(1).replace(",", "")), m.group(3)
        if cost > found.get(fn, (0, 0))[0]:
            found[fn] = (cost, calls)
        calls = 0
    if total:
        print(f"whole run (startup, imports and the wrappers included): "
              f"{int(total.group(1).replace(',', '')) / 1e9:.2f} G instructions")
    for phase, depth, fn, *_ in PHASES:
        cost, n = found.get(fn, (0, 0))
        print(f"  {'  ' * depth}{phase:{50 - 2 * depth}s} {cost / 1e9:6.2f} G  ({n} calls of {fn})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("edition", nargs="?", type=Path, default=BOOK)
    ap.add_argument("--report", type=Path, default=None, help="print the phases of this callgrind output file")
    args = ap.parse_args()
    if args.report:
        report(args.report)
    else:
        run(args.edition)


if __name__ == "__main__":
    main()
