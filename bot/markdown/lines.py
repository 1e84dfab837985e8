"""Lines as git, GitHub and CommonMark count them: only ``\\n`` ends a line (``\\r\\n`` keeps its ``\\r``
inside the line). Python's ``str.splitlines`` also breaks on U+2028/2029, ``\\x85``, ``\\x0b``,
``\\x0c`` and ``\\x1c``-``\\x1e``, which made line numbers disagree with ``git diff`` and split a
CommonMark-valid fence in two."""

from __future__ import annotations


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """``text`` split after each ``\\n``; like ``str.splitlines`` otherwise (no empty last line)."""
    if not text:
        return []
    parts = text.split("\n")
    last = parts.pop()
    if keepends:
        lines = [p + "\n" for p in parts]
    else:
        lines = [p[:-1] if p.endswith("\r") else p for p in parts]
    if last:
        lines.append(last)
    return lines
