"""Three-way merge of a block the sync copies verbatim (an equation, a toc, raw HTML) at token level.

Editions sometimes translate inside such a block: d2l-tr writes ``$$\\text{istatistiksel anlamlılık} = …$$``
where the English has ``\\text{statistical significance}``. Copying the new English over it would put English
back into the translation without a word in the report. So when the edition's block is not the old English
(whitespace aside), the English change is replayed on the edition's own tokens: every token upstream
replaced, deleted or inserted next to must be one the edition still has, in the same place, unchanged.
Anything else cannot be placed, and the caller keeps the human block for review.

Pure: text in, text (or ``None``) out.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

#: LaTeX commands, words, whitespace runs, any other single character
_TOKEN = re.compile(r"\\[A-Za-z]+|\w+|\s+|.", re.DOTALL)


def same_text(a: str, b: str) -> bool:
    """Equal once whitespace runs are one space: the edition kept the English as it was."""
    return a.split() == b.split()


def merge_tokens(base: str, theirs: str, ours: str) -> str | None:
    """``ours`` with the change ``base`` -> ``theirs`` applied on its tokens, or ``None`` when a changed
    token of ``base`` is not in ``ours`` as it was (the edition rewrote that part)."""
    b, t, o = _TOKEN.findall(base), _TOKEN.findall(theirs), _TOKEN.findall(ours)
    where: dict[int, int] = {}  # index of a base token -> index of the same token in ours
    for i, j, size in SequenceMatcher(a=b, b=o, autojunk=False).get_matching_blocks():
        where.update((i + k, j + k) for k in range(size))
    edits: list[tuple[int, int, list[str]]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=b, b=t, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if i1 < i2:  # tokens replaced or deleted: all of them in ours, in one run
            if any(i not in where for i in range(i1, i2)) or where[i2 - 1] - where[i1] != i2 - i1 - 1:
                return None
            start, end = where[i1], where[i2 - 1] + 1
        else:  # inserted: both neighbours in ours, side by side (an edge of the block counts as one)
            before = where.get(i1 - 1, -1) + 1 if i1 > 0 else 0
            after = where.get(i1, -1) if i1 < len(b) else len(o)
            if (i1 > 0 and i1 - 1 not in where) or before != after:
                return None
            start = end = before
        edits.append((start, end, t[j1:j2]))
    out = list(o)
    for start, end, new in reversed(edits):
        out[start:end] = new
    return "".join(out)
