"""In-document lexicon adaptation: words only one chapter has, learned from that chapter's own confident pairs.

Why: the shipped lexicon (``bot/align/lexicon.py``) keeps a word only when the book has it in at least three
confident sentence pairs. A chapter's own vocabulary ("applicant", "Oxfords", "motherboard", "saliency") is
then unknown, and the sentence aligner judges those sentences on length alone: a zh-only lead-in sentence next
to one of them shifts the pairs after it. Measured leave-chapter-out (a chapter's words are learned from the
rest of the book, as for a chapter added after the lexicon was built), the lexicon knows none of the content
words of some such sentences.

What: align a file pair once with the lexicon, take its confident sentence beads (``ADAPT_MIN_SCORE``), and for
every English content word that the lexicon does not know and that occurs in at least ``min_count`` of those
beads, learn the Chinese bigrams that go with it: Dice's coefficient over the file's beads of the word and each
bigram that the bead's *known* words do not already explain (a bigram is evidence for a new word only when no
word the lexicon knows translates it). A word keeps its ``top`` best bigrams above ``min_dice``; words and bigrams
in more than ``max_share`` of the beads (a file's "model", 我们) associate with everything and are left out. The
sentence beads are then aligned again with the lexicon plus these entries (``bot.align.textpairs.text_pairs``
re-aligns only the block pairs whose English holds a new word: ``Adaptation.lexicon_for``).

This is not the aligner training on its gold: it reads the two documents it is aligning, as the sync and the
parallel-data build have them; the result stays a pure function of the two documents and the shipped lexicon.
Chosen on the tuning gold, leave-chapter-out (``benchmarks/bench_align.py``, method ``ibm1+doc``; README "Sentence
round 10"): tuning +7 of 2,317 sentence rows, the held-out groups −1 of 1,338, whole-book build +11% instructions, so
``text_pairs`` adapts only when asked (``adapt=True``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.align.lexicon import Lexicon, dice_best, en_units

__all__ = ["ADAPT_MIN_SCORE", "Adaptation", "adapt_lexicon"]

#: A sentence bead (its ``TextPair.score``: the bead's score bounded by its block pair's confidence) teaches the
#: adaptation when it scores at least this (the same floor as ``lexicon.training_pairs``; flat for 0.5-0.9).
ADAPT_MIN_SCORE = 0.8


@dataclass(frozen=True)
class Adaptation:
    """A lexicon and the entries learned for one document: ``words`` (English, new) and the ``units`` they took;
    ``base`` is the lexicon they were learned from (``None``: nothing was learned, ``lexicon`` is it)."""

    lexicon: Lexicon
    words: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()

    base: Lexicon | None = None

    def lexicon_for(self, src_texts: Iterable[str]) -> Lexicon:
        """The lexicon to align the sentences of a block pair with: the adapted one when the English texts hold a
        learned word (``en_units``), else the one it was learned from. Only a sentence with a learned word has a
        different profile under the two; a learned bigram alone, with none of the words it translates on the English
        side, would only add known units that nothing can explain."""
        if self.base is None or not self.words:
            return self.lexicon
        for text in src_texts:
            if not self.words.isdisjoint(en_units(text)):
                return self.lexicon
        return self.base


def adapt_lexicon(base: Lexicon, pairs: Iterable[tuple[str, str]], *, min_count: int = 2, top: int = 4,
                  min_dice: float = 0.4, max_share: float = 0.3) -> Adaptation:
    """``base`` plus entries for the English words it does not know, learned from one document's confident
    sentence ``pairs`` (English, Chinese); see the module docstring. ``base`` itself (no entries) when nothing
    qualifies."""
    data: list[tuple[frozenset[str], frozenset[str], frozenset[str]]] = []
    text_profile = base.text_profile  # memoised per text: the aligner has just profiled most of these sentences
    for src, tgt in pairs:
        words, profile = text_profile(src, True)
        units = text_profile(tgt, False)[0]
        if not words or not units:
            continue
        new = words - profile.known
        data.append((new, units - profile.image if new else new, units))
    df_word = Counter(w for new, _, _ in data for w in new)
    cap = max(min_count, int(max_share * len(data)))
    candidates = [w for w, c in df_word.items() if min_count <= c <= cap]
    if not candidates:
        return Adaptation(base)
    df_unit = Counter(u for _, _, units in data for u in units)
    forward: dict[str, dict[str, float]] = {}
    for w in sorted(candidates):
        co: Counter[str] = Counter()
        for new, residual, _ in data:
            if w in new:
                co.update(residual)
        best = dice_best(co, df_word[w], df_unit, lambda u, c: c >= min_count and len(u) >= 2 and df_unit[u] <= cap,
                         min_dice, top)
        if best:
            forward[w] = best
    if not forward:
        return Adaptation(base)
    return Adaptation(base.extended(forward), frozenset(forward),
                      frozenset(u for units in forward.values() for u in units), base)
