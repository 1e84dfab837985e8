"""Find the translated pairs most similar to a segment, to show an LLM as examples.

BM25 over character n-grams: it needs no tokenizer, so it works the same for English sources and for
CJK text, it tolerates inflection and small edits (a changed upstream sentence still finds its old
translation), and it is small enough to build in memory for a whole book (tens of thousands of pairs).
Placeholders are blanked before indexing so ``⟦3⟧`` vs ``⟦7⟧`` never changes similarity.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

_PLACEHOLDER_RE = re.compile(r"⟦\d+⟧")


class ExampleSource(Protocol):
    """Anything that can return ``(source, target, score)`` pairs similar to ``text``, best first."""

    def search(self, text: str, k: int) -> list[tuple[str, str, float]]: ...


def char_ngrams(text: str, n: int) -> Counter[str]:
    """Character n-grams of the normalised text (lower case, one space, placeholders as ``⟦⟧``)."""
    norm = " ".join(_PLACEHOLDER_RE.sub("⟦⟧", text).lower().split())
    padded = f" {norm} "
    if len(padded) < n:
        return Counter([padded])
    return Counter(padded[i : i + n] for i in range(len(padded) - n + 1))


@dataclass
class NgramRetriever:
    """BM25 retriever over ``pairs`` of (source, target); ``search`` scores against the sources only.

    Scores are raw BM25 (higher is more similar, not bounded); pairs with no shared n-gram are never
    returned, so an unrelated memory yields no examples rather than random ones.
    """

    pairs: Sequence[tuple[str, str]]
    n: int = 3
    k1: float = 1.5
    b: float = 0.75
    _postings: dict[str, list[tuple[int, int]]] = field(init=False, repr=False)
    _lengths: list[int] = field(init=False, repr=False)
    _avg: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._postings = defaultdict(list)
        self._lengths = []
        for doc, (source, _target) in enumerate(self.pairs):
            grams = char_ngrams(source, self.n)
            self._lengths.append(sum(grams.values()))
            for gram, tf in grams.items():
                self._postings[gram].append((doc, tf))
        self._avg = (sum(self._lengths) / len(self._lengths)) if self._lengths else 0.0

    def search(self, text: str, k: int) -> list[tuple[str, str, float]]:
        """The ``k`` best pairs for ``text``, best first (ties keep memory order)."""
        if k <= 0 or not self.pairs:
            return []
        total = len(self.pairs)
        scores: dict[int, float] = defaultdict(float)
        for gram in char_ngrams(text, self.n):
            postings = self._postings.get(gram)
            if not postings:
                continue
            idf = math.log(1 + (total - len(postings) + 0.5) / (len(postings) + 0.5))
            for doc, tf in postings:
                norm = 1 - self.b + self.b * self._lengths[doc] / self._avg
                scores[doc] += idf * tf * (self.k1 + 1) / (tf + self.k1 * norm)
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [(self.pairs[doc][0], self.pairs[doc][1], score) for doc, score in best]
