"""Text pairs from an aligned document: the raw material of parallel data and the translation memory.

Only prose is paired (paragraphs, lists, headings, blockquotes, table captions). Text is taken the way
an engine sees it: mark lines and heading hashes removed, list items one unit each, lines joined the
language's way (a space for English, nothing for Chinese/Japanese). Inline markup is kept exactly as in
the source (see ``bot/paralleldata.py`` for why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.align.blocks import LOW_CONFIDENCE, Alignment, BlockPair
from bot.align.lexicon import Lexicon
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


def block_text_pairs(alignment: Alignment, pair: BlockPair, src_lang: str, tgt_lang: str,
                     granularity: str = "sentence", lexicon: Lexicon | Literal["default"] | None = "default",
                     ) -> list[TextPair]:
    """Text pairs of one aligned block pair (empty when it is not a confident prose pair)."""
    if not pair.src or not pair.tgt or pair.confidence < LOW_CONFIDENCE:
        return []
    src_blocks, tgt_blocks = alignment.src_blocks(pair), alignment.tgt_blocks(pair)
    if any(b.kind not in PAIRED_KINDS for b in (*src_blocks, *tgt_blocks)):
        return []
    src_units = [u for b in src_blocks for u in units_of(b, src_lang)]
    tgt_units = [u for b in tgt_blocks for u in units_of(b, tgt_lang)]
    if len(src_units) != len(tgt_units):
        sep_s, sep_t = (" " if src_lang not in ("zh", "ja") else ""), (" " if tgt_lang not in ("zh", "ja") else "")
        src_units, tgt_units = [sep_s.join(src_units)], [sep_t.join(tgt_units)]
    line = src_blocks[0].start
    out: list[TextPair] = []
    for s, t in zip(src_units, tgt_units, strict=True):
        if granularity == "paragraph" or src_blocks[0].kind == Kind.HEADING:
            out.append(TextPair(s, t, line, pair.confidence))
            continue
        for sp in align_block(s, t, src_lang, tgt_lang, lexicon=lexicon):
            if sp.src and sp.tgt:
                out.append(TextPair(sp.src_text, sp.tgt_text, line, round(min(pair.confidence, sp.score), 3)))
    return out


def text_pairs(alignment: Alignment, src_lang: str, tgt_lang: str, granularity: str = "sentence",
               lexicon: Lexicon | Literal["default"] | None = "default") -> list[TextPair]:
    """Every text pair of an aligned document, in document order (``lexicon``: see ``align_sentences``)."""
    return [tp for p in alignment.pairs
            for tp in block_text_pairs(alignment, p, src_lang, tgt_lang, granularity, lexicon)]
