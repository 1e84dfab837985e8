"""Nothing changes silently: every hunk of an edition file's diff is covered by a report entry.

``unaccounted_hunks`` walks the line diff of the old and new edition text (what ``git diff`` shows) and
returns the hunks that no unit with an action other than ``keep`` covers (old lines through
``old_lines``, new lines through ``new_lines``). A sync is accountable when it returns nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from bot.sync.plan import Unit


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
    """Hunks (old_first, old_last, new_first, new_last; 1-based, empty side = (x, x-1)) not covered."""
    old_spans = [u.old_lines for u in units if u.action != "keep" and u.old_lines]
    new_spans = [u.new_lines for u in units if u.action != "keep" and u.new_lines]
    a, b = old_text.splitlines(), new_text.splitlines()
    missing = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
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
    return missing


def _words_removed(old: str, new: str) -> bool:
    """Did going from ``old`` to ``new`` remove any word character (not only insert text or change layout)?"""
    ops = SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    return any(any(ch.isalnum() for ch in old[i1:i2]) for op, i1, i2, _j1, _j2 in ops if op in ("replace", "delete"))


def replaced_human_blocks(units: Sequence[Unit]) -> list[Unit]:
    """Units that changed human text without saying so: human words removed by a re-translation or splice
    without ``human-text-replaced`` (or a reported verbatim fix), a deletion without a flag. A splice that only
    inserts new sentences around the human ones replaces nothing."""
    out = []
    for u in units:
        if u.status != "ok" or not u.old_text or u.text == u.old_text:
            continue
        said = "human-text-replaced" in u.flags or any("verbatim fix" in f for f in u.flags)
        if u.action in ("retranslate", "splice") and not said and _words_removed(u.old_text, u.text):
            out.append(u)
        if u.action == "delete" and u.old_text.strip() and not u.flags and not u.old_text.lstrip().startswith("```"):
            out.append(u)
    return out
