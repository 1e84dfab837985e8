"""The D2L build gate: what must be the same in an English document and its translation.

A translation may rewrite prose, code comments and printed strings; it may not lose or change code,
equations, labels, references, citations, figures, tabs, toc entries or mark lines, because the book
build (or the reader) breaks when it does. ``check`` lists every such difference; the sync refuses to
ship a block that adds one. Editions may add code cells and tab regions for frameworks of their own
(d2l-zh adds PaddlePaddle): those are allowed by framework name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.markdown.blocks import Block, Document, Kind
from bot.markdown.lines import split_lines

ROLE_RE = re.compile(r":(numref|eqref|ref|cite|citet|citep):`([^`]*)`")
IMAGE_RE = re.compile(r"!\[[^\]]*\]\(([^()\s]+)[^)]*\)")
DISPLAY_MATH_RE = re.compile(r"\$\$([\s\S]+?)\$\$")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Violation:
    """One difference the build gate does not allow. ``line`` is in the translation when it has one."""

    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.kind}: {self.message}"


def _is_extra(block: Block, extra: frozenset[str]) -> bool:
    return bool(block.tabs) and all(t in extra for t in block.tabs)


def _code_cells(doc: Document, extra: frozenset[str]) -> list[Block]:
    inside = _inside_extra_tabs(doc, extra)
    return [b for b in doc.walk() if b.kind == Kind.CODE and not _is_extra(b, extra) and id(b) not in inside]


def _inside_extra_tabs(doc: Document, extra: frozenset[str]) -> frozenset[int]:
    """``id()`` of every block nested in a tab region of an extra framework. One pass over the document:
    testing each block against every tab region made the gate quadratic in the number of blocks."""
    inside: set[int] = set()
    stack = [c for t in doc.blocks if t.kind == Kind.TAB and _is_extra(t, extra) for c in t.children]
    while stack:
        b = stack.pop()
        inside.add(id(b))
        stack.extend(b.children)
    return frozenset(inside)


def _prose_texts(doc: Document, extra: frozenset[str]) -> Iterable[tuple[int, str]]:
    inside = _inside_extra_tabs(doc, extra)
    for b in doc.walk():
        if b.kind in (Kind.CODE, Kind.TOC, Kind.TAB) or id(b) in inside:
            continue
        yield b.start, b.text


def _multiset_diff(kind: str, src: tuple[Counter, dict], tgt: tuple[Counter, dict]) -> list[Violation]:
    """Items whose counts differ. A missing item is reported at its source line (the translation has none)."""
    (s, s_where), (t, t_where) = src, tgt
    out = []
    for item in sorted(set(s) | set(t), key=str):
        if s[item] != t[item]:
            count = abs(s[item] - t[item])
            times = f" (x{count})" if count > 1 else ""
            if s[item] > t[item]:
                out.append(Violation(s_where[item], kind, f"missing {item}{times} (source line {s_where[item]})"))
            else:
                out.append(Violation(t_where[item], kind, f"extra {item}{times}"))
    return out


def _collect(items: Iterable[tuple[int, str]]) -> tuple[Counter, dict]:
    counter: Counter = Counter()
    where: dict = {}
    for line, item in items:
        counter[item] += 1
        where.setdefault(item, line)
    return counter, where


def _matches(pattern: re.Pattern[str], line: int, text: str) -> Iterable[tuple[int, re.Match[str]]]:
    """Matches with their line numbers, counting newlines from the previous match only (counting from the
    start of the block each time was quadratic in a block with many matches)."""
    pos = 0
    for m in pattern.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        yield line, m


def _roles(doc: Document, extra: frozenset[str]) -> Iterable[tuple[int, str]]:
    for start, text in _prose_texts(doc, extra):
        for line, m in _matches(ROLE_RE, start, text):
            name = "cite" if m.group(1) in ("citet", "citep") else m.group(1)
            for key in m.group(2).split(",") if name == "cite" else [m.group(2)]:
                yield line, f":{name}:`{key.strip()}`"


def _equations(doc: Document, extra: frozenset[str]) -> Iterable[tuple[int, str]]:
    for start, text in _prose_texts(doc, extra):
        for line, m in _matches(DISPLAY_MATH_RE, start, text):
            yield line, "$$" + _WS.sub("", m.group(1)) + "$$"


def _marks(doc: Document, extra: frozenset[str]) -> Iterable[tuple[int, str]]:
    inside = _inside_extra_tabs(doc, extra)
    for b in doc.walk():
        if id(b) not in inside and not _is_extra(b, extra):
            for m in b.marks:
                yield m.line, f":{m.name}:`{m.value}`"


def _figures(doc: Document, extra: frozenset[str]) -> Iterable[tuple[int, str]]:
    for start, text in _prose_texts(doc, extra):
        for line, m in _matches(IMAGE_RE, start, text):
            yield line, m.group(1)


def _tabs(doc: Document, extra: frozenset[str]) -> list[tuple[int, str]]:
    return [(b.start, ",".join(b.tabs)) for b in doc.blocks if b.kind == Kind.TAB and not _is_extra(b, extra)]


def _toc_entries(doc: Document) -> list[tuple[int, str]]:
    out = []
    for b in doc.blocks:
        if b.kind == Kind.TOC:
            for k, ln in enumerate(split_lines(b.body)):
                if ln.strip() and not ln.strip().startswith(":"):
                    out.append((b.start + 1 + k, ln.strip()))
    return out


def _sequence_diff(kind: str, src: list[tuple[int, str]], tgt: list[tuple[int, str]],
                   describe=lambda s: s) -> list[Violation]:
    out: list[Violation] = []
    sm = SequenceMatcher(a=[s for _, s in src], b=[t for _, t in tgt], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        for i in range(i1, i2):
            j = j1 + (i - i1)
            if op == "replace" and j < j2:
                out.append(Violation(tgt[j][0], kind, f"changed: source line {src[i][0]}: {describe(src[i][1])}"))
            else:
                out.append(Violation(src[i][0], kind, f"missing (source line {src[i][0]}): {describe(src[i][1])}"))
        for j in range(j1 + (i2 - i1 if op == "replace" else 0), j2):
            out.append(Violation(tgt[j][0], kind, f"extra: {describe(tgt[j][1])}"))
    return out


def _short(code: str) -> str:
    """The first line of a cell that says what it does (not a ``#@tab``/``#@save`` directive)."""
    lines = [ln.strip() for ln in code.splitlines() if ln.strip()]
    useful = [ln for ln in lines if not ln.startswith(("#@", "%%"))] or lines or [""]
    return useful[0][:60]


def check(source: Document, translated: Document, extra_frameworks: Iterable[str] = ("paddle",)) -> list[Violation]:
    """Every build-gate difference between ``source`` (English) and ``translated``, by translation line."""
    extra = frozenset(extra_frameworks)
    out: list[Violation] = []
    src_code = [(b.start, b.loose_key) for b in _code_cells(source, extra)]
    tgt_cells = _code_cells(translated, extra)
    tgt_code = [(b.start, b.loose_key) for b in tgt_cells]
    bodies = {b.loose_key: b.body for b in [*_code_cells(source, extra), *tgt_cells]}
    out += _sequence_diff("code", src_code, tgt_code, lambda k: _short(bodies.get(k, k)))
    for kind, fn in (("equation", _equations), ("reference", _roles), ("mark", _marks), ("figure", _figures)):
        out += _multiset_diff(kind, _collect(fn(source, extra)), _collect(fn(translated, extra)))
    out += _sequence_diff("tab", _tabs(source, extra), _tabs(translated, extra))
    out += _sequence_diff("toc", _toc_entries(source), _toc_entries(translated))
    return sorted(out, key=lambda v: (v.line, v.kind, v.message))
