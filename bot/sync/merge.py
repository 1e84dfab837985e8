"""Three-way merge of a code cell, so translated comments and strings survive an upstream code change.

base = the origin English cell, theirs = the new English cell, ours = the edition's cell (same code,
translated comments/strings/docstrings). Lines are matched by their comment- and string-free key. A
region upstream changed whose edition lines are the same code as the origin lines takes the new English
lines (their comments are English again and flagged); a region where only comments changed upstream
keeps the edition's lines. When the edition's lines for a changed region cannot be found, the merge is a
conflict: the new English cell is taken whole and flagged. ``split_parts`` tells, before any merge, when the
edition split the English cell into several cells (then no single one of them may be merged with it).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from bot.markdown.keys import loose_code_key

_CODE_TOKENS = re.compile(
    r'(?P<str>[rRbBuUfF]{0,2}(?:"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'))'
    r"|(?P<comment>#[^\n]*)"
)
_SYMBOL = re.compile(r"^[rRbBuUfF]{0,2}(['\"])[\w.\-/:=]*\1$")


def code_key(code: str) -> str:
    """Code with comments, layout and *prose* strings removed (editions translate those), but symbol-like
    strings kept: ``padding='valid'`` -> ``padding='same'`` is a code change, ``print('loss')`` is not."""
    def sub(m: re.Match[str]) -> str:
        if m.group("str") is not None:
            return m.group() if _SYMBOL.match(m.group()) else '""'
        return ""
    return re.sub(r"\s+", "", _CODE_TOKENS.sub(sub, code))

#: A cell's tab directive: ``#@tab`` (d2lbook up to v0.17) or ``%%tab`` (v1.0), the two spellings of one line.
_TAB = re.compile(r"^(\s*(?:#\s*@tab|%%tab)\s+)([\w, ]+?)(\s*)$")


@dataclass(frozen=True)
class MergeResult:
    text: str
    conflict: bool
    comments_reset: int  # edition lines whose translated comments were replaced by English ones
    already: bool = False  # the edition already had the new code
    tab_change: str = ""  # how the cell's ``#@tab`` line changed, when it did


def _frameworks(cell: str) -> tuple[int, list[str]] | None:
    """(line index, frameworks) of the cell's ``#@tab`` line."""
    for i, line in enumerate(cell.splitlines()):
        m = _TAB.match(line)
        if m:
            return i, [f.strip() for f in m.group(2).split(",") if f.strip()]
    return None


def merge_tabs(base: str, theirs: str, ours: str, merged_text: str,
               edition_only: Sequence[str] = ()) -> tuple[str, str]:
    """``merged_text`` (the line merge of the cell) with the ``#@tab`` line merged on its own: upstream's
    change carried over, the frameworks only the edition lists (``paddle``) kept: ``mxnet, pytorch,
    paddle`` + upstream ``all -> mxnet, pytorch`` gives ``mxnet, pytorch, paddle``; an upstream change
    is never dropped. Returns (text, description of the change or "")."""
    b, t, o, r = _frameworks(base), _frameworks(theirs), _frameworks(ours), _frameworks(merged_text)
    if t is None or o is None or r is None:
        return merged_text, ""
    base_fw = b[1] if b else []
    if base_fw == t[1]:
        merged = o[1]  # upstream did not touch the line: the edition's stays
    else:
        extra = [f for f in o[1] if f not in base_fw and f not in t[1] and "all" not in t[1]]
        if "all" in o[1] and "all" not in t[1]:  # the edition's `all` covered its own frameworks too
            extra = [f for f in edition_only if f not in t[1]]
        merged = t[1] + extra
    change = "" if merged == o[1] else f"#@tab {', '.join(o[1])} -> {', '.join(merged)}"
    if merged == r[1]:
        return merged_text, change
    return _with_tab_line(merged_text, r[0], merged), change


def _with_tab_line(cell: str, index: int, frameworks: Sequence[str]) -> str:
    """``cell`` with its ``#@tab`` line (line ``index``) listing ``frameworks``, layout kept."""
    lines = cell.splitlines(keepends=True)
    line = lines[index]
    body = line.rstrip("\r\n")
    m = _TAB.match(body)
    assert m is not None
    lines[index] = m.group(1) + ", ".join(frameworks) + m.group(3) + line[len(body):]
    return "".join(lines)


def tab_frameworks(cell: str) -> list[str]:
    """The frameworks of a cell's ``#@tab`` line (``[]`` without one)."""
    found = _frameworks(cell)
    return found[1] if found else []


def drop_frameworks(cell: str, frameworks: Sequence[str]) -> str:
    """``cell`` with ``frameworks`` removed from its ``#@tab`` line (the line stays when any remain)."""
    found = _frameworks(cell)
    if found is None:
        return cell
    keep = [f for f in found[1] if f not in frameworks]
    if not keep or keep == found[1]:
        return cell
    return _with_tab_line(cell, found[0], keep)


def _keys(lines: list[str]) -> list[str]:
    return [code_key(ln) for ln in lines]


def merge_code(base: str, theirs: str, ours: str, edition_only: Sequence[str] = ()) -> MergeResult:
    """The 3-way merge, then the ``#@tab`` line merged on its own (see ``merge_tabs``); ``edition_only``:
    the frameworks only the edition has in this file (what its ``#@tab all`` covers beyond upstream's)."""
    result = _merge_lines(base, theirs, ours)
    text, change = merge_tabs(base, theirs, ours, result.text, edition_only)
    return replace(result, text=text, tab_change=change) if change or text != result.text else result


def _merge_lines(base: str, theirs: str, ours: str) -> MergeResult:
    merged = _merge_regions(base, theirs, ours)
    if code_key(ours) == code_key(theirs):
        # The edition already carries the new code (with its own comments): only layout or comments the
        # edition left in English follow upstream.
        if merged.conflict or code_key(merged.text) != code_key(theirs):
            return MergeResult(ours, False, 0, already=True)
        return replace(merged, already=merged.text == ours)
    return merged


def _merge_regions(base: str, theirs: str, ours: str) -> MergeResult:
    b, t, o = base.splitlines(keepends=True), theirs.splitlines(keepends=True), ours.splitlines(keepends=True)
    kb, kt, ko = _keys(b), _keys(t), _keys(o)
    # Map base lines to edition lines through the code-only keys.
    b_to_o: dict[int, int] = {}
    for op, i1, i2, j1, j2 in SequenceMatcher(a=kb, b=ko, autojunk=False).get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                b_to_o[i1 + k] = j1 + k
    out: list[str] = []
    reset = 0
    o_pos = 0

    def take_ours(upto: int) -> None:
        nonlocal o_pos
        if upto > o_pos:
            out.extend(o[o_pos:upto])
            o_pos = upto

    for op, i1, i2, j1, j2 in SequenceMatcher(a=b, b=t, autojunk=False).get_opcodes():
        if op == "equal":
            if i2 > i1 and all(i in b_to_o for i in range(i1, i2)):
                take_ours(b_to_o[i2 - 1] + 1)
                continue
            if i2 > i1:
                return MergeResult(theirs, True, 0)
            continue
        mapped = [b_to_o[i] for i in range(i1, i2) if i in b_to_o]
        if len(mapped) != i2 - i1:
            return MergeResult(theirs, True, 0)
        if mapped:
            take_ours(mapped[0])
            if [ko[m] for m in mapped if ko[m]] == [x for x in kt[j1:j2] if x] != [x for x in kb[i1:i2] if x]:
                take_ours(mapped[-1] + 1)  # the edition already has this region's new code: keep its lines
                continue
            if kb[i1:i2] == kt[j1:j2]:  # only comments/strings/layout changed upstream
                if any(o[m] != b[i] for m, i in zip(mapped, range(i1, i2), strict=True)):
                    take_ours(mapped[-1] + 1)  # the edition translated these lines: keep the translation
                    continue
                o_pos = mapped[-1] + 1  # the edition has them as the old English: they follow upstream
                out.extend(t[j1:j2])
                continue
            # an edition line that differed from its origin line is reset only if the new English line
            # differs from it too (an edition that already had the upstream fix loses nothing)
            reset += sum(1 for m, i in zip(mapped, range(i1, i2), strict=True) if o[m] != b[i] and o[m] not in t[j1:j2])
            o_pos = mapped[-1] + 1
        else:
            # pure insertion: after the edition line that renders base line i1-1
            if i1 > 0:
                if i1 - 1 not in b_to_o:
                    return MergeResult(theirs, True, 0)
                take_ours(b_to_o[i1 - 1] + 1)
            # never re-insert lines the edition already has (its own lines not from the origin, right here)
            mapped_o = set(b_to_o.values())
            own = [k for k in range(o_pos, len(o)) if k not in mapped_o]
            own = own[: next((n for n, k in enumerate(own) if k != o_pos + n), len(own))]
            new_keys = [x for x in kt[j1:j2] if x]
            if new_keys and [ko[k] for k in own if ko[k]][: len(new_keys)] == new_keys:
                n_take = 0
                seen = 0
                for k in own:
                    n_take += 1
                    seen += bool(ko[k])
                    if seen == len(new_keys):
                        break
                take_ours(o_pos + n_take)
                continue
            if new_keys and any(ko[k] for k in own):
                return MergeResult(theirs, True, 0)  # both sides added different code right here: a conflict
        out.extend(t[j1:j2])
    take_ours(len(o))
    text = "".join(out)
    if text and not text.endswith("\n") and theirs.endswith("\n"):
        text += "\n"
    return MergeResult(text, False, reset)


#: A cell is a part of an English cell when this share of its code lines are lines of that cell; the parts
#: together must cover this share of the English cell's code lines, the aligned cell alone less.
PART_SHARE = 0.8
SPLIT_COVER = 0.9


def _code_lines(cell: str) -> list[str]:
    """The code-only keys of a cell's lines, fences and blank/comment-only lines left out."""
    lines = [ln for ln in cell.splitlines() if not ln.lstrip().startswith("```")]
    return [k for k in _keys(lines) if k]


def split_parts(base: str, cells: Sequence[str], at: int, own: Collection[int] = ()) -> list[int]:
    """The edition split the English cell ``base`` into several cells: the indexes of those parts among
    ``cells`` (a run of consecutive edition code cells; ``cells[at]`` is the one aligned with ``base``; ``own``
    are the cells of frameworks only the edition has, never parts), or ``[]`` when it did not. d2l-zh splits a
    ``#@tab all`` cell of two functions into one cell per function and framework group: no part holds the
    English cell, together they do. Merging the English cell into one of them (or into the edition's own
    paddle cell) would define the other parts' code twice and leave them stale."""
    wanted = set(_code_lines(base))
    if not wanted:
        return []

    def cover(idx: Sequence[int]) -> float:
        return len(wanted & set().union(*(_code_lines(cells[i]) for i in idx))) / len(wanted)

    def from_base(i: int) -> bool:
        lines = _code_lines(cells[i])
        return bool(lines) and sum(k in wanted for k in lines) >= PART_SHARE * len(lines)

    parts = [i for i in range(len(cells)) if i not in own and from_base(i)]
    if len(parts) < 2 or (at not in parts and not (at in own and from_base(at))) \
            or max(cover([i]) for i in parts) >= SPLIT_COVER or cover(parts) < SPLIT_COVER:
        return []
    return parts


def keep_comment_lines(ours: str, merged: str) -> str:
    """Put back the edition's own comment-only lines (translated comments) in front of the code line they
    annotate, where a merge without a common base dropped them."""
    out = merged.splitlines(keepends=True)
    keys = [loose_code_key(ln) for ln in out]
    pending: list[str] = []
    for line in ours.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("#") and not _TAB.match(line.rstrip("\r\n")):
            pending.append(line)
            continue
        key = loose_code_key(line)
        if pending and key and key in keys and not any(p in out for p in pending):
            at = keys.index(key)
            out[at:at] = pending
            keys[at:at] = [""] * len(pending)
        pending = []
    return "".join(out)
