"""Per-language post-edit rules for translated D2L prose.

Why this exists: raw machine translation breaks an edition's typography in the same few ways every
time. In d2l-zh the human post-editors removed thousands of spaces around Chinese text, repaired
``* 术语 *`` emphasis that no longer renders, turned ASCII brackets into ``（）`` and dropped trailing
blanks. These rules do that mechanical part, so reviewers spend their time on meaning, and
``violations`` counts what is left for the PR notes.

How it stays safe:

* A rule never sees protected markup. Before the rules run, every code fence, ``$$…$$``, inline code,
  ``$…$`` (pandoc's rules: no space just inside the dollars), role (``:numref:`x```), link target,
  autolink/HTML tag, bare URL, backslash escape, HTML entity and slide-marker bracket is replaced by
  one private-use character, and put back at the end. Protected spans therefore come out byte-identical.
* A rule returns *hits*: where a violation is and, only when the fix cannot change how the markdown
  renders, the replacement. ``violations`` reports every hit; ``postedit`` applies the safe ones.
  Removing a space next to ``*`` is checked against CommonMark's flanking rules; spaces next to a
  literal ``$``, ``_``, ``~``, ``\\`` or a bare URL are never removed.
* Line-start structure (indentation, list markers, ``#``, ``>``) and table cells are left alone.

Rules are plain data in a per-language registry (``RULES``): a language gets the common rules
(trailing spaces, double spaces, broken emphasis, a role glued to a word) plus its own. zh adds the
spacing and punctuation rules of d2l-zh's ``STYLE_GUIDE.md``; adding ja or ko is one entry built from
the same pieces: ``cjk_spacing_rules(lang, is_cjk, label)`` builds the spacing rules for any script
from its character test.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType

__all__ = [
    "COMMON_RULES",
    "ZH_RULES",
    "Block",
    "Hit",
    "Rule",
    "RULES",
    "Violation",
    "cjk_spacing_rules",
    "document_violations",
    "postedit",
    "postedit_document",
    "protected_spans",
    "rules_for",
    "split_blocks",
    "violations",
]


# --------------------------------------------------------------------------------------------------
# Public data types


@dataclass(frozen=True)
class Violation:
    """One place where ``text`` breaks ``rule``. ``line`` and ``column`` are 1-based (column counts
    characters). ``fixable`` says whether the rule can fix it safely in the text as it stands; a space
    next to broken emphasis is not, until the emphasis rule has repaired it (``postedit`` runs the
    rules to a fixed point, so what it leaves is exactly what needs a human)."""

    rule: str
    line: int
    column: int
    excerpt: str
    fixable: bool

    def __str__(self) -> str:
        fix = "" if self.fixable else " (not fixable as is)"
        return f"{self.line}:{self.column}: {self.rule}{fix}: {self.excerpt!r}"


@dataclass(frozen=True)
class Hit:
    """A rule's finding in masked text: ``text[start:end]`` should become ``replacement``; ``None``
    means the fix would not be safe, so the hit is only reported."""

    start: int
    end: int
    replacement: str | None


@dataclass(frozen=True)
class Rule:
    """A named check over masked text. ``find`` is pure: masked block in, hits out."""

    name: str
    summary: str
    find: Callable[[str], list[Hit]]


@dataclass(frozen=True)
class Block:
    """A blank-line separated piece of a markdown file. ``kind`` is ``prose``, ``code`` (a fenced
    cell) or ``math`` (a ``$$`` equation); ``start``/``end`` are character offsets into the file
    (``end`` excludes the last line's newline); ``line`` is the 1-based first line."""

    kind: str
    start: int
    end: int
    line: int
    text: str


# --------------------------------------------------------------------------------------------------
# Masking: protected markup becomes one private-use character each (plane 15, never in real text)


class _Kind(IntEnum):
    CODE = 0  # inline code
    MATH = 1  # $…$
    REF = 2  # inline reference roles that need a space before them (:numref:, :cite:, …)
    MARK = 3  # other roles (:label:, :width:, :begin_tab:, …)
    LINK = 4  # link targets "(url)", autolinks, HTML tags
    BARE = 5  # bare URLs (GFM autolinks need whitespace before them)
    OTHER = 6  # fences, $$…$$, backslash escapes, HTML entities, slide-marker brackets


_PUA0 = 0xF0000
_SLOTS = 0x2000  # masks per kind per block
_PUA_END = _PUA0 + len(_Kind) * _SLOTS
_PUA_RE = re.compile(f"[{chr(_PUA0)}-{chr(0xFFFFD)}]")

#: Roles that reference something inline; d2l-zh wants one ASCII space before them.
REF_ROLES = frozenset({"numref", "ref", "eqref", "cite", "citet", "citep"})

_CJK_IN_URL = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u201c\u201d"
# Order matters: at one position the first alternative wins (a role beats inline code, code beats math).
_SCAN_PATTERNS: list[tuple[str, str]] = [
    ("fence", r"^[ \t]*(?P<fc>`{3,}|~{3,})[^\n]*(?:\n(?![ \t]*(?P=fc)[`~]*[ \t]*(?:\n|\Z))[^\n]*)*"
              r"(?:\n[ \t]*(?P=fc)[`~]*[ \t]*(?=\n|\Z))?"),
    ("dmath", r"(?<![\\$])\$\$[\s\S]+?\$\$"),
    ("role", r":(?P<rname>[A-Za-z][\w-]*):`[^`\n]*`"),
    ("code", r"(?<!`)(?P<bt>`+)(?!`)[\s\S]*?(?<!`)(?P=bt)(?!`)"),
    # pandoc's tex_math_dollars: non-space right after the opening and before the closing dollar,
    # closing dollar not followed by a digit. d2lbook renders through pandoc, so this is the truth.
    ("math", r"(?<![\\$])\$(?=[^\s$])(?:\\[\s\S]|[^$\\])*?(?<=\S)\$(?!\d)"),
    ("link", r"(?<=\])\((?:[^()\s]|\([^()\s]*\))*(?:[ \t]+\"[^\"\n]*\")?\)"),
    ("html", r"<(?:https?://|mailto:)[^<>\s]+>|<!--[\s\S]*?-->|</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>"),
    ("bare", rf"https?://[^\s<>()\[\]{_CJK_IN_URL}]*[^\s<>()\[\].,;:!?'\"{_CJK_IN_URL}]"),
    ("esc", r"\\[!-/:-@\[-`{-~]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);"),
]
_SCAN_RE = re.compile("|".join(f"(?P<{n}>{p})" for n, p in _SCAN_PATTERNS), re.M)
_SCAN_KIND = {"fence": _Kind.OTHER, "dmath": _Kind.OTHER, "code": _Kind.CODE, "math": _Kind.MATH,
              "link": _Kind.LINK, "html": _Kind.LINK, "bare": _Kind.BARE, "esc": _Kind.OTHER}
# Slide markers [**…**], (**…**), [~~…~~], (~~…~~): only the brackets are markup, the words are prose.
_SLIDE_RES = [re.compile(rf"(?P<o>{o}(?P<d>\*\*|~~))(?=\S)(?P<body>(?:(?!\n[ \t]*\n)[\s\S])*?)(?<=\S)"
                         rf"(?P<c>(?P=d){c})") for o, c in ((r"\[", r"\]"), (r"\(", r"\)"))]


class _Overflow(Exception):
    pass


@dataclass(frozen=True)
class _Masked:
    text: str
    originals: Mapping[str, str]

    def unmask(self, text: str) -> str:
        return _PUA_RE.sub(lambda m: self.originals[m.group()], text)

    def original_offsets(self, text: str) -> list[int]:
        """Offset in the unmasked text of every masked index (plus the end)."""
        out, pos = [], 0
        for ch in text:
            out.append(pos)
            pos += len(self.originals[ch]) if ch in self.originals else 1
        out.append(pos)
        return out


def _mask(text: str) -> _Masked | None:
    """Mask the protected spans of ``text``; ``None`` if that is impossible (the text already holds
    plane-15 private-use characters, or more than 8192 spans of one kind)."""
    if _PUA_RE.search(text):
        return None
    counters = [0] * len(_Kind)
    originals: dict[str, str] = {}

    def put(kind: _Kind, original: str) -> str:
        n = counters[kind]
        if n >= _SLOTS:
            raise _Overflow
        counters[kind] = n + 1
        ch = chr(_PUA0 + kind * _SLOTS + n)
        originals[ch] = original
        return ch

    def scan(m: re.Match[str]) -> str:
        name = m.lastgroup or ""
        if name == "role":
            kind = _Kind.REF if m.group("rname") in REF_ROLES else _Kind.MARK
        else:
            kind = _SCAN_KIND[name]
        return put(kind, m.group())

    def slide(m: re.Match[str]) -> str:
        return put(_Kind.OTHER, m.group("o")) + m.group("body") + put(_Kind.OTHER, m.group("c"))

    try:
        masked = _SCAN_RE.sub(scan, text)
        for rx in _SLIDE_RES:
            masked = rx.sub(slide, masked)
    except _Overflow:
        return None
    return _Masked(masked, MappingProxyType(originals))


def _kind(ch: str) -> _Kind | None:
    o = ord(ch) if len(ch) == 1 else 0
    return _Kind((o - _PUA0) // _SLOTS) if _PUA0 <= o < _PUA_END else None


def protected_spans(text: str) -> list[str]:
    """The protected markup of ``text`` in order (what ``postedit`` never changes). Slide-marker
    brackets are included; their words are not."""
    masked = _mask(text)
    if masked is None:
        return [text]
    return [masked.originals[ch] for ch in _PUA_RE.findall(masked.text)]


# --------------------------------------------------------------------------------------------------
# Character classes


def _is_han(ch: str) -> bool:
    o = ord(ch) if len(ch) == 1 else 0
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3040 <= o <= 0x30FF or 0xF900 <= o <= 0xFAFF
            or 0x2E80 <= o <= 0x2FDF or 0x3100 <= o <= 0x31FF or 0x20000 <= o <= 0x2FA1F)


def _is_zh(ch: str) -> bool:
    """Chinese text for spacing purposes: Han, CJK and full-width punctuation, Chinese quotes."""
    if _is_han(ch):
        return True
    o = ord(ch) if len(ch) == 1 else 0
    return 0x3001 <= o <= 0x303F or 0xFF01 <= o <= 0xFF65 or o in (0x201C, 0x201D)


_SPACES = " \t\u3000"


def _is_ws(ch: str) -> bool:
    return ch == "" or ch.isspace()


def _is_punct(ch: str) -> bool:
    """CommonMark's punctuation (P* and S*); a mask counts because every protected span starts and
    ends with punctuation (`` ` ``, ``$``, ``:``, ``)``, ``>``)."""
    if ch == "":
        return False
    return _kind(ch) is not None or unicodedata.category(ch)[0] in "PS"


# --------------------------------------------------------------------------------------------------
# Line structure helpers (on masked text)

_PREFIX_RE = re.compile(r"[ \t]*(?:>[ \t]*)*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+|#{1,6}(?:[ \t]+|$))?", re.M)


def _prefix_ends(text: str) -> list[tuple[int, int]]:
    """(line start, end of the line's structural prefix) for every line, in order."""
    out, pos = [], 0
    while True:
        m = _PREFIX_RE.match(text, pos)
        out.append((pos, m.end() if m else pos))
        nl = text.find("\n", pos)
        if nl < 0:
            return out
        pos = nl + 1


class _Lines:
    """Answers "where does this line's prose start" and "is this a table row" for one masked text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = _prefix_ends(text)
        self.starts = [s for s, _ in self.spans]

    def _index(self, pos: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def prefix_end(self, pos: int) -> int:
        return self.spans[self._index(pos)][1]

    def is_table(self, pos: int) -> bool:
        start = self.starts[self._index(pos)]
        return self.text[start:start + 200].lstrip(" \t").startswith("|")


_RUN_RE = re.compile(f"[{_SPACES}]+")


def _inner_runs(text: str, lines: _Lines) -> Iterator[tuple[int, int, str, str]]:
    """Whitespace runs inside a line's prose: not leading, not in the prefix, not trailing, not in a
    table row.
    Yields (start, end, char before, char after)."""
    for m in _RUN_RE.finditer(text):
        a, b = m.span()
        if a == 0 or b >= len(text) or text[a - 1] == "\n" or text[b] == "\n":
            continue
        if a < lines.prefix_end(a) or lines.is_table(a):
            continue  # line-start structure; table cells keep their alignment
        yield a, b, text[a - 1], text[b]


# --------------------------------------------------------------------------------------------------
# Emphasis (CommonMark flanking) helpers


def _flanking(text: str, start: int, end: int) -> tuple[bool, bool]:
    """(left-flanking, right-flanking) of the delimiter run ``text[start:end]``."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    left = not _is_ws(after) and (not _is_punct(after) or _is_ws(before) or _is_punct(before))
    right = not _is_ws(before) and (not _is_punct(before) or _is_ws(after) or _is_punct(after))
    return left, right


def _star_run(text: str, pos: int) -> tuple[int, int]:
    a = b = pos
    while a > 0 and text[a - 1] == "*":
        a -= 1
    while b < len(text) and text[b] == "*":
        b += 1
    return a, b


def _keeps_flanking(before: tuple[bool, bool], after: tuple[bool, bool]) -> bool:
    """An opener must stay an opener, a closer a closer, and a literal ``*`` must stay literal."""
    if before[0] and not after[0]:
        return False
    if before[1] and not after[1]:
        return False
    return any(before) or not any(after)


_NEVER_TOUCH = frozenset("_~$\\")


def _removal_safe(text: str, start: int, end: int) -> bool:
    """Can the whitespace ``text[start:end]`` be deleted without changing how the line renders?"""
    left, right = text[start - 1], text[end]
    if left in _NEVER_TOUCH or right in _NEVER_TOUCH or _kind(right) is _Kind.BARE:
        return False
    if _kind(left) is _Kind.MATH or _kind(right) is _Kind.MATH:
        # pandoc pairs dollars left to right: with a stray "$" in the block, a dollar that gains a
        # non-space neighbour can start closing math that was literal text before.
        if "$" in text:
            return False
    if "*" not in (left, right):
        return True
    new = text[:start] + text[end:]
    shift = end - start
    if left == "*":
        a, b = _star_run(text, start - 1)
        if not _keeps_flanking(_flanking(text, a, b), _flanking(new, a, b)):
            return False
    if right == "*":
        a, b = _star_run(text, end)
        if not _keeps_flanking(_flanking(text, a, b), _flanking(new, a - shift, b - shift)):
            return False
    return True


# --------------------------------------------------------------------------------------------------
# Common rules (every language)

_TRAILING_RE = re.compile(f"[{_SPACES}]+(?=\n|\\Z)")


def _trailing_space(text: str) -> list[Hit]:
    return [Hit(m.start(), m.end(), "") for m in _TRAILING_RE.finditer(text)]


def _double_space_rule(skip: Callable[[str, int, int], bool]) -> Callable[[str], list[Hit]]:
    def find(text: str) -> list[Hit]:
        lines = _Lines(text)
        hits = []
        for a, b, left, right in _inner_runs(text, lines):
            if b - a < 2 or "|" in (left, right) or skip(text, a, b):
                continue
            hits.append(Hit(a, b, " "))
        return hits

    return find


def _role_glued(text: str) -> list[Hit]:
    """A role glued to a word (``word:numref:`x```) is not parsed as a role."""
    return [Hit(i, i, " ") for i, ch in enumerate(text)
            if i > 0 and _kind(ch) is _Kind.REF and text[i - 1].isalnum() and _kind(text[i - 1]) is None]


_STAR_RE = re.compile(r"\*+")


def _emphasis_space(text: str) -> list[Hit]:
    """``* term *`` / ``** term**``: spaces just inside emphasis stop it from rendering. Delimiter runs
    are paired in order (per length); a block with an odd count or a ``***`` run is left alone."""
    lines = _Lines(text)
    runs: dict[int, list[tuple[int, int]]] = {1: [], 2: []}
    for m in _STAR_RE.finditer(text):
        if m.start() < lines.prefix_end(m.start()):
            continue  # a list marker
        n = m.end() - m.start()
        if n > 2:
            return []
        runs[n].append(m.span())
    hits = []
    for spans in runs.values():
        if len(spans) % 2:
            continue
        for (oa, ob), (ca, cb) in zip(spans[0::2], spans[1::2], strict=True):
            content = text[ob:ca]
            inner = content.strip(" \t")
            if inner == content or not inner or "\n\n" in content:
                continue
            letters = sum(c.isalpha() and _kind(c) is None for c in inner)
            if not (any(_is_han(c) for c in inner) or letters >= 2):
                continue  # "2 * x * 3" is arithmetic, not emphasis
            fixed = text[oa:ob] + inner + text[ca:cb]
            new = text[:oa] + fixed + text[cb:]
            new_ca = oa + len(fixed) - (cb - ca)
            ok = _flanking(new, oa, ob)[0] and _flanking(new, new_ca, new_ca + cb - ca)[1]
            if "$" in text and _Kind.MATH in (_kind(inner[0]), _kind(inner[-1])):
                ok = False  # see _removal_safe: a stray "$" makes dollar neighbours matter
            hits.append(Hit(oa, cb, fixed if ok else None))
    return hits


TRAILING_SPACE = Rule("trailing-space", "no spaces or tabs at the end of a line", _trailing_space)
EMPHASIS_SPACE = Rule("emphasis-space", "no space just inside *emphasis* or **bold** (it stops rendering)",
                      _emphasis_space)
ROLE_GLUED = Rule("role-glued", "a :numref:/:cite: role needs whitespace before it when it follows a word",
                  _role_glued)
DOUBLE_SPACE = Rule("double-space", "one space between words, not two or more",
                    _double_space_rule(lambda text, a, b: False))

COMMON_RULES: tuple[Rule, ...] = (EMPHASIS_SPACE, ROLE_GLUED, DOUBLE_SPACE, TRAILING_SPACE)


# --------------------------------------------------------------------------------------------------
# CJK spacing (zh now; ja/ko later with their own character test)


def _space_class(left: str, right: str, is_cjk: Callable[[str], bool]) -> str | None:
    """Which spacing rule owns a run between ``left`` and ``right``; None if none does."""
    if left in "|,;:.?!" or right == "|" or _kind(right) is _Kind.REF:
        # Table cells; the space after ASCII punctuation the zh-punct rule kept ("(批量大小, 词数)"
        # wants it, "$x$: 集合" is a notation list); the role rule's run.
        return None
    lc, rc = is_cjk(left), is_cjk(right)
    if not (lc or rc):
        return None
    if lc and rc:
        return "other"
    other = right if lc else left
    kind = _kind(other)
    if kind is _Kind.MATH:
        return "math"
    if kind is _Kind.CODE:
        return "code"
    if kind is _Kind.REF:
        return "role"  # ":numref:`x` 中": the guide wants one space before a role, none after
    if "0" <= other <= "9":
        return "number"
    if kind is None and other.isalpha():
        return "latin"
    return "other"


def cjk_spacing_rules(lang: str, is_cjk: Callable[[str], bool], label: str) -> tuple[Rule, ...]:
    """The no-space-around-``label``-text rules (``{lang}-space-latin``, ``-number``, ``-math``,
    ``-code``, ``-role``, ``-other``) for a script whose characters ``is_cjk`` recognises, plus the
    double-space rule that leaves their runs to them. A role keeps the one space before it."""

    def skip(text: str, a: int, b: int) -> bool:
        return _space_class(text[a - 1], text[b], is_cjk) is not None or _kind(text[b]) is _Kind.REF

    def make(cls: str, what: str) -> Rule:
        def find(text: str) -> list[Hit]:
            lines = _Lines(text)
            return [Hit(a, b, "" if _removal_safe(text, a, b) else None)
                    for a, b, left, right in _inner_runs(text, lines)
                    if _space_class(left, right, is_cjk) == cls]

        return Rule(f"{lang}-space-{cls}", f"no space between {label} and {what}", find)

    return (make("latin", "Latin text"), make("number", "numbers"), make("math", "inline math"),
            make("code", "inline code"), make("role", "a :numref:/:cite: role before it"),
            make("other", f"other {label} text, punctuation, emphasis marks or links"),
            Rule(DOUBLE_SPACE.name, DOUBLE_SPACE.summary, _double_space_rule(skip)))


def _role_space(text: str) -> list[Hit]:
    """d2l-zh: exactly one ASCII space before a role that does not start the line ("否则网页不渲染")."""
    lines = _Lines(text)
    hits = []
    for p, ch in enumerate(text):
        if _kind(ch) is not _Kind.REF:
            continue
        q = p
        while q > 0 and text[q - 1] in _SPACES:
            q -= 1
        if q <= lines.prefix_end(p) or (q > 0 and text[q - 1] == "\n"):
            continue
        if text[q:p] != " ":
            hits.append(Hit(q, p, " "))
    return hits


# --------------------------------------------------------------------------------------------------
# zh punctuation

_PAREN_RE = re.compile(r"\(([^()\n]*)\)")


def _nearest(text: str, pos: int, step: int) -> str:
    """The first character from ``pos`` in direction ``step`` that is not a space or an emphasis mark."""
    while 0 <= pos < len(text) and (text[pos] in _SPACES or text[pos] == "*"):
        pos += step
    return text[pos] if 0 <= pos < len(text) else ""


def _zh_paren(text: str) -> list[Hit]:
    """ASCII ``( )`` in Chinese prose become ``（ ）``; shapes such as ``(批量大小, 词数)`` (a comma
    inside), calls ``f(x)``, slide markers and broken links ``] (url)`` stay ASCII, as the guide says."""
    hits = []
    for m in _PAREN_RE.finditer(text):
        a, b = m.span()
        content = m.group(1)
        inner = content.strip(_SPACES)
        if not inner or "," in content or "://" in content or inner[:2] in ("**", "~~"):
            continue
        before = text[a - 1] if a > 0 else ""
        if before and (before.isalnum() and not _is_zh(before) or before == "_" or _kind(before) is not None):
            continue
        left, right = _nearest(text, a - 1, -1), _nearest(text, b, 1)
        if left == "]":
            continue
        if _is_zh(left) or _is_zh(right) or any(_is_han(c) for c in content):
            hits.append(Hit(a, b, f"（{content}）"))
    return hits


def _zh_quote(text: str) -> list[Hit]:
    """ASCII ``"…"`` around Chinese text become ``“…”`` (paired per line; odd counts are left alone)."""
    hits = []
    pos = 0
    for line in text.split("\n"):
        quotes = [pos + i for i, c in enumerate(line) if c == '"']
        if len(quotes) % 2 == 0:
            for a, b in zip(quotes[0::2], quotes[1::2], strict=True):
                content = text[a + 1:b]
                if any(_is_han(c) for c in content):
                    hits.append(Hit(a, b + 1, f"“{content}”"))
        pos += len(line) + 1
    return hits


_ZH_PUNCT = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。"}
_PUNCT_RE = re.compile(r"(?<!\.)([,;:?!]|\.(?!\.))(?P<next>[ \t\u3000]*)")


def _zh_punct(text: str) -> list[Hit]:
    """ASCII ``, ; : ? ! .`` in Chinese prose become full-width after a Han character (when a space,
    Chinese or the line end follows); ``,`` and ``;`` also between any word and Chinese text
    (``张量`K`, 以验证``). Inside ASCII parentheses they stay: shapes keep ASCII commas."""
    hits = []
    depth_at: list[int] = []
    depth = 0
    for c in text:
        depth_at.append(depth)
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        elif c == "\n":
            depth = 0
    for m in _PUNCT_RE.finditer(text):
        a, b = m.start(), m.end()
        if a == 0 or depth_at[a] or text[a - 1] in _SPACES or text[a - 1] == "\n":
            continue
        after = text[b] if b < len(text) else "\n"
        if _is_han(text[a - 1]):
            if not (m.group("next") or after == "\n" or _is_han(after)):
                continue  # "中.md", "中:x"
        elif m.group(1) not in ",;" or not _is_han(after) or text[a - 1] in ".:,;":
            continue  # "$x$: 集合" (notation lists), "（12,）" and "“:”" stay as they are
        hits.append(Hit(a, a + 1, _ZH_PUNCT[m.group(1)]))
    return hits


ZH_RULES: tuple[Rule, ...] = (
    EMPHASIS_SPACE,
    Rule("zh-paren", "full-width （） around Chinese text (shapes keep ASCII)", _zh_paren),
    Rule("zh-quote", "Chinese quotes “” instead of ASCII \" around Chinese text", _zh_quote),
    Rule("zh-punct", "full-width ，；：？！。 after Chinese text", _zh_punct),
    Rule("zh-role-space", "exactly one ASCII space before a :numref:/:cite:/:eqref: not at line start",
         _role_space),
    *cjk_spacing_rules("zh", _is_zh, "Chinese"),
    TRAILING_SPACE,
)

#: The rules of each edition language, applied in this order by ``postedit``.
RULES: Mapping[str, tuple[Rule, ...]] = MappingProxyType({
    "zh": ZH_RULES,
    # ja/ko: the common rules until their style is decided; then e.g.
    # "ja": (EMPHASIS_SPACE, *cjk_spacing_rules("ja", <kana/kanji test>, "Japanese"), TRAILING_SPACE).
    "ja": COMMON_RULES,
    "ko": COMMON_RULES,
    "tr": COMMON_RULES,
    "vi": COMMON_RULES,
    "pt": COMMON_RULES,
    "en": COMMON_RULES,
})


def rules_for(lang: str) -> tuple[Rule, ...]:
    """The rules for ``lang`` (an edition language code such as ``zh``)."""
    try:
        return RULES[lang]
    except KeyError:
        known = ", ".join(sorted(RULES))
        raise ValueError(f"no post-edit rules for language {lang!r}; known: {known}") from None


# --------------------------------------------------------------------------------------------------
# Entry points


def _apply(text: str, hits: list[Hit]) -> str:
    out, pos = [], 0
    for h in sorted(hits, key=lambda h: (h.start, h.end)):
        if h.replacement is None or h.start < pos:
            continue
        out.append(text[pos:h.start])
        out.append(h.replacement)
        pos = h.end
    out.append(text[pos:])
    return "".join(out)


_MAX_PASSES = 4


def postedit(text: str, lang: str) -> str:
    """Apply ``lang``'s safe fixes to one translated markdown block (prose; may span lines).

    Rules run in registry order and the whole sequence repeats until nothing changes (a fix can
    expose another, e.g. ``中 ,`` becomes ``中,`` and then ``中，``; at most four passes, which the
    whole d2l-zh corpus never needs), so the result is idempotent.
    Text that cannot be masked is returned unchanged (fail closed).
    """
    rules = rules_for(lang)
    masked = _mask(text)
    if masked is None:
        return text
    current = masked.text
    for _ in range(_MAX_PASSES):
        before = current
        for rule in rules:
            current = _apply(current, rule.find(current))
        if current == before:
            break
    return masked.unmask(current)


def violations(text: str, lang: str) -> list[Violation]:
    """Every place ``text`` breaks one of ``lang``'s rules, in rule order then position.

    Each rule looks at ``text`` as it is (not after the other rules' fixes), so the counts say what a
    human reviewer would find. Text that cannot be masked (see ``postedit``) reports nothing."""
    masked = _mask(text)
    if masked is None:
        return []
    offsets = masked.original_offsets(masked.text)
    out = []
    for rule in rules_for(lang):
        for h in rule.find(masked.text):
            fixable = h.replacement is not None
            out.append(_violation(rule.name, text, offsets[h.start], offsets[h.end], fixable))
    return out


def _violation(rule: str, text: str, start: int, end: int, fixable: bool) -> Violation:
    line_start = text.rfind("\n", 0, start) + 1
    line = text.count("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    lo, hi = max(line_start, start - 12), min(line_end, max(end, start) + 12)
    return Violation(rule, line, start - line_start + 1, text[lo:hi], fixable)


# --------------------------------------------------------------------------------------------------
# Whole files

_FENCE_OPEN_RE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_DMATH_OPEN_RE = re.compile(r"[ \t]*\$\$")


def split_blocks(doc: str) -> list[Block]:
    """Split a markdown file into blocks at blank lines, keeping each fenced code cell and each
    ``$$`` equation whole (blank lines inside them do not split, and a fence or an equation that starts
    a line ends the prose before it)."""
    lines = doc.splitlines(keepends=True)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln))
    blocks: list[Block] = []

    def emit(kind: str, first: int, last: int) -> None:
        end = offsets[last + 1]
        while end > offsets[first] and doc[end - 1] in "\r\n":
            end -= 1
        blocks.append(Block(kind, offsets[first], end, first + 1, doc[offsets[first]:end]))

    i, prose_start = 0, None
    while i < len(lines):
        ln = lines[i]
        fence = _FENCE_OPEN_RE.match(ln)
        dmath = _DMATH_OPEN_RE.match(ln)
        if not ln.strip() or fence or dmath:
            if prose_start is not None:
                emit("prose", prose_start, i - 1)
                prose_start = None
        if fence:
            mark = fence.group(1)
            close = re.compile(rf"[ \t]*{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$")
            j = i + 1
            while j < len(lines) and not close.match(lines[j].rstrip("\r\n")):
                j += 1
            last = min(j, len(lines) - 1)
            emit("code", i, last)
            i = last + 1
            continue
        if dmath:
            j = i
            rest = ln[dmath.end():]
            while "$$" not in rest and j + 1 < len(lines):
                j += 1
                rest = lines[j]
            emit("math", i, j)
            i = j + 1
            continue
        if ln.strip() and prose_start is None:
            prose_start = i
        i += 1
    if prose_start is not None:
        emit("prose", prose_start, len(lines) - 1)
    return blocks


def postedit_document(doc: str, lang: str) -> str:
    """``postedit`` every prose block of a markdown file; code cells, equations and the blank lines
    between blocks are copied byte for byte."""
    out, pos = [], 0
    for b in split_blocks(doc):
        if b.kind != "prose":
            continue
        out.append(doc[pos:b.start])
        out.append(postedit(b.text, lang))
        pos = b.end
    out.append(doc[pos:])
    return "".join(out)


def document_violations(doc: str, lang: str) -> list[Violation]:
    """``violations`` of every prose block of a file, with file line numbers."""
    out = []
    for b in split_blocks(doc):
        if b.kind == "prose":
            out.extend(Violation(v.rule, v.line + b.line - 1, v.column, v.excerpt, v.fixable)
                       for v in violations(b.text, lang))
    return out
