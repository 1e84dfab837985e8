"""Nothing changes silently: every hunk of an edition file's diff is covered by a report entry.

``unaccounted_hunks`` walks the hunks ``git diff`` itself shows between the old and new edition text (what the
pull request's reviewer reads: git's minimal line diff, not an approximation of it) and returns the hunks that no
unit with an action other than ``keep`` covers (old lines through ``old_lines``, new lines through
``new_lines``), or by a kept block left unchanged and in order. A sync is accountable when it returns nothing.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from bisect import bisect_left
from collections.abc import Sequence
from difflib import SequenceMatcher
from pathlib import Path

from bot.sync.plan import UNTRANSLATED_FLAG, Unit

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.M)


def git_hunks(old_text: str, new_text: str) -> list[tuple[int, int, int, int]]:
    """The hunks of ``git diff`` (Myers, no context) between two texts, as 0-based half-open line ranges
    ``(i1, i2, j1, j2)`` like ``SequenceMatcher`` opcodes (an empty side is ``(x, x)``)."""
    if old_text == new_text:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        a.write_bytes(old_text.encode("utf-8"))
        b.write_bytes(new_text.encode("utf-8"))
        done = subprocess.run(["git", "-c", "core.quotePath=false", "diff", "--no-index", "--no-color",
                               "--no-ext-diff", "--diff-algorithm=myers", "-U0", str(a), str(b)],
                              capture_output=True, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"git diff failed: {done.stderr.decode(errors='replace').strip()}")
    hunks = []
    for m in _HUNK.finditer(done.stdout.decode("utf-8", errors="replace")):
        s, c, t, d = int(m[1]), int(m[2] or 1), int(m[3]), int(m[4] or 1)
        i1, j1 = (s - 1 if c else s), (t - 1 if d else t)
        hunks.append((i1, i1 + c, j1, j1 + d))
    return hunks


def _covered(lines: list[int], spans: list[tuple[int, int]]) -> bool:
    """Every non-blank changed line lies in some entry's span (blank separator lines belong to no block)."""
    return all(any(a <= line <= b for a, b in spans) for line in lines)


def _slid_covered(lines: list[str], lo: int, hi: int, spans: list[tuple[int, int]]) -> bool:
    """Is the inserted (or deleted) run ``lines[lo:hi]`` covered at some position it can slide to? A run whose
    last line equals the line before it (or whose first equals the line after it) can be drawn one line up (down)
    with the same result: ``git diff`` picks one of those positions, the report may cover another
    (an inserted ``:end_tab:``-ended region right after a kept one ending the same way)."""
    def covered(a: int, b: int) -> bool:
        return _covered([k + 1 for k in range(a, b) if lines[k].strip()], spans)

    a, b = lo, hi
    while not covered(a, b) and a > 0 and lines[a - 1] == lines[b - 1]:
        a, b = a - 1, b - 1
    if covered(a, b):
        return True
    a, b = lo, hi
    while not covered(a, b) and b < len(lines) and lines[a] == lines[b]:
        a, b = a + 1, b + 1
    return covered(a, b)


def unaccounted_hunks(old_text: str, new_text: str, units: Sequence[Unit]) -> list[tuple[int, int, int, int]]:
    """Hunks (old_first, old_last, new_first, new_last; 1-based, empty side = (x, x-1)) not covered.

    A kept block whose lines are unchanged and still in the order of the other kept blocks is no change,
    however the diff draws it: a minimal line diff may pair the blank and fence lines around it instead and
    show it deleted in one place and inserted in another. Its lines count as covered. A kept block out of that
    order moved without a report entry (it should be ``moved``): it is returned as a hunk of its own."""
    a, b = old_text.splitlines(), new_text.splitlines()
    in_place, out_of_order = _kept_in_order(units, a, b)
    old_spans = [u.old_lines for u in units if u.action != "keep" and u.old_lines] + [u.old_lines for u in in_place]
    new_spans = [u.new_lines for u in units if u.action != "keep" and u.new_lines] + [u.new_lines for u in in_place]
    missing = [(u.old_lines[0], u.old_lines[1], u.new_lines[0], u.new_lines[1]) for u in out_of_order]
    for i1, i2, j1, j2 in git_hunks(old_text, new_text):
        op = "insert" if i1 == i2 else "delete" if j1 == j2 else "replace"
        # a pure blank-line hunk at a block boundary belongs to the neighbouring entry
        if all(not x.strip() for x in a[i1:i2] + b[j1:j2]):
            continue
        if op == "insert":
            ok = _slid_covered(b, j1, j2, new_spans)
        elif op == "delete":
            ok = _slid_covered(a, i1, i2, old_spans)
        else:
            ok = (_covered([k + 1 for k in range(i1, i2) if a[k].strip()], old_spans)
                  and _covered([k + 1 for k in range(j1, j2) if b[k].strip()], new_spans))
        if not ok:
            missing.append((i1 + 1, i2, j1 + 1, j2))
    return sorted(missing)


def _kept_in_order(units: Sequence[Unit], a: list[str], b: list[str]) -> tuple[list[Unit], list[Unit]]:
    """The ``keep`` units with unchanged lines, split into those in old-file order along the new file (the
    longest such run) and the rest."""
    keeps = sorted((u for u in units if u.action == "keep" and u.old_lines and u.new_lines
                    and a[u.old_lines[0] - 1:u.old_lines[1]] == b[u.new_lines[0] - 1:u.new_lines[1]]),
                   key=lambda u: u.new_lines[0])
    tails: list[int] = []  # tails[k]: index in keeps of the smallest old start ending a run of length k + 1
    starts: list[int] = []  # their old starts
    before: list[int] = []
    for n, u in enumerate(keeps):
        k = bisect_left(starts, u.old_lines[0])
        before.append(tails[k - 1] if k else -1)
        tails[k:k + 1], starts[k:k + 1] = [n], [u.old_lines[0]]
    run, n = set(), tails[-1] if tails else -1
    while n >= 0:
        run.add(n)
        n = before[n]
    return [u for k, u in enumerate(keeps) if k in run], [u for k, u in enumerate(keeps) if k not in run]


def _words_removed(old: str, new: str) -> bool:
    """Did going from ``old`` to ``new`` remove any word character (not only insert text or change layout)?"""
    ops = SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    return any(any(ch.isalnum() for ch in old[i1:i2]) for op, i1, i2, _j1, _j2 in ops if op in ("replace", "delete"))


def replaced_human_blocks(units: Sequence[Unit]) -> list[Unit]:
    """Units that changed human text without saying so: human words removed by a re-translation or splice
    without ``human-text-replaced`` (or a reported verbatim fix, or ``edition-had-english``: the words removed were
    the old English the edition had left untranslated), a deletion without a flag. A splice that only
    inserts new sentences around the human ones replaces nothing."""
    out = []
    for u in units:
        if u.status != "ok" or not u.old_text or u.text == u.old_text:
            continue
        said = any(f in ("human-text-replaced", UNTRANSLATED_FLAG) or "verbatim fix" in f for f in u.flags)
        if u.action in ("retranslate", "splice") and not said and _words_removed(u.old_text, u.text):
            out.append(u)
        if u.action == "delete" and u.old_text.strip() and not u.flags and not u.old_text.lstrip().startswith("```"):
            out.append(u)
    return out
