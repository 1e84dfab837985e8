"""Block diff from the origin English (what the edition was translated from) to the new English.

Each new block is classified against the origin: ``unchanged`` (byte-identical), ``cosmetic`` (only
whitespace, re-wrapping or trailing spaces differ: nothing to translate), ``markers`` (only slide markers,
and maybe whitespace, differ: nothing to translate, the markers are carried onto the translation),
``trivial`` (casing, punctuation, enumerator style, contractions, function words -- see
``bot.sync.trivial`` -- or typo fixes with each word at most two edits away: nothing to translate; a typo
fix, never a casing fix, is applied where the word appears verbatim in the translation; so are the same words
in another notation, ``MXNet NP`` -> `` `mxnet.np` ``, ``$100$`` -> ``100``, ``codepaths`` -> ``code paths``, and
formulas whose ``\\mathrm`` became ``\\textrm``; a changed number is never a typo),
``modified``
(with a word diff; a change that only adds or removes d2l directive lines such as ``:label:`x``` at the end
of a block, the rest trivial, is ``trivial``: the lines are carried by ``bot.sync.markup``), ``inserted``,
``moved`` (identical text found elsewhere in the origin); origin blocks
with no new counterpart are ``deleted``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from bot.markdown.blocks import Block, Document, Kind
from bot.sync.encoding import repairs
from bot.sync.markers import strip_markers
from bot.sync.markup import strip_mark_lines
from bot.sync.trivial import VERBATIM, font_fixes, is_trivial, notation_fixes, replaced_tokens
from bot.translate.tm import english_diff

_SLIDE = re.compile(r"[\[(](?:\*\*|~~)|(?:\*\*|~~)[\])]")
_WS = re.compile(r"\s+")
_DIGITS = re.compile(r"\D")
MODIFIED_MIN_SIMILARITY = 40.0


@dataclass(frozen=True)
class Change:
    """``op`` for origin block ``old`` (index or None) and new block ``new`` (index or None)."""

    op: str
    old: int | None
    new: int | None
    word_diff: str = ""
    fixes: tuple[tuple[str, str], ...] = ()


def cosmetic_key(block: Block) -> str:
    """What a reader of the translation would notice: no whitespace, no slide markers."""
    if block.kind in (Kind.CODE, Kind.TOC):
        return "\n".join(ln.rstrip() for ln in block.text.rstrip().splitlines())
    return _WS.sub("", _SLIDE.sub("", block.text))


def word_fixes(old: str, new: str) -> tuple[tuple[str, str], ...] | None:
    """The word replacements of a *trivial* change (typos, casing: each word at most 2 edits away), or
    ``None`` when the change says something new and must be translated."""
    pairs = replaced_tokens(old.split(), new.split())
    if pairs is None:
        return None
    for x, y in pairs:
        if x.lower() != y.lower() and (Levenshtein.distance(x, y) > 2 or min(len(x), len(y)) < 4):
            return None
        if VERBATIM.findall(x) != VERBATIM.findall(y):
            return None  # a link target, code span or formula changed: a fix to carry verbatim, not a typo
        if _DIGITS.sub("", x) != _DIGITS.sub("", y):
            return None  # a number changed (0.1 -> 0.05): content, carried verbatim by the plan, not a typo
    return tuple(pairs)


def classify(o: Block, n: Block) -> tuple[str, tuple[tuple[str, str], ...]]:
    if o.text == n.text:
        return "unchanged", ()
    if o.kind != n.kind:
        return "modified", ()
    if o.kind in (Kind.CODE, Kind.TOC):
        return ("cosmetic" if cosmetic_key(o) == cosmetic_key(n) else "modified"), ()
    if _WS.sub("", o.text) == _WS.sub("", n.text):
        return "cosmetic", ()
    if _WS.sub("", strip_markers(o.text)) == _WS.sub("", strip_markers(n.text)):
        return "markers", ()
    if o.kind == Kind.MATH:
        return "modified", ()
    a, b = strip_mark_lines(o.text), strip_mark_lines(n.text)
    if a != o.text or b != n.text:
        if _WS.sub("", a) == _WS.sub("", b):
            return "trivial", ()
        if a.strip() and is_trivial(a, b):
            return "trivial", repairs(replaced_tokens(a.split(), b.split()) or [])
    if is_trivial(o.text, n.text):
        return "trivial", repairs(replaced_tokens(o.text.split(), n.text.split()) or [])
    fixes = word_fixes(strip_markers(o.text), strip_markers(n.text))
    if fixes:
        return "trivial", fixes
    notation = notation_fixes(strip_markers(o.text), strip_markers(n.text))
    if notation is not None:
        return "trivial", notation
    fonts = font_fixes(strip_markers(o.text), strip_markers(n.text))
    if fonts is not None:
        return "trivial", fonts
    return "modified", ()


Pairing = list[tuple[int | None, int | None]]


def _pairable(o: Block, w: Block) -> bool:
    """Same kind, and for code cells, a framework in common: upstream's PyTorch cell rewritten into a TensorFlow
    one is a deletion and an insertion (the edition's PyTorch cell must not turn into a second TensorFlow cell);
    so is an MXNet cell (no ``#@tab`` line) rewritten into a JAX one (d2l-pt gru.md to master)."""
    if o.kind != w.kind:
        return False
    if o.kind != Kind.CODE or not (o.tabs or w.tabs):
        return True
    a, b = set(o.tabs or ("mxnet",)), set(w.tabs or ("mxnet",))  # a cell without ``#@tab`` runs for mxnet
    return "all" in a | b or bool(a & b)


def _pair_region(old: Document, new: Document, i1: int, i2: int, j1: int, j2: int) -> Pairing:
    """Monotone best pairing of a replaced region by kind and similarity (DP, small regions)."""
    n, m = i2 - i1, j2 - j1
    if n == m and all(_pairable(old.blocks[i1 + k], new.blocks[j1 + k]) for k in range(n)):
        return [(i1 + k, j1 + k) for k in range(n)]  # rewritten in place, however much
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            o, w = old.blocks[i1 + a], new.blocks[j1 + b]
            sim = ratio(o.key, w.key) if _pairable(o, w) else 0.0
            take = score[a + 1][b + 1] + sim if sim >= MODIFIED_MIN_SIMILARITY else -1.0
            score[a][b] = max(take, score[a + 1][b], score[a][b + 1])
    out: Pairing = []
    a = b = 0
    while a < n or b < m:
        if a < n and b < m:
            o, w = old.blocks[i1 + a], new.blocks[j1 + b]
            sim = ratio(o.key, w.key) if _pairable(o, w) else 0.0
            if sim >= MODIFIED_MIN_SIMILARITY and score[a][b] == score[a + 1][b + 1] + sim:
                out.append((i1 + a, j1 + b))
                a, b = a + 1, b + 1
                continue
        if a < n and (b >= m or score[a][b] == score[a + 1][b]):
            out.append((i1 + a, None))
            a += 1
        else:
            out.append((None, j1 + b))
            b += 1
    return out


def pairing(old: Document, new: Document, keys_old: list[str] | None = None,
            keys_new: list[str] | None = None) -> Pairing:
    """Old and new blocks paired in order (``None`` on the side a block is missing from), not yet classified."""
    keys_old = keys_old if keys_old is not None else [cosmetic_key(b) for b in old.blocks]
    keys_new = keys_new if keys_new is not None else [cosmetic_key(b) for b in new.blocks]
    raw: Pairing = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=keys_old, b=keys_new, autojunk=False).get_opcodes():
        if op == "equal":
            raw += [(i1 + k, j1 + k) for k in range(i2 - i1)]
        else:
            raw += _pair_region(old, new, i1, i2, j1, j2)
    return raw


def diff_blocks(old: Document, new: Document) -> list[Change]:
    """Changes in new-document order; deletions sit where the deleted block was."""
    keys_old = [cosmetic_key(b) for b in old.blocks]
    keys_new = [cosmetic_key(b) for b in new.blocks]
    raw = pairing(old, new, keys_old, keys_new)
    deleted = {i: k for k, (i, j) in enumerate(raw) if j is None}
    by_key = {}
    for i in deleted:
        by_key.setdefault(keys_old[i], []).append(i)
    changes: list[Change] = []
    moved_from: set[int] = set()
    for i, j in raw:
        if i is not None and j is not None:
            o, n = old.blocks[i], new.blocks[j]
            op, fixes = classify(o, n)
            word_diff = english_diff(o.text, n.text) if op in ("modified", "trivial") else ""
            changes.append(Change(op, i, j, word_diff, fixes))
        elif j is not None:
            src = by_key.get(keys_new[j])
            if src:
                i = src.pop(0)
                moved_from.add(i)
                changes.append(Change("moved", i, j))
            else:
                changes.append(Change("inserted", None, j))
        else:
            changes.append(Change("deleted", i, None))
    return [c for c in changes if not (c.op == "deleted" and c.old in moved_from)]
