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
from dataclasses import dataclass

from rapidfuzz.fuzz import ratio

from bot.markdown.blocks import Block, Document, Kind

LOW_CONFIDENCE = 0.5
#: One CJK character carries about as much as this many characters of English (measured on the gold
#: pairs of the shared corpus: English prose characters / Chinese prose characters, whitespace excluded = 2.36).
CJK_WEIGHT = 2.4
SKIP_COST = 0.75
EXTRA_SKIP_COST = 0.02
MERGE_PENALTY = 0.12

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_TOKEN = re.compile(r"\$[^$\n]+\$|`[^`\n]+`|:\w+:`[^`]*`|https?://\S+|\b\d+(?:\.\d+)?\b")
_WS = re.compile(r"\s+")
_PROSE = {Kind.PARAGRAPH, Kind.LIST, Kind.BLOCKQUOTE, Kind.HEADING, Kind.TABLE, Kind.OTHER}


@dataclass(frozen=True)
class BlockPair:
    """Source blocks ``src`` (indices) rendered by translated blocks ``tgt``; either may be empty."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float

    @property
    def relation(self) -> str:
        return f"{len(self.src)}-{len(self.tgt)}"

    @property
    def low_confidence(self) -> bool:
        return bool(self.src) and bool(self.tgt) and self.score < LOW_CONFIDENCE


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


@dataclass(frozen=True)
class _Feat:
    kind: Kind
    length: float
    tokens: Counter
    code: str
    tabs: tuple[str, ...]
    level: int
    extra: bool
    signature: str | None


def weighted_length(text: str) -> float:
    """Characters, with CJK characters weighted so English and Chinese lengths are comparable."""
    cjk = len(_CJK.findall(text))
    return cjk * CJK_WEIGHT + len(_WS.sub("", text)) - cjk


def _tokens(text: str, term_ids: Iterable[str]) -> Counter:
    toks = Counter(_WS.sub("", t) for t in _TOKEN.findall(text))
    toks.update(f"term:{t}" for t in term_ids)
    return toks


def _signature(b: Block) -> str | None:
    if b.labels:
        return "label:" + ",".join(b.labels)
    if b.kind == Kind.CODE:
        return "code:" + b.loose_key
    if b.kind == Kind.MATH:
        return "math:" + _WS.sub("", b.body)
    if b.kind == Kind.FIGURE:
        m = re.search(r"\]\(([^)\s]+)", b.text)
        return "fig:" + (m.group(1) if m else b.key)
    return None


def _features(doc: Document, extra: frozenset[str], terms: Mapping[str, str], side: int) -> list[_Feat]:
    feats = []
    for b in doc.blocks:
        text = b.text
        if side == 0:
            low = text.lower()
            term_ids = [en for en in terms if en in low]
        else:
            term_ids = [en for en, tr in terms.items() if tr and tr in text]
        feats.append(_Feat(
            kind=b.kind,
            length=weighted_length(b.body if b.kind != Kind.TAB else text),
            tokens=_tokens(text, term_ids) if b.kind in _PROSE or b.kind == Kind.TAB else Counter(),
            code=b.loose_key if b.kind in (Kind.CODE, Kind.TOC) else "",
            tabs=b.tabs,
            level=b.level,
            extra=bool(b.tabs) and all(t in extra for t in b.tabs),
            signature=_signature(b),
        ))
    return feats


def _len_sim(a: float, b: float) -> float:
    if a <= 0 or b <= 0:
        return 1.0 if a == b else 0.2
    return math.exp(-abs(math.log(a / b)) * 1.5)


def _tok_sim(a: Counter, b: Counter) -> float | None:
    if not a and not b:
        return None
    inter = sum((a & b).values())
    union = sum((a | b).values())
    return inter / union if union else None


def _merge(feats: list[_Feat]) -> _Feat:
    if len(feats) == 1:
        return feats[0]
    tokens: Counter = Counter()
    for f in feats:
        tokens.update(f.tokens)
    f0 = feats[0]
    return _Feat(f0.kind, sum(f.length for f in feats), tokens, "", f0.tabs, f0.level, False, None)


def _kind_sim(a: Kind, b: Kind) -> float:
    if a == b:
        return 1.0
    if {a, b} <= {Kind.PARAGRAPH, Kind.LIST, Kind.BLOCKQUOTE}:
        return 0.6
    if {a, b} <= {Kind.PARAGRAPH, Kind.OTHER, Kind.TAB}:
        return 0.4
    return 0.0


def similarity(a: _Feat, b: _Feat) -> float:
    """How plausible it is that ``b`` translates ``a`` (0..1)."""
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
    s = ls if ts is None else 0.4 * ls + 0.6 * ts
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


def _dp(src: list[_Feat], tgt: list[_Feat], si: range, tj: range) -> list[BlockPair]:
    """Minimum-cost monotone alignment of ``src[si]`` with ``tgt[tj]``."""
    n, m = len(si), len(tj)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, float] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            c = cost[i][j]
            if c == inf:
                continue
            moves: list[tuple[int, int, float, float]] = []
            if i < n:
                moves.append((1, 0, SKIP_COST, 0.0))
            if j < m:
                moves.append((0, 1, EXTRA_SKIP_COST if tgt[tj[j]].extra else SKIP_COST, 0.0))
            if i < n and j < m:
                s = similarity(src[si[i]], tgt[tj[j]])
                moves.append((1, 1, 1.0 - s, s))
                a_kind, b_kind = src[si[i]].kind, tgt[tj[j]].kind
                prose_a = a_kind in _PROSE and _kind_sim(a_kind, b_kind) > 0
                if j + 1 < m and prose_a and _kind_sim(a_kind, tgt[tj[j + 1]].kind) > 0:
                    s2 = similarity(src[si[i]], _merge([tgt[tj[j]], tgt[tj[j + 1]]]))
                    moves.append((1, 2, 1.0 - s2 + MERGE_PENALTY, s2))
                if i + 1 < n and prose_a and _kind_sim(src[si[i + 1]].kind, b_kind) > 0:
                    s2 = similarity(_merge([src[si[i]], src[si[i + 1]]]), tgt[tj[j]])
                    moves.append((2, 1, 1.0 - s2 + MERGE_PENALTY, s2))
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
        pairs.append(BlockPair(tuple(si[i - di:i]), tuple(tj[j - dj:j]), round(s, 3) if di and dj else 1.0))
        i, j = i - di, j - dj
    return pairs[::-1]


def align(source: Document, translated: Document, extra_frameworks: Iterable[str] = ("paddle",),
          terms: Mapping[str, str] | None = None) -> Alignment:
    """Align the top-level blocks of ``source`` (English) and ``translated``."""
    extra = frozenset(extra_frameworks)
    terms = {k.lower(): v for k, v in (terms or {}).items() if k.strip()}
    src = _features(source, extra, terms, 0)
    tgt = _features(translated, extra, terms, 1)
    pairs: list[BlockPair] = []
    pi = pj = 0
    for ai, aj in [*_anchors(src, tgt), (len(src), len(tgt))]:
        pairs += _dp(src, tgt, range(pi, ai), range(pj, aj))
        if ai < len(src):
            pairs.append(BlockPair((ai,), (aj,), 1.0))
        pi, pj = ai + 1, aj + 1
    return Alignment(source, translated, tuple(pairs))
