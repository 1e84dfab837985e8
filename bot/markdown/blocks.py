"""The D2L markdown dialect as a lossless sequence of blocks.

A *block* is what a translator works on: a heading, a prose paragraph, a list, a code cell, a ``$$``
equation, a figure, a table, a ``:begin_tab:`` region, a toc, a blockquote, raw HTML. The boundaries
follow the hand-checked gold (``shared/gold/README.md``) because every later step (alignment, diff,
sync) compares files by these line spans:

* a block is a maximal run of non-blank lines, except that blank lines do not end a block inside a
  fenced code cell, a ``$$ … $$`` equation or a ``:begin_tab:`` … ``:end_tab:`` region;
* mark lines (``:label:``, ``:width:``, ``:height:``, ``:eqlabel:``) belong to the block above them,
  even when a blank line separates them;
* a fence or a heading never shares a block with prose (CommonMark lets both interrupt a paragraph).

markdown-it-py gives the CommonMark structure (lists, tables, blockquotes, HTML, paragraphs) that
names each block's kind; the D2L constructs (code tabs, marks, figures, tab regions, toc, captions)
sit on top. ``parse(text).render() == text`` byte for byte: blank lines between blocks are kept as
separators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from markdown_it import MarkdownIt

from bot.markdown.keys import code_key, loose_code_key, prose_key
from bot.markdown.limits import TooLargeError, check_limits
from bot.markdown.lines import split_lines
from bot.messages import clip


class Kind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST = "list"
    CODE = "code"
    MATH = "math"
    FIGURE = "figure"
    TABLE = "table"
    TAB = "tab"
    TOC = "toc"
    BLOCKQUOTE = "blockquote"
    HTML = "html"
    OTHER = "other"


#: Kinds whose text a translator rewrites (the rest is copied or merged, never sent to an engine).
PROSE_KINDS = frozenset({Kind.HEADING, Kind.PARAGRAPH, Kind.LIST, Kind.BLOCKQUOTE, Kind.TABLE})

MARK_RE = re.compile(r"^\s*:(label|width|height|eqlabel):`([^`]*)`\s*$")
FENCE_RE = re.compile(r"^(\s{0,3})(`{3,}|~{3,})\s*(.*?)\s*$")
TAB_DIRECTIVE_RE = re.compile(r"^\s*(?:#\s*@tab|%%tab)\s+([\w, ]+?)\s*$")
BEGIN_TAB_RE = re.compile(r"^\s*:begin_tab:`([^`]*)`\s*$")
END_TAB_RE = re.compile(r"^\s*:end_tab:\s*$")
HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:\s|$)")
FIGURE_RE = re.compile(r"^\s*!\[.*\]\(.*\)\s*$")
CAPTION_RE = re.compile(r"^\s*:Caption\b")
DISCUSSION_RE = re.compile(r"^\s*\[(?:Discussions|讨论|~~.*~~)\]\(.*\)\s*$|^\s*\[~~.*~~\]\s*$")


class MarkdownError(ValueError):
    """The text is not valid D2L markdown (an unclosed construct). ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        message = clip(message, 200)  # the message quotes the input, which can be huge
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.reason = message


@dataclass(frozen=True)
class Mark:
    """A mark line such as ``:label:`sec_x``` that belongs to the block above it."""

    name: str
    value: str
    line: int


@dataclass(frozen=True)
class Block:
    """One block: its exact source ``text`` (every line with its line ending) and 1-based line span."""

    kind: Kind
    text: str
    start: int
    end: int
    info: str = ""
    tabs: tuple[str, ...] = ()
    level: int = 0
    marks: tuple[Mark, ...] = ()
    children: tuple[Block, ...] = ()

    @cached_property
    def key(self) -> str:
        """Identity of the block: prose ignores wrapping and whitespace runs; code is exact."""
        if self.kind in (Kind.CODE, Kind.TOC):
            return code_key(self.text)
        return prose_key(self.text)

    @cached_property
    def loose_key(self) -> str:
        """For code: ignores comments, string literals and layout (editions translate those)."""
        if self.kind in (Kind.CODE, Kind.TOC):
            return loose_code_key(self.body)
        return self.key

    @property
    def body(self) -> str:
        """The text without its mark lines (for code: without the fences)."""
        lines = self.text.splitlines()
        if ":`" in self.text:  # every mark line has one (most code cells have none: no per-line match then)
            lines = [ln for ln in lines if not MARK_RE.match(ln)]
        if self.kind in (Kind.CODE, Kind.TOC) and lines and FENCE_RE.match(lines[0]):
            lines = lines[1:-1] if len(lines) > 1 and FENCE_RE.match(lines[-1]) else lines[1:]
        return "\n".join(lines)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(m.value for m in self.marks if m.name in ("label", "eqlabel"))

    @property
    def is_prose(self) -> bool:
        return self.kind in PROSE_KINDS


@dataclass(frozen=True)
class Document:
    """Blocks plus the separators between them: ``seps[i]`` precedes ``blocks[i]``; one more trails."""

    blocks: tuple[Block, ...]
    seps: tuple[str, ...] = field(default=("",))
    #: 1-based lines whose unclosed ``$$`` a lenient parse read as text (``parse(text, lenient=True)``)
    unclosed_math: tuple[int, ...] = ()

    def render(self) -> str:
        out = []
        for sep, block in zip(self.seps, self.blocks, strict=False):
            out.append(sep)
            out.append(block.text)
        out.append(self.seps[len(self.blocks)])
        return "".join(out)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What a lenient parse read past, one ``line N: …`` each."""
        return tuple(f"line {n}: {_UNCLOSED_MATH}: read as text, not as an equation" for n in self.unclosed_math)

    def walk(self):
        """Every block, tab-region children included (depth first, document order)."""
        for b in self.blocks:
            yield b
            yield from _walk_children(b)


def _walk_children(block: Block):
    for c in block.children:
        yield c
        yield from _walk_children(c)


_MD = MarkdownIt("commonmark").enable("table")
_MD.disable("inline")  # block structure is all we need; inline parsing would double the cost


def parse(text: str, lenient: bool = False) -> Document:
    """Parse D2L markdown into a lossless ``Document``. Raises ``MarkdownError`` on unclosed constructs.

    ``lenient``: a ``$$`` that is never closed (a translator's slip: ``(** $x = 1.$$ **)``) does not open an
    equation; the paragraph around it ends at its blank line and ``Document.unclosed_math`` says so. Used for
    edition files, which the sync must not refuse for a typo it keeps as written.

    One markdown-it pass names the kinds of every block, tab-region children included: parsing each tab
    region again cost one more markdown-it run per region (1,128 runs for 248 files). A text over the input
    limits (``bot/markdown/limits.py``) is refused like broken markdown."""
    try:
        check_limits(text)
    except TooLargeError as e:
        raise MarkdownError(e.reason, e.line) from None
    lines = split_lines(text, keepends=True)
    ignored: set[int] = set()
    while True:
        try:
            spans = _split(lines, 0, frozenset(ignored))
            break
        except MarkdownError as e:
            if not lenient or e.reason != _UNCLOSED_MATH or e.line in ignored:
                raise
            ignored.add(e.line)
    kinds = _commonmark_kinds(text) if spans else {}
    doc = _document(lines, spans, 0, kinds, frozenset(ignored))
    return Document(doc.blocks, doc.seps, tuple(sorted(ignored))) if ignored else doc


_UNCLOSED_MATH = "`$$` equation is never closed"


def _document(lines: list[str], spans: list[tuple[int, int]], offset: int, kinds: dict[int, Kind],
              ignored: frozenset[int] = frozenset()) -> Document:
    """Blocks of ``lines`` (the file's lines from 0-based line ``offset`` on) cut at ``spans``."""
    blocks: list[Block] = []
    seps: list[str] = []
    pos = 0
    for s, e in spans:
        seps.append("".join(lines[pos:s]))
        blocks.append(_make_block(lines[s:e + 1], s + offset, kinds, ignored))
        pos = e + 1
    seps.append("".join(lines[pos:]))
    return Document(tuple(blocks), tuple(seps))


def _is_blank(line: str) -> bool:
    return not line.strip()


_INLINE_CODE = re.compile(r"`[^`]*`")


def _dollar_toggles(line: str) -> bool:
    return "$$" in line and _INLINE_CODE.sub("", line).count("$$") % 2 == 1


def _split(lines: list[str], offset: int, ignored: frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """Line spans (0-based, inclusive) of the blocks, following the gold block definition. ``ignored``: 1-based
    file lines whose ``$$`` does not open or close an equation."""
    spans: list[tuple[int, int]] = []
    n = len(lines)
    i = 0
    while i < n:
        if _is_blank(lines[i]):
            i += 1
            continue
        start = i
        i = _scan_block(lines, i, offset, ignored)
        end = i - 1
        # Mark lines after a blank line still belong to the block above.
        j = i
        while j < n and _is_blank(lines[j]):
            j += 1
        while j < n and MARK_RE.match(lines[j]) and j > i:
            k = j
            while k < n and MARK_RE.match(lines[k]):
                k += 1
            end = k - 1
            i = k
            j = i
            while j < n and _is_blank(lines[j]):
                j += 1
        spans.append((start, end))
    return spans


def _scan_block(lines: list[str], i: int, offset: int, ignored: frozenset[int]) -> int:
    """Index just past the block starting at ``i``."""
    n = len(lines)
    first = lines[i]
    if (m := FENCE_RE.match(first)) is not None:
        i = _skip_fence(lines, i, m, offset) + 1
        return _take_marks(lines, i)
    if HEADING_RE.match(first):
        return _take_marks(lines, i + 1)
    if BEGIN_TAB_RE.match(first):
        i = _skip_tab(lines, i, offset) + 1
        return _take_marks(lines, i)
    in_math = False
    start = math_start = i
    while i < n:
        line = lines[i]
        if not in_math:
            if _is_blank(line):
                break
            if i > start and (FENCE_RE.match(line) or HEADING_RE.match(line)):
                break
        if _dollar_toggles(line) and offset + i + 1 not in ignored:
            in_math = not in_math
            if in_math:
                math_start = i
        i += 1
    if in_math:
        raise MarkdownError(_UNCLOSED_MATH, offset + math_start + 1)
    return i


def _take_marks(lines: list[str], i: int) -> int:
    while i < len(lines) and MARK_RE.match(lines[i]):
        i += 1
    return i


def _skip_fence(lines: list[str], i: int, m: re.Match[str], offset: int) -> int:
    """Index of the closing fence of the fence opened at ``i``."""
    fence = m.group(2)
    char, width = fence[0], len(fence)
    for j in range(i + 1, len(lines)):
        stripped = lines[j].strip()
        if stripped and set(stripped) == {char} and len(stripped) >= width and lines[j][:4].strip():
            return j
    raise MarkdownError(f"code fence {fence} is never closed", offset + i + 1)


def _skip_tab(lines: list[str], i: int, offset: int) -> int:
    """Index of the ``:end_tab:`` closing the region opened at ``i`` (fences inside are skipped)."""
    j = i + 1
    while j < len(lines):
        line = lines[j]
        if END_TAB_RE.match(line):
            return j
        if BEGIN_TAB_RE.match(line):
            # d2lbook starts a new tab here, closing the open one (d2l-en's d2l.md relies on it).
            k = j - 1
            while _is_blank(lines[k]):
                k -= 1
            return k
        if (m := FENCE_RE.match(line)) is not None:
            j = _skip_fence(lines, j, m, offset)
        j += 1
    raise MarkdownError("`:begin_tab:` without `:end_tab:`", offset + i + 1)


_KIND_OF_TOKEN = {
    "heading_open": Kind.HEADING,
    "paragraph_open": Kind.PARAGRAPH,
    "bullet_list_open": Kind.LIST,
    "ordered_list_open": Kind.LIST,
    "blockquote_open": Kind.BLOCKQUOTE,
    "table_open": Kind.TABLE,
    "html_block": Kind.HTML,
    "fence": Kind.CODE,
    "code_block": Kind.PARAGRAPH,
    "hr": Kind.OTHER,
}


def _commonmark_kinds(text: str) -> dict[int, Kind]:
    """CommonMark kind of the first top-level token starting on each line (0-based), for the whole file.

    Inside a ``:begin_tab:`` region markdown-it sees the same lines at top level, so the kinds of the
    region's children come from this one pass too (a child glued to the ``:begin_tab:`` line has no token
    of its own and falls back to ``paragraph``, which is what a separate parse of the region says)."""
    kinds: dict[int, Kind] = {}
    if "\r" in text:  # markdown-it also ends a line at a lone \r; git and our line numbers do not
        text = re.sub(r"\r(?!\n)", " ", text)
    for tok in _MD.parse(text):
        if tok.level != 0 or tok.map is None:
            continue
        line = tok.map[0]
        if line not in kinds and tok.type in _KIND_OF_TOKEN:
            kinds[line] = _KIND_OF_TOKEN[tok.type]
    return kinds


def _make_block(lines: list[str], line0: int, kinds: dict[int, Kind], ignored: frozenset[int] = frozenset()) -> Block:
    """The block made of ``lines``, which start at 0-based file line ``line0``."""
    text = "".join(lines)
    start = line0 + 1
    end = start + len(lines) - 1
    cm_kind = kinds.get(line0)
    marks = tuple(Mark(m.group(1), m.group(2), start + k)
                  for k, ln in enumerate(lines) if (m := MARK_RE.match(ln)) is not None)
    first = lines[0]
    if (m := FENCE_RE.match(first)) is not None:
        info = m.group(3)
        if info.strip() == "toc":
            return Block(Kind.TOC, text, start, end, info=info, marks=marks)
        body_first = lines[1] if len(lines) > 2 else ""
        tm = TAB_DIRECTIVE_RE.match(body_first)
        tabs = tuple(t.strip() for t in tm.group(1).split(",") if t.strip()) if tm else ()
        return Block(Kind.CODE, text, start, end, info=info, tabs=tabs, marks=marks)
    if (m := BEGIN_TAB_RE.match(first)) is not None:
        tabs = tuple(t.strip() for t in m.group(1).split(",") if t.strip())
        inner_end = len(lines) - 1 if END_TAB_RE.match(lines[-1]) else len(lines)
        inner_lines = lines[1:inner_end]
        inner = _document(inner_lines, _split(inner_lines, start, ignored), start, kinds, ignored)
        return Block(Kind.TAB, text, start, end, info=m.group(1), tabs=tabs, marks=marks,
                     children=inner.blocks)
    if (m := HEADING_RE.match(first)) is not None:
        return Block(Kind.HEADING, text, start, end, level=len(m.group(1)), marks=marks)
    if first.lstrip().startswith("$$"):
        return Block(Kind.MATH, text, start, end, marks=marks)
    if FIGURE_RE.match(first):
        return Block(Kind.FIGURE, text, start, end, marks=marks)
    if CAPTION_RE.match(first):
        return Block(Kind.TABLE, text, start, end, marks=marks)
    if DISCUSSION_RE.match(first) and len(lines) - len(marks) == 1:
        return Block(Kind.OTHER, text, start, end, marks=marks)
    return Block(cm_kind or Kind.PARAGRAPH, text, start, end, marks=marks)
