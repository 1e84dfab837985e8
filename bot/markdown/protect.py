"""Inline protection: what an engine may translate and what it must hand back untouched.

``protect(text)`` replaces every piece of markup inside prose with a placeholder ``⟦n⟧`` and keeps the
map back; ``restore(translation, segment)`` puts the markup back and fails closed. Protected: inline
code, ``$…$``, embedded ``$$…$$``, roles (``:numref:`x```, ``:cite:`a,b```, …), mark lines, link and
image targets (their text stays translatable), raw HTML and entities, bare URLs, slide markers
``[**…**]``/``(**…**)``/``[~~…~~]``/``(~~…~~)`` (the markers; the words inside are translated), and the
line-start structure of headings, lists, quotes and tables.

Placeholders come in two flavours. *Free* ones (code, math, roles) may move: a Chinese sentence puts
``$x$`` elsewhere than English does, so a move is reported as a warning. *Ordered* ones (line-start
structure, the open/close halves of links and slide markers) must keep their relative order, or the
markdown would be broken: that is an error, like a lost, duplicated or unknown placeholder.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.markdown.blocks import Block
from bot.markdown.htmlseg import PLACEHOLDER_RE, from_html, to_html

__all__ = ["Segment", "RestoreError", "protect", "restore", "placeholder_problems", "to_html", "from_html"]

OPEN, CLOSE = "⟦", "⟧"

# Order matters: earlier alternatives win where they overlap. Every alternative fails in bounded time or
# stops at the next opener of its kind, so ``protect`` is linear in the text (a run of N backticks cost
# O(N^2) when the opening run could be any length; a run of unclosed ``<!--`` likewise).
_PATTERNS: list[tuple[str, str]] = [
    ("mark", r"^[ \t]*:(?:label|width|height|eqlabel):`[^`]*`[ \t]*$|:end_tab:"),
    ("struct", r"^[ \t]*(?:#{1,6}[ \t]+|[*+-][ \t]+|\d+\.[ \t]+|>[ \t]?|:Caption[ \t]*)"),
    ("table", r"^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+[ \t]*(?::?-{3,}:?[ \t]*)?$|\|"),
    ("math", r"\$\$[\s\S]+?\$\$"),
    ("code", r"(?P<bt>`{1,16})[^`][\s\S]*?(?P=bt)"),  # no real code span opens with more than 16 backticks
    ("role", r":[A-Za-z][\w-]*:`[^`]*`"),
    ("math", r"(?<![\\$])\$(?!\$)(?:\\.|[^$\\\n]|\n(?![ \t]*\n))+?\$"),
    ("html", r"<!--(?:(?!<!--)[\s\S])*?-->|</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>"),
    ("entity", r"&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]\w*);"),
    ("slide-open", r"[\[(](?:\*\*|~~)(?=\S)"),
    ("slide-close", r"(?<=\S)(?:\*\*|~~)[\])](?!\()"),
    ("image-open", r"!\["),
    ("link-close", r"\]\((?:[^()\s]|\([^()\s]*\))*\)"),
    ("link-open", r"\[(?=[^\[\]]*\]\()"),
    ("url", r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]*[A-Za-z0-9_~/#=%&-]"),  # ASCII only: CJK text may follow
    ("literal", r"[⟦⟧]"),
]
_TOKEN_RE = re.compile("|".join(f"(?P<k{i}>{p})" for i, (_, p) in enumerate(_PATTERNS)), re.M)
_KINDS = [k for k, _ in _PATTERNS]
ORDERED_KINDS = frozenset({"mark", "struct", "table", "slide-open", "slide-close", "image-open", "link-open",
                           "link-close"})


@dataclass(frozen=True)
class Segment:
    """Text with placeholders and the map back. ``originals[n]`` is the markup behind ``⟦n⟧``."""

    text: str
    originals: tuple[str, ...]
    kinds: tuple[str, ...]
    source: str

    @property
    def html(self) -> str:
        """The HTML rendering for Amazon Translate: placeholders as ``translate="no"`` spans."""
        return to_html(self.text, self.originals)

    @property
    def translatable(self) -> str:
        """The words an engine works on (placeholders removed): what a paid engine bills for."""
        return PLACEHOLDER_RE.sub("", self.text)


class RestoreError(ValueError):
    """A translation cannot be put back without damaging the markup; ``problems`` says exactly why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def protect(block: Block | str) -> Segment:
    """Protect the markup of a prose block (or any prose text)."""
    text = block.text if isinstance(block, Block) else block
    originals: list[str] = []
    kinds: list[str] = []

    def _sub(m: re.Match[str]) -> str:
        kind = _KINDS[int(m.lastgroup[1:])] if m.lastgroup else "literal"
        originals.append(m.group(0))
        kinds.append(kind)
        return f"{OPEN}{len(originals) - 1}{CLOSE}"

    masked = _TOKEN_RE.sub(_sub, text)
    return Segment(masked, tuple(originals), tuple(kinds), text)


def placeholder_problems(translated: str, segment: Segment) -> tuple[list[str], list[str]]:
    """(errors, warnings) of a translation's placeholders against its segment."""
    errors: list[str] = []
    found = [int(m.group(1)) for m in PLACEHOLDER_RE.finditer(translated)]
    counts = Counter(found)
    n = len(segment.originals)
    for i in range(n):
        if counts[i] == 0:
            errors.append(f"placeholder ⟦{i}⟧ ({segment.kinds[i]} {segment.originals[i]!r}) is missing")
        elif counts[i] > 1:
            errors.append(f"placeholder ⟦{i}⟧ ({segment.kinds[i]} {segment.originals[i]!r}) appears "
                          f"{counts[i]} times")
    for i in sorted(set(found)):
        if i >= n:
            errors.append(f"placeholder ⟦{i}⟧ does not exist in the source (altered?)")
    stray = PLACEHOLDER_RE.sub("", translated)
    if OPEN in stray or CLOSE in stray:
        at = min(p for p in (stray.find(OPEN), stray.find(CLOSE)) if p >= 0)
        errors.append(f"altered placeholder near {stray[max(0, at - 10):at + 10]!r}")
    warnings: list[str] = []
    if not errors:
        ordered = [i for i in found if segment.kinds[i] in ORDERED_KINDS]
        if ordered != sorted(ordered):
            errors.append("structural markup out of order: " + " ".join(f"⟦{i}⟧" for i in ordered))
        if found != sorted(found):
            moved = [f"⟦{i}⟧" for k, i in enumerate(found) if k > 0 and i < found[k - 1]]
            warnings.append("placeholders reordered: " + ", ".join(moved) + " moved earlier")
    return errors, warnings


def restore(translated: str, segment: Segment) -> str:
    """Put the markup back. Raises ``RestoreError`` (never returns a damaged text)."""
    errors, _ = placeholder_problems(translated, segment)
    if errors:
        raise RestoreError(errors)
    return PLACEHOLDER_RE.sub(lambda m: segment.originals[int(m.group(1))], translated)
