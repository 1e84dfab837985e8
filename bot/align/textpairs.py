"""Text pairs from an aligned document: the raw material of parallel data and the translation memory.

Only prose is paired (paragraphs, lists, headings, blockquotes, table captions). Text is taken the way
an engine sees it: mark lines and heading hashes removed, list items one unit each, lines joined the
language's way (a space for English, nothing for Chinese/Japanese). Inline markup is kept exactly as in
the source (see ``bot/paralleldata.py`` for why).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.align.adapt import ADAPT_MIN_SCORE, Adaptation, adapt_lexicon
from bot.align.blocks import LOW_CONFIDENCE, Alignment, BlockPair
from bot.align.lexicon import Lexicon, default_lexicon
from bot.align.sentalign import align_block
from bot.align.units import PAIRED_KINDS, units_of
from bot.align.units import units as units  # re-exported: bot.evaluate reads it from here
from bot.markdown.blocks import Kind


@dataclass(frozen=True)
class TextPair:
    """One source/target pair with where it came from (source line) and how sure the alignment is."""

    src: str
    tgt: str
    line: int
    score: float


def _units_of_pair(alignment: Alignment, pair: BlockPair, src_lang: str, tgt_lang: str,
                   ) -> tuple[list[str], list[str]] | None:
    """The texts a confident prose block pair is paired by (one per list item, or the joined blocks), or ``None``."""
    if not pair.src or not pair.tgt or pair.confidence < LOW_CONFIDENCE:
        return None
    src_blocks, tgt_blocks = alignment.src_blocks(pair), alignment.tgt_blocks(pair)
    if any(b.kind not in PAIRED_KINDS for b in (*src_blocks, *tgt_blocks)):
        return None
    src_units = [u for b in src_blocks for u in units_of(b, src_lang)]
    tgt_units = [u for b in tgt_blocks for u in units_of(b, tgt_lang)]
    if len(src_units) != len(tgt_units):
        sep_s, sep_t = (" " if src_lang not in ("zh", "ja") else ""), (" " if tgt_lang not in ("zh", "ja") else "")
        src_units, tgt_units = [sep_s.join(src_units)], [sep_t.join(tgt_units)]
    return src_units, tgt_units


def block_text_pairs(alignment: Alignment, pair: BlockPair, src_lang: str, tgt_lang: str,
                     granularity: str = "sentence", lexicon: Lexicon | Literal["default"] | None = "default",
                     ) -> list[TextPair]:
    """Text pairs of one aligned block pair (empty when it is not a confident prose pair)."""
    texts = _units_of_pair(alignment, pair, src_lang, tgt_lang)
    if texts is None:
        return []
    return _pairs_of(alignment, pair, texts, src_lang, tgt_lang, granularity, lambda _: lexicon)


def _pairs_of(alignment: Alignment, pair: BlockPair, texts: tuple[list[str], list[str]], src_lang: str, tgt_lang: str,
              granularity: str, lexicon_for: Callable[[str], Lexicon | Literal["default"] | None]) -> list[TextPair]:
    """:func:`block_text_pairs` of the paired ``texts``, each English text's sentences aligned with
    ``lexicon_for(text)``."""
    src_blocks = alignment.src_blocks(pair)
    line = src_blocks[0].start
    out: list[TextPair] = []
    for s, t in zip(*texts, strict=True):
        if granularity == "paragraph" or src_blocks[0].kind == Kind.HEADING:
            out.append(TextPair(s, t, line, pair.confidence))
            continue
        for sp in align_block(s, t, src_lang, tgt_lang, lexicon=lexicon_for(s)):
            if sp.src and sp.tgt:
                out.append(TextPair(sp.src_text, sp.tgt_text, line, round(min(pair.confidence, sp.score), 3)))
    return out


def document_lexicon(alignment: Alignment, src_lang: str, tgt_lang: str,
                     lexicon: Lexicon | Literal["default"] | None = "default",
                     first: Sequence[Sequence[TextPair]] | None = None) -> Adaptation | None:
    """The lexicon adapted to this document (``bot/align/adapt.py``): learned from its confident sentence pairs
    under ``lexicon`` (``first``: those pairs per block pair, when already made), or ``None`` without a lexicon."""
    if lexicon == "default":
        lexicon = default_lexicon() if tgt_lang == "zh" and src_lang == "en" else None
    if not isinstance(lexicon, Lexicon):
        return None
    if first is None:
        first = [block_text_pairs(alignment, p, src_lang, tgt_lang, "sentence", lexicon) for p in alignment.pairs]
    return adapt_lexicon(lexicon, [(tp.src, tp.tgt) for tps in first for tp in tps if tp.score >= ADAPT_MIN_SCORE])


def text_pairs(alignment: Alignment, src_lang: str, tgt_lang: str, granularity: str = "sentence",
               lexicon: Lexicon | Literal["default"] | None = "default", adapt: bool = False) -> list[TextPair]:
    """Every text pair of an aligned document, in document order (``lexicon``: see ``align_sentences``).

    With ``adapt`` and a lexicon, sentence pairs are aligned twice: once with ``lexicon``, then, in the block pairs
    whose English holds a word the document taught it, with :func:`document_lexicon` (``bot/align/adapt.py``:
    ``Adaptation.lexicon_for``). Off by default: leave-chapter-out it gains 7 of 2,317 tuning rows and loses 1 of
    1,338 held-out rows, for +11% instructions of a whole-book build (README, sentence round 10)."""
    per_pair = [block_text_pairs(alignment, p, src_lang, tgt_lang, granularity, lexicon) for p in alignment.pairs]
    if adapt and granularity == "sentence":
        adapted = document_lexicon(alignment, src_lang, tgt_lang, lexicon, per_pair)
        if adapted is not None and adapted.words:
            def lexicon_for(text: str) -> Lexicon:
                return adapted.lexicon_for((text,))

            for k, p in enumerate(alignment.pairs):
                texts = _units_of_pair(alignment, p, src_lang, tgt_lang)
                if texts is not None and adapted.lexicon_for(texts[0]) is adapted.lexicon:
                    per_pair[k] = _pairs_of(alignment, p, texts, src_lang, tgt_lang, granularity, lexicon_for)
    return [tp for tps in per_pair for tp in tps]
