"""Block alignment of an English document with its translation.

Editions do not copy the English structure exactly: d2l-zh adds PaddlePaddle cells and tab regions,
translates code comments, merges or splits a few paragraphs. So alignment works in two steps:

1. *anchors*: blocks whose signature is unique on both sides and identical (labels and eqlabels, code
   cells by their comment-free key, equations, figure targets, tab regions by framework, headings by
   level and label). The longest monotone chain of them cuts the documents into small gaps;
2. a monotone dynamic program inside each gap, scored on kind, a CJK-aware length ratio, shared invariant
   tokens (numbers, inline math, inline code, roles, URLs) and the edition's terminology, with the
   relations 1-1, 1-2, 2-1, 1-0 and 0-1. Blocks of the edition's extra frameworks cost almost nothing to
   leave unpaired.

Every pair carries a score in [0, 1]; pairs under ``LOW_CONFIDENCE`` are flagged, never hidden.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.fuzz import ratio

from bot.align.lexicon import (
    Lexicon,
    WordProfile,
    default_lexicon,
    en_units,
    profile_explained,
    profile_overlap,
    tgt_units,
)
from bot.align.sentalign import _empty_counter
from bot.align.units import PAIRED_KINDS, block_sentences
from bot.markdown.blocks import Block, Document, Kind
from bot.markdown.keys import loose_code_key

LOW_CONFIDENCE = 0.5
#: One CJK character carries about as much as this many characters of English (measured on the gold
#: pairs of the shared corpus: English prose characters / Chinese prose characters, whitespace excluded = 2.36).
CJK_WEIGHT = 2.4
SKIP_COST = 0.75
EXTRA_SKIP_COST = 0.02
MERGE_PENALTY = 0.12
#: Weights of the evidence in ``similarity``: length, shared invariant tokens, lexical overlap (see
#: ``bot/align/lexicon.py``). A lexical overlap of ``LEX_FLOOR`` or less counts as 0, ``LEX_FULL`` or more as 1.
W_LEN, W_TOK, W_LEX = 0.4, 0.6, 0.6
LEX_FLOOR, LEX_FULL = 0.2, 0.7

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
#: Numbers use ASCII boundaries: in Chinese a number is glued to Han characters ("5.000分"), which are \w too.
#: The number's look-behind sits after its first digit (``\d(?<![…]\d)``: the same matches) so that every branch
#: starts with a character class and the regex engine can skip to candidate characters (2x faster).
_TOKEN = re.compile(r"\$[^$\n]+\$|`[^`\n]+`|:\w+:`[^`]*`|https?://\S+|\d(?<![A-Za-z0-9_.]\d)\d*(?:\.\d+)?(?![A-Za-z0-9_])")
_CJK_RUN = re.compile(_CJK.pattern + "+")
_WS = re.compile(r"\s+")
#: A forum link alone, or in a framework tab: d2l's "[Discussions](https://discuss.d2l.ai/t/N)" (any label).
_DISCUSSION = re.compile(r"^\s*(?::begin_tab:`[^`]*`\s*)?\[[^\]]+\]\(https?://discuss\.d2l\.ai/t/\d+\)\s*"
                         r"(?::end_tab:)?\s*$")
_PROSE = {Kind.PARAGRAPH, Kind.LIST, Kind.BLOCKQUOTE, Kind.HEADING, Kind.TABLE, Kind.OTHER}
#: A name a code cell defines: ``def f(`` / ``class C`` at the start of a line (any indentation).
_DEFINES = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.M)
#: A display equation wrapped in a d2l slide marker, ``(**$$…$$**)`` or ``[**$$…$$**]``: the parser sees a
#: paragraph, but it is the equation (the English has the bare ``$$`` block).
_SLIDE_EQUATION = re.compile(r"^\s*[(\[]\*\*\s*(\$\$.*\$\$)\s*\*\*[)\]]\s*$", re.DOTALL)


#: ``P(pair is right | similarity s) = 1 / (1 + exp(-(a + b·s)))``, fitted by logistic regression on the gold's
#: 1-1 pairs against their neighbour-shifted impostors (``bot.align.gold.contrast_points``; refit and checked
#: leave-chapter-out in ``benchmarks/bench_align.py``). With word evidence and without it (other editions).
CALIBRATION_WORDS = (-9.085, 23.39)
CALIBRATION_NO_WORDS = (-4.733, 12.895)


def calibrated(s: float, words: bool) -> float:
    """The probability that a pair of similarity ``s`` is right (see ``CALIBRATION_WORDS``)."""
    a, b = CALIBRATION_WORDS if words else CALIBRATION_NO_WORDS
    return round(1.0 / (1.0 + math.exp(-(a + b * s))), 3)


@dataclass(frozen=True)
class BlockPair:
    """Source blocks ``src`` (indices) rendered by translated blocks ``tgt``; either may be empty.

    ``score`` is the similarity the aligner maximised (0..1; 1.0 for anchors and unpaired blocks).
    ``confidence`` is the calibrated probability that the pair is right (held-out reliability in the README);
    a pair under ``LOW_CONFIDENCE`` is ``low_confidence``: a caller should not splice through it."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float
    confidence: float = 1.0

    @property
    def relation(self) -> str:
        return f"{len(self.src)}-{len(self.tgt)}"

    @property
    def low_confidence(self) -> bool:
        return bool(self.src) and bool(self.tgt) and self.confidence < LOW_CONFIDENCE


@dataclass(frozen=True)
class Alignment:
    source: Document
    translated: Document
    pairs: tuple[BlockPair, ...]

    def counterpart(self, src_index: int) -> BlockPair | None:
        """The pair that holds source block ``src_index``."""
        for p in self.pairs:
            if src_index in p.src:
                return p
        return None

    def src_blocks(self, pair: BlockPair) -> list[Block]:
        return [self.source.blocks[i] for i in pair.src]

    def tgt_blocks(self, pair: BlockPair) -> list[Block]:
        return [self.translated.blocks[i] for i in pair.tgt]


@dataclass(slots=True)  # not frozen: a frozen init costs 5x more, and there is one per block
class _Feat:
    kind: Kind
    length: float
    tokens: Counter
    code: str
    tabs: tuple[str, ...]
    level: int
    extra: bool
    signature: str | None
    words: frozenset[str] = frozenset()
    discussion: bool = False
    #: ``words`` as the lexicon sees them (known words and their translations), when ``_features`` had it
    profile: WordProfile | None = None
    #: the names a code cell defines (``def``/``class``), in order: evidence for per-framework code groups
    defines: tuple[str, ...] = ()

    def word_profile(self, lexicon: Lexicon, is_src: bool) -> WordProfile:
        return self.profile if self.profile is not None else lexicon.profile(self.words, is_src)


def weighted_length(text: str) -> float:
    """Characters, with CJK characters weighted so English and Chinese lengths are comparable."""
    cjk = 0 if text.isascii() else sum(map(len, _CJK_RUN.findall(text)))
    return cjk * CJK_WEIGHT + len("".join(text.split())) - cjk  # str.split() and re's \s agree on whitespace


def _tokens(text: str, term_ids: Iterable[str]) -> Counter:
    toks = Counter("".join(t.split()) for t in _TOKEN.findall(text))
    if term_ids:  # no terms in a build: skip the empty update
        toks.update(f"term:{t}" for t in term_ids)
    return toks


def _kind_and_body(b: Block) -> tuple[Kind, str]:
    """The block's kind and body for alignment: a slide-marked equation paragraph counts as the equation."""
    body = b.body  # a property that re-reads the lines: once
    if b.kind == Kind.PARAGRAPH and "$$" in body:
        m = _SLIDE_EQUATION.match(body)
        if m:
            return Kind.MATH, m.group(1)
    return b.kind, body


def _signature(b: Block, kind_and_body: tuple[Kind, str] | None = None, code: str | None = None) -> str | None:
    if b.labels:
        return "label:" + ",".join(b.labels)
    if b.kind == Kind.CODE:
        return "code:" + (b.loose_key if code is None else code)
    kind, body = kind_and_body or _kind_and_body(b)
    if kind == Kind.MATH:
        return "math:" + _WS.sub("", body)
    if b.kind == Kind.FIGURE:
        m = re.search(r"\]\(([^)\s]+)", b.text)
        return "fig:" + (m.group(1) if m else b.key)
    return None


def _features(doc: Document, extra: frozenset[str], terms: Mapping[str, str], side: int,
              lexical: bool | Lexicon = False, code_keys: dict[str, str] | None = None) -> list[_Feat]:
    """Per-block features; ``lexical`` (True or the lexicon itself) adds the words, a lexicon also their
    profile (computed once here instead of once per candidate pair). With a lexicon, the words of a paired prose
    block (``bot/align/units.py``) are those of its units' sentences, each profiled once per text and read again by
    the sentence aligner (without: of its raw text; the two differ only where a line break splits a zh bigram).
    ``code_keys`` memoises the loose key of a code cell by its body (``Block.loose_key``): most cells of an
    edition are the English ones verbatim."""
    feats = []
    code_keys = {} if code_keys is None else code_keys
    units = en_units if side == 0 else tgt_units
    lexicon = lexical if isinstance(lexical, Lexicon) else None
    for b in doc.blocks:
        text = b.text
        if not terms:
            term_ids: list[str] = []
        elif side == 0:
            low = text.lower()
            term_ids = [en for en in terms if en in low]
        else:
            term_ids = [en for en, tr in terms.items() if tr and tr in text]
        kind, body = _kind_and_body(b)
        code = ""
        if b.kind in (Kind.CODE, Kind.TOC):  # ``b.loose_key`` (its body is ``body``), once per distinct body
            code = code_keys.get(body)
            if code is None:
                code = code_keys[body] = loose_code_key(body)
        profile = None
        if lexicon is not None and kind in PAIRED_KINDS:  # the union of its sentences' (see ``bot/align/units.py``)
            found = [lexicon.text_profile(s, side == 0) for s in block_sentences(b, "en" if side == 0 else "zh")]
            if len(found) == 1:
                words, profile = found[0]
            else:
                words = frozenset().union(*(w for w, _ in found))
                profile = WordProfile().union(*(p for _, p in found))
        elif lexical and (kind in _PROSE or kind == Kind.TAB):
            words = units(text)
        else:
            words = frozenset()
        feats.append(_Feat(
            kind=kind,
            # code is compared by its key, never by length (similarity returns first; never a group part)
            length=0.0 if kind in (Kind.CODE, Kind.TOC) else weighted_length(body if b.kind != Kind.TAB else text),
            tokens=_tokens(text, term_ids) if kind in _PROSE or kind == Kind.TAB else _empty_counter(Counter),
            code=code,
            tabs=b.tabs,
            level=b.level,
            extra=bool(b.tabs) and all(t in extra for t in b.tabs),
            signature=_signature(b, (kind, body), code),
            words=words,
            discussion=bool(_DISCUSSION.match(text)),
            profile=profile if profile is not None or lexicon is None else lexicon.profile(words, side == 0),
            defines=tuple(_DEFINES.findall(body)) if b.kind == Kind.CODE else (),
        ))
    return feats


def _len_sim(a: float, b: float) -> float:
    if a <= 0 or b <= 0:
        return 1.0 if a == b else 0.2
    return math.exp(-abs(math.log(a / b)) * 1.5)


def _tok_sim(a: Counter, b: Counter) -> float | None:
    """Weighted Jaccard of two token multisets: ``|a & b| / |a | b|`` (counts are positive, so the union is
    ``|a| + |b| - |a & b|``; summed without building the two Counters)."""
    if not a and not b:
        return None
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    inter = sum(min(count, get(token, 0)) for token, count in a.items())
    union = sum(a.values()) + sum(b.values()) - inter
    return inter / union if union else None


def _merge(feats: list[_Feat]) -> _Feat:
    if len(feats) == 1:
        return feats[0]
    tokens: Counter = Counter()
    for f in feats:
        tokens.update(f.tokens)
    f0 = feats[0]
    length = sum(f.length for f in feats if f.kind != Kind.MATH)
    profiles = [f.profile for f in feats]
    profile = None if None in profiles else WordProfile().union(*profiles)
    return _Feat(f0.kind, length, tokens, "", f0.tabs, f0.level, False, None,
                 frozenset().union(*(f.words for f in feats)), all(f.discussion for f in feats), profile)


def _kind_sim(a: Kind, b: Kind) -> float:
    if a == b:
        return 1.0
    if {a, b} <= {Kind.PARAGRAPH, Kind.LIST, Kind.BLOCKQUOTE}:
        return 0.6
    if {a, b} <= {Kind.PARAGRAPH, Kind.OTHER, Kind.TAB}:
        return 0.4
    return 0.0


def similarity(a: _Feat, b: _Feat, lexicon: Lexicon | None = None) -> float:
    """How plausible it is that ``b`` translates ``a`` (0..1)."""
    if a.discussion and b.discussion and Kind.TAB in (a.kind, b.kind) and a.kind != b.kind:
        return 0.9  # the forum link and the edition's per-framework forum tabs: same role, different threads
    k = _kind_sim(a.kind, b.kind)
    if k == 0.0:
        return 0.0
    if a.kind in (Kind.CODE, Kind.TOC) and b.kind == a.kind:
        if a.code == b.code:
            return 1.0
        tab_bonus = 0.1 if a.tabs == b.tabs else -0.1
        return max(0.0, min(1.0, ratio(a.code, b.code) / 100 + tab_bonus))
    if a.kind == Kind.HEADING and b.kind == Kind.HEADING and a.level != b.level:
        k *= 0.5
    if a.kind == Kind.TAB and b.kind == Kind.TAB:
        k *= 1.0 if a.tabs == b.tabs else 0.3
    ls = _len_sim(a.length, b.length)
    ts = _tok_sim(a.tokens, b.tokens)
    lx = (profile_overlap(a.word_profile(lexicon, True), b.word_profile(lexicon, False))
          if lexicon is not None and a.words and b.words else None)
    parts = [(W_LEN, ls)]
    if ts is not None:
        parts.append((W_TOK, ts))
    if lx is not None:
        parts.append((W_LEX, min(1.0, max(0.0, (lx - LEX_FLOOR) / (LEX_FULL - LEX_FLOOR)))))
    s = sum(w * v for w, v in parts) / sum(w for w, _ in parts)
    if a.signature and a.signature == b.signature:
        s = max(s, 0.95)
    return k * s


def _anchors(src: list[_Feat], tgt: list[_Feat]) -> list[tuple[int, int]]:
    """Longest monotone chain of blocks whose signature is unique and equal on both sides."""
    def unique(feats: list[_Feat]) -> dict[str, int]:
        seen = Counter(f.signature for f in feats if f.signature)
        return {f.signature: i for i, f in enumerate(feats) if f.signature and seen[f.signature] == 1}

    us, ut = unique(src), unique(tgt)
    cands = sorted((i, ut[s]) for s, i in us.items() if s in ut and src[i].kind == tgt[ut[s]].kind)
    # Longest increasing subsequence on the target index (patience sorting, O(n log n)).
    tails: list[int] = []
    tails_idx: list[int] = []
    prev: list[int] = [-1] * len(cands)
    for k, (_, j) in enumerate(cands):
        pos = bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tails_idx.append(k)
        else:
            tails[pos] = j
            tails_idx[pos] = k
        prev[k] = tails_idx[pos - 1] if pos else -1
    chain = []
    k = tails_idx[-1] if tails_idx else -1
    while k >= 0:
        chain.append(cands[k])
        k = prev[k]
    return chain[::-1]


def _dp(src: list[_Feat], tgt: list[_Feat], si: range, tj: range, lexicon: Lexicon | None = None,
        mixed: bool = False, doc_tokens: tuple[AbstractSet[str], AbstractSet[str]] = (frozenset(), frozenset()),
        ) -> list[BlockPair]:
    """Minimum-cost monotone alignment of ``src[si]`` with ``tgt[tj]``."""
    n, m = len(si), len(tj)
    inf = float("inf")
    skip_tgt = [EXTRA_SKIP_COST if tgt[tj[j]].extra else SKIP_COST for j in range(m)]
    # Every move costs >= 0, so a path's cost only grows: a cell that already costs more than some complete
    # path (``bound``) is on no optimal path, and nothing it reaches can be either (its candidates there lose
    # strictly, so ties go as before). Such cells are not expanded: exact, and far off-diagonal cells of a long
    # gap (and their similarities and merge candidates) are never computed. The bound is the cheaper of two
    # complete paths, costed in the order the DP adds: the diagonal (pair k with k, or skip both when they
    # cannot pair, then skip the rest) and skipping everything.
    diagonal = {k: similarity(src[si[k]], tgt[tj[k]], lexicon) for k in range(min(n, m))}
    bound = 0.0
    for k, s in diagonal.items():
        bound = bound + (1.0 - s) if s > 0.0 else bound + SKIP_COST + skip_tgt[k]
    for _ in range(len(diagonal), n):
        bound = bound + SKIP_COST
    for j in range(len(diagonal), m):
        bound = bound + skip_tgt[j]
    skip_all = 0.0
    for _ in range(n):
        skip_all = skip_all + SKIP_COST
    for j in range(m):
        skip_all = skip_all + skip_tgt[j]
    bound = min(bound, skip_all)
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, float] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            c = cost[i][j]
            if c > bound:  # also inf: unreachable
                continue
            moves: list[tuple[int, int, float, float]] = []
            if i < n:
                moves.append((1, 0, SKIP_COST, 0.0))
            if j < m:
                moves.append((0, 1, skip_tgt[j], 0.0))
            if i < n and j < m:
                s = diagonal[i] if i == j else similarity(src[si[i]], tgt[tj[j]], lexicon)
                moves.append((1, 1, 1.0 - s, s))
                moves += _merge_moves(src, tgt, si, tj, i, j, lexicon, mixed, doc_tokens)
            for di, dj, mc, s in moves:
                if di and dj and s <= 0.0:
                    continue  # incompatible kinds are never paired: leaving them unpaired is honest
                if c + mc < cost[i + di][j + dj]:
                    cost[i + di][j + dj] = c + mc
                    back[i + di][j + dj] = (di, dj, s)
    pairs: list[BlockPair] = []
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None
        di, dj, s = step
        paired = bool(di and dj)
        pairs.append(BlockPair(tuple(si[i - di:i]), tuple(tj[j - dj:j]), round(s, 3) if paired else 1.0,
                               calibrated(s, lexicon is not None) if paired and s < 0.999 else 1.0))
        i, j = i - di, j - dj
    return pairs[::-1]


#: Kinds that may be part of a many-block group (a paragraph a translator split around a list, an equation
#: or into a framework tab). An equation is never at the ends of a group: it is the part the other side lacks.
_JOINABLE = {Kind.PARAGRAPH, Kind.LIST, Kind.BLOCKQUOTE, Kind.MATH, Kind.TAB}
MAX_GROUP = 4
#: A part of a many-block group must be explained by the other side: at least this share of its known words
#: (lexicon) must have a translation there. A merge is only chosen with evidence for every part.
PART_EVIDENCE = 0.3


def _part_explained(part: _Feat, other: _Feat, part_is_src: bool, lexicon: Lexicon | None,
                    other_doc: AbstractSet[str] = frozenset()) -> bool:
    """Is there evidence that ``part`` belongs with ``other``? Without a lexicon (or without known words) the
    shared invariant tokens decide, and a part with none is given the benefit of the doubt, as before.

    A part carrying a role (``:cite:``, ``:numref:`` …) that ``other`` lacks is not explained: the translator
    added it (a zh-only paragraph with its own citation). Inline math or code that ``other`` lacks says the same
    when ``other``'s document (``other_doc``: the tokens of all its blocks) has it elsewhere: the part translates
    that other block (a paragraph moved past a figure, ``beam-search``). Math found nowhere on the other side
    is the translator's own addition inside a translation (``convolutional-modern/index``: a zh list of the
    models that explains NiN with "$1\\times 1$"): then the words decide, and the part needs them. An inline code
    span the partner lacks always refuses: the block names code on its own (d2l-zh's zh-only slide blocks,
    "we can use `randn`", after the paragraph they sum up)."""
    if part.kind == Kind.MATH:
        return True
    shared = part.tokens.keys() & other.tokens.keys()
    if any(t[0] in "$`:" for t in shared):
        return True  # they share inline math, code or a role: the translator kept it, so it belongs here
    share = None
    if lexicon is not None and part.words and other.words:
        share = profile_explained(part.word_profile(lexicon, part_is_src), other.word_profile(lexicon, not part_is_src))
    own = [t for t in part.tokens if t[0] in "$`:"]  # none of them in ``other`` (``shared`` has none)
    if own and (share is None or any(t[0] in ":`" or t in other_doc for t in own)):
        return False  # it carries math, code or a role the other side lacks: it is not a translation of it
    if share is not None:
        return share >= PART_EVIDENCE
    if part.tokens and other.tokens:
        return bool(shared)
    return True


def _merge_moves(src: list[_Feat], tgt: list[_Feat], si: range, tj: range, i: int, j: int,
                 lexicon: Lexicon | None, mixed: bool = False,
                 doc_tokens: tuple[AbstractSet[str], AbstractSet[str]] = (frozenset(), frozenset()),
                 ) -> list[tuple[int, int, float, float]]:
    """1-n and n-1 moves at (i, j): one block rendered by 2..MAX_GROUP consecutive blocks of the other side.
    Without ``mixed`` the parts are prose (paragraph, list, blockquote) only. ``doc_tokens``: the invariant
    tokens of all source blocks and of all translated blocks (``_part_explained``)."""
    joinable = _JOINABLE if mixed else _JOINABLE - {Kind.MATH, Kind.TAB}
    moves: list[tuple[int, int, float, float]] = []
    for one, many, rng_one, rng_many, one_is_src in ((src, tgt, si, tj, True), (tgt, src, tj, si, False)):
        k0, k1 = (i, j) if one_is_src else (j, i)
        a = one[rng_one[k0]]
        if a.kind not in _PROSE and a.kind != Kind.TAB:
            continue
        parts: list[_Feat] = []
        explained: list[bool] = []  # _part_explained of parts[:len(explained)], each computed once
        for k in range(k1, min(k1 + MAX_GROUP, len(rng_many))):
            part = many[rng_many[k]]
            discussion = mixed and a.discussion and a.kind == Kind.OTHER and part.discussion and part.kind == Kind.TAB
            if not discussion:
                if part.extra or part.kind not in joinable:
                    break
                if (not parts or a.kind not in joinable) and _kind_sim(a.kind, part.kind) == 0:
                    break
            parts.append(part)
            if len(parts) < 2 or part.kind == Kind.MATH:
                continue
            if not discussion:
                while len(explained) < len(parts) and all(explained):
                    explained.append(_part_explained(parts[len(explained)], a, not one_is_src, lexicon,
                                                     doc_tokens[0 if one_is_src else 1]))
                if not all(explained):
                    break
            merged = _merge(parts)
            s = similarity(a, merged, lexicon) if one_is_src else similarity(merged, a, lexicon)
            n = len(parts)
            c = 1.0 - s + (0.0 if discussion else MERGE_PENALTY * (n - 1))
            moves.append((1, n, c, s) if one_is_src else (n, 1, c, s))
    return moves


#: d2l's framework of a code cell without a ``#@tab`` line.
DEFAULT_FRAMEWORK = "mxnet"
#: Each framework's version of a per-framework code group must reproduce at least this much of the one cell
#: (``rapidfuzz`` ratio of the loose keys): the editions adapt a framework's version (``indexing='ij'``, a PIL branch).
CODE_GROUP_MIN = 0.8


def doc_frameworks(feats: list[_Feat]) -> frozenset[str] | None:
    """The frameworks a document has code for (its ``#@tab`` names; a cell without one is d2l's default), or
    ``None`` when it names none (then ``#@tab all`` could mean any)."""
    named = {t for f in feats if f.kind in (Kind.CODE, Kind.TAB) for t in f.tabs if t != "all"}
    if not named:
        return None
    return frozenset(named | ({DEFAULT_FRAMEWORK} if any(f.kind == Kind.CODE and not f.tabs for f in feats)
                              else set()))


def _frameworks(f: _Feat, leave_out: frozenset[str], scope: frozenset[str] | None) -> frozenset[str] | None:
    """The frameworks a code cell is for, within ``scope`` and without ``leave_out``; ``None`` for ``#@tab all``
    in a document that names no framework."""
    if "all" in f.tabs:
        return None if scope is None else scope - leave_out
    own = frozenset(f.tabs or (DEFAULT_FRAMEWORK,)) - leave_out
    return own if scope is None else own & scope


def code_group_score(one: _Feat, parts: list[_Feat], extra: frozenset[str],
                     scope: frozenset[str] | None = None) -> float | None:
    """How well the consecutive code cells ``parts`` render the one code cell ``one`` on the other side, or
    ``None`` when they are not one cell split per framework or into pieces.

    d2l-zh splits an English ``#@tab all`` cell into per-framework cells (``#@tab mxnet, tensorflow`` and a
    ``#@tab pytorch`` variant) or into one cell per function, some per framework (``optimization/gd``:
    ``train_2d`` for three frameworks, then ``show_trace_2d`` twice). So each framework the parts name reads its
    own version, the concatenation of the parts it runs; every version must reproduce ``one`` (loose keys,
    ``CODE_GROUP_MIN``). Evidence beyond that similarity is required, never length: the versions define exactly
    the names ``one`` defines, or one version is ``one`` exactly; and each part is either a piece of ``one``'s
    code or defines only names ``one`` defines. ``scope`` is the frameworks of ``one``'s document: a cell for a
    framework that document lacks is the edition's own (``0-1``, like its PaddlePaddle cells), never a part."""
    mine = _frameworks(one, extra, scope)
    fws = [_frameworks(p, extra, scope) for p in parts]
    named = frozenset().union(*(f for f in fws if f is not None))
    if mine is not None and not named <= mine:
        return None  # a part for a framework the one cell is not for
    if not one.code or any(f is not None and not f for f in fws):
        return None
    for p in parts:
        if not (p.code and p.code in one.code) and not (p.defines and set(p.defines) <= set(one.defines)):
            return None  # a part with no evidence of its own
    scores, exact, same_names = [], False, bool(one.defines)
    for fw in sorted(named) or [None]:
        version = [p for p, f in zip(parts, fws, strict=True) if fw is None or f is None or fw in f]
        key = "".join(p.code for p in version)
        exact = exact or key == one.code
        scores.append(1.0 if key == one.code else ratio(one.code, key) / 100)
        same_names = same_names and Counter(n for p in version for n in p.defines) == Counter(one.defines)
    if min(scores) < CODE_GROUP_MIN or not (exact or same_names):
        return None
    return sum(scores) / len(scores)


def _free_code_run(many: list[_Feat], paired: set[int], at: int, step: int) -> list[int]:
    """The unpaired, non-extra code cells right next to cell ``at`` (before it for ``step`` -1, after for +1),
    nearest first, as many as a group can take."""
    run: list[int] = []
    x = at + step
    while len(run) < MAX_GROUP - 1 and 0 <= x < len(many) and x not in paired and many[x].kind == Kind.CODE \
            and not many[x].extra:
        run.append(x)
        x += step
    return run


def _best_code_group(one: _Feat, many: list[_Feat], paired: set[int], at: int, extra: frozenset[str],
                     scope: frozenset[str] | None) -> tuple[int, float, tuple[int, ...]] | None:
    """The widest valid group (then the best scored) of cell ``at`` of ``many`` with its free neighbours."""
    best: tuple[int, float, tuple[int, ...]] | None = None
    for lo in [at, *_free_code_run(many, paired, at, -1)]:
        for hi in [at, *_free_code_run(many, paired, at, 1)]:
            if lo == hi or hi - lo + 1 > MAX_GROUP:
                continue
            score = code_group_score(one, [many[x] for x in range(lo, hi + 1)], extra, scope)
            if score is not None and (best is None or (hi - lo + 1, score) > best[:2]):
                best = (hi - lo + 1, score, tuple(range(lo, hi + 1)))
    return best


def _code_groups(pairs: list[BlockPair], src: list[_Feat], tgt: list[_Feat], extra: frozenset[str],
                 lexicon: Lexicon | None) -> list[BlockPair]:
    """Widen a 1-1 code pair to a per-framework group (``code_group_score``) with the unpaired code cells right
    before or after its cell on one side: the cells the DP (or the anchors) left ``0-1`` / ``1-0`` next to the
    cell it paired. Either side may be the one cell."""
    paired = ({i for p in pairs if p.tgt for i in p.src}, {j for p in pairs if p.src for j in p.tgt})
    scopes = doc_frameworks(src), doc_frameworks(tgt)
    widened: dict[int, BlockPair] = {}
    taken: tuple[set[int], set[int]] = (set(), set())  # cells absorbed into a group, by side
    for k, p in enumerate(pairs):
        if p.relation != "1-1" or src[p.src[0]].kind != Kind.CODE or tgt[p.tgt[0]].kind != Kind.CODE:
            continue
        found = [(g, side) for side, (one, many, at) in enumerate(((src[p.src[0]], tgt, p.tgt[0]),
                                                                   (tgt[p.tgt[0]], src, p.src[0])))
                 if (g := _best_code_group(one, many, paired[1 - side], at, extra, scopes[side])) is not None]
        if not found:
            continue
        (_, score, group), side = max(found, key=lambda f: f[0][:2])
        if taken[1 - side] & set(group):
            continue  # a neighbour another group took first
        taken[1 - side].update(group)
        conf = calibrated(score, lexicon is not None) if score < 0.999 else 1.0
        widened[k] = BlockPair(p.src, group, round(score, 3), conf) if side == 0 else \
            BlockPair(group, p.tgt, round(score, 3), conf)
    return _replace(pairs, widened, taken)


def _replace(pairs: list[BlockPair], widened: dict[int, BlockPair],
             taken: tuple[set[int], set[int]]) -> list[BlockPair]:
    """``pairs`` with pair ``k`` replaced by ``widened[k]`` and the unpaired pairs of the ``taken`` blocks
    (source, translation) dropped: they are parts of the widened pairs now. Order stays monotone: a taken block
    was adjacent to its group's pair."""
    if not widened:
        return pairs
    return [widened.get(k, p) for k, p in enumerate(pairs)
            if k in widened or not ((not p.tgt and taken[0] & set(p.src)) or (not p.src and taken[1] & set(p.tgt)))]


def split_glued_equation(body: str) -> tuple[str, str] | None:
    """A display equation with text glued after its closing ``$$`` line (no blank line between, so the parser
    keeps one ``math`` block): ``(equation, text)``; ``None`` for any other block body."""
    lines = body.split("\n")
    if not lines[0].lstrip().startswith("$$"):
        return None
    last = max(k for k, line in enumerate(lines) if "$$" in line)
    text = "\n".join(lines[last + 1:]).strip()
    return ("\n".join(lines[:last + 1]), text) if any(c.isalpha() for c in text) else None  # not a bare "**)"


def _text_feat(text: str, is_src: bool, lexicon: Lexicon | None) -> _Feat:
    """The features of a piece of prose that is not a block of its own (the text glued to an equation)."""
    words = (en_units if is_src else tgt_units)(text) if lexicon is not None else frozenset()
    return _Feat(Kind.PARAGRAPH, weighted_length(text), _tokens(text, ()), "", (), 0, False, None, words,
                 profile=lexicon.profile(words, is_src) if lexicon is not None else None)


def _glued_equations(pairs: list[BlockPair], source: Document, translated: Document, src: list[_Feat],
                     tgt: list[_Feat], lexicon: Lexicon | None,
                     doc_tokens: tuple[AbstractSet[str], AbstractSet[str]]) -> list[BlockPair]:
    """Widen a 1-1 equation pair to 2-1 (1-2) when one side glued the next paragraph to the equation's closing
    ``$$`` line (``probability``: "$$…$$\\n因此，我们得到" renders the equation and the paragraph "Thus, we get"),
    the other side has that equation exactly and, right after it, a paragraph left unpaired whose words the
    glued text explains (``_part_explained``, as for any group part)."""
    unpaired_src = {i for p in pairs if not p.tgt for i in p.src}
    unpaired_tgt = {j for p in pairs if not p.src for j in p.tgt}
    widened: dict[int, BlockPair] = {}
    taken: tuple[set[int], set[int]] = (set(), set())
    for k, p in enumerate(pairs):
        if p.relation != "1-1" or src[p.src[0]].kind != Kind.MATH or tgt[p.tgt[0]].kind != Kind.MATH:
            continue
        i, j = p.src[0], p.tgt[0]
        for glue_is_src in (False, True):
            glued = split_glued_equation((source if glue_is_src else translated).blocks[i if glue_is_src else j].body)
            bare, nxt, feats, free = ((translated.blocks[j], j + 1, tgt, unpaired_tgt) if glue_is_src
                                      else (source.blocks[i], i + 1, src, unpaired_src))
            if (glued is None or nxt not in free or feats[nxt].kind != Kind.PARAGRAPH
                    or _WS.sub("", _kind_and_body(bare)[1]) != _WS.sub("", glued[0])):
                continue
            text = _text_feat(glued[1], glue_is_src, lexicon)
            if not _part_explained(feats[nxt], text, not glue_is_src, lexicon, doc_tokens[0 if glue_is_src else 1]):
                continue
            widened[k] = (BlockPair((i,), (j, nxt), p.score, p.confidence) if glue_is_src
                          else BlockPair((i, nxt), (j,), p.score, p.confidence))
            taken[1 if glue_is_src else 0].add(nxt)
            break
    return _replace(pairs, widened, taken)


_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _is_chinese(doc: Document) -> bool:
    """Is the document written mostly in Chinese? Han characters make up more than a quarter of the first 4,000
    characters of prose, and kana (Japanese) less than a tenth of them (Korean's Hangul is not Han). The shipped
    lexicon is English→Chinese: on Japanese or Korean its Han bigrams find few or none of the words, and that
    missing evidence reads as disagreement (d2l-ja gold sentences F1 1.000 → 0.953 with it; a whole-book d2l-ja
    sync kept 86 blocks as unsure pairs)."""
    parts, size = [], 0
    for b in doc.blocks:  # the first 4,000 characters of prose (without joining the whole document)
        if b.kind in _PROSE:
            parts.append(b.text)
            size += len(b.text)
            if size >= 4000:
                break
    sample = "".join(parts)[:4000]
    han = len(_HAN.findall(sample))
    return han * 4 > len(sample) and len(_KANA.findall(sample)) * 10 < han


def align(source: Document, translated: Document, extra_frameworks: Iterable[str] = ("paddle",),
          terms: Mapping[str, str] | None = None, lexicon: Lexicon | Literal["default"] | None = "default",
          mixed_groups: bool = False) -> Alignment:
    """Align the top-level blocks of ``source`` (English) and ``translated``.

    ``lexicon`` adds word evidence (``bot/align/lexicon.py``): ``"default"`` is the shipped English→Chinese
    lexicon (used only when the translation is in Chinese, see ``_is_chinese``); ``None`` turns word evidence off.
    ``mixed_groups`` also forms groups whose parts are equations, framework tabs or code cells (a paragraph split
    around a zh-only equation, a sentence moved into a tab, the Discussions link vs per-framework forum tabs, a
    ``#@tab all`` cell split per framework: ``_code_groups``, a paragraph glued to an equation: ``_glued_equations``,
    both applied to the DP's pairs afterwards). They are
    right on the gold but off by default: the sync does not yet splice such groups (its whole-book replay
    reports markup violations for them), so only evaluation and ``amts align`` ask for them."""
    extra = frozenset(extra_frameworks)
    terms = {k.lower(): v for k, v in (terms or {}).items() if k.strip()}
    if lexicon == "default":
        lexicon = default_lexicon() if _is_chinese(translated) else None
    lex = lexicon if isinstance(lexicon, Lexicon) else None
    code_keys: dict[str, str] = {}
    src = _features(source, extra, terms, 0, lex if lex is not None else False, code_keys)
    tgt = _features(translated, extra, terms, 1, lex if lex is not None else False, code_keys)
    doc_tokens = (frozenset().union(*(f.tokens.keys() for f in src)),
                  frozenset().union(*(f.tokens.keys() for f in tgt)))
    pairs: list[BlockPair] = []
    pi = pj = 0
    for ai, aj in [*_anchors(src, tgt), (len(src), len(tgt))]:
        pairs += _dp(src, tgt, range(pi, ai), range(pj, aj), lex, mixed_groups, doc_tokens)
        if ai < len(src):
            pairs.append(BlockPair((ai,), (aj,), 1.0))
        pi, pj = ai + 1, aj + 1
    if mixed_groups:
        pairs = _code_groups(pairs, src, tgt, extra, lex)
        pairs = _glued_equations(pairs, source, translated, src, tgt, lex, doc_tokens)
    return Alignment(source, translated, tuple(pairs))
