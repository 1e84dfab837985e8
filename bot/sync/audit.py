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


def unaccounted_hunks(old_text: str, new_text: str, units: Sequence[Unit]) -> list[tuple[int, int, int, int]]:
    """Hunks (old_first, old_last, new_first, new_last; 1-based, empty side = (x, x-1)) not covered."""
    old_spans = [u.old_lines for u in units if u.action != "keep" and u.old_lines]
    new_spans = [u.new_lines for u in units if u.action != "keep" and u.new_lines]
    a, b = old_text.splitlines(), new_text.splitlines()
    missing = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        old_ok = _covered([k + 1 for k in range(i1, i2) if a[k].strip()], old_spans)
        new_ok = _covered([k + 1 for k in range(j1, j2) if b[k].strip()], new_spans)
        # a pure blank-line hunk at a block boundary belongs to the neighbouring entry
        if all(not x.strip() for x in a[i1:i2] + b[j1:j2]):
            continue
        if not (old_ok and new_ok):
            missing.append((i1 + 1, i2, j1 + 1, j2))
    return missing


def replaced_human_blocks(units: Sequence[Unit]) -> list[Unit]:
    """Units that changed human text without saying so (no ``human-text-replaced``/``-deleted`` flag)."""
    out = []
    for u in units:
        if u.status != "ok" or not u.old_text or u.text == u.old_text:
            continue
        if u.action in ("retranslate", "splice") and "human-text-replaced" not in u.flags:
            out.append(u)
        if u.action == "delete" and u.old_text.strip() and not u.flags and not u.old_text.lstrip().startswith("```"):
            out.append(u)
    return out
