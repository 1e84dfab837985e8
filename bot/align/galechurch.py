"""The classic length-only sentence aligner, as a baseline: nltk's Gale–Church (``nltk.translate.gale_church``).

Why it is here: the sentence aligner (:mod:`bot.align.sentalign`) adds invariant tokens, word evidence and a second
pass to Gale–Church's length model; ``benchmarks/bench_align.py`` scores this baseline on the same sentence splits
with the same scorer, so what those additions are worth is measured, not assumed. Nothing in the sync or the
parallel-data build uses it.

nltk's ``align_blocks`` takes per-sentence lengths and returns the links of its beads (index pairs); a 1-0 or 0-1
bead has no link, so the beads are rebuilt here from the links: linked sentences of a bead form one connected group,
and a sentence without a link is a bead of its own. Lengths are Chinese-aware (:func:`length_of`): nltk's own
parameters assume both sides are counted in comparable characters (mean ratio 1, variance 6.8).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from nltk.translate.gale_church import align_blocks

from bot.align.blocks import weighted_length
from bot.align.sentalign import SentencePair, text_length
from bot.align.sentences import joiner
from bot.align.units import sentences_of

__all__ = ["LengthKind", "beads_from_links", "gale_church", "gale_church_block", "length_of"]

#: ``weighted``: the block aligner's :func:`~bot.align.blocks.weighted_length` (a CJK character counts 2.4);
#: ``text``: the sentence aligner's :func:`~bot.align.sentalign.text_length` (a Chinese character counts 3.0).
LengthKind = Literal["weighted", "text"]


def length_of(kind: LengthKind, lang: str) -> Callable[[str], float]:
    """The length function of ``kind`` for sentences of ``lang`` (never below 1: nltk divides by the mean length)."""
    if kind == "weighted":
        return lambda s: max(1.0, weighted_length(s))
    return lambda s: max(1.0, text_length(s, lang))


def beads_from_links(links: Sequence[tuple[int, int]], n: int, m: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Beads ``(source indices, target indices)`` covering ``n`` source and ``m`` target sentences in order.

    ``links`` are monotone (a bead's links never cross another bead's), so one pass merges each link into the
    current bead when it shares a sentence with it; unlinked sentences become 1-0 / 0-1 beads where they fall."""
    beads: list[tuple[list[int], list[int]]] = []
    i = j = 0  # next source / target sentence not yet in a bead
    for s, t in sorted(links):
        if beads and (s in beads[-1][0] or t in beads[-1][1]):
            bead = beads[-1]
            if s not in bead[0]:
                bead[0].append(s)
            if t not in bead[1]:
                bead[1].append(t)
        else:
            beads.extend(([k], []) for k in range(i, s))
            beads.extend(([], [k]) for k in range(j, t))
            beads.append(([s], [t]))
        i, j = max(i, s + 1), max(j, t + 1)
    beads.extend(([k], []) for k in range(i, n))
    beads.extend(([], [k]) for k in range(j, m))
    return [(tuple(src), tuple(tgt)) for src, tgt in beads]


def gale_church(src: Sequence[str], tgt: Sequence[str], src_lang: str = "en", tgt_lang: str = "zh",
                lengths: LengthKind = "weighted") -> list[SentencePair]:
    """Align the sentences of one block pair with nltk's Gale–Church (its default parameters); score 0 throughout."""
    if not src or not tgt:
        links: list[tuple[int, int]] = []
    else:
        src_len, tgt_len = length_of(lengths, src_lang), length_of(lengths, tgt_lang)
        links = align_blocks([src_len(s) for s in src], [tgt_len(t) for t in tgt])
    src_glue, tgt_glue = joiner(src_lang), joiner(tgt_lang)
    return [SentencePair(s, t, 0.0, src_glue.join(src[k] for k in s), tgt_glue.join(tgt[k] for k in t))
            for s, t in beads_from_links(links, len(src), len(tgt))]


def gale_church_block(src_text: str, tgt_text: str, src_lang: str = "en", tgt_lang: str = "zh",
                      lengths: LengthKind = "weighted") -> list[SentencePair]:
    """:func:`gale_church` on the sentences of two prose blocks, split as :func:`~bot.align.sentalign.align_block`
    splits them."""
    return gale_church(sentences_of(src_text, src_lang), sentences_of(tgt_text, tgt_lang), src_lang, tgt_lang,
                       lengths)
