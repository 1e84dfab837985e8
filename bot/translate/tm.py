"""The offline engine ``tm``: a translation memory built from the edition's own aligned pairs.

It never invents a translation. An exact match (same English, whitespace aside) is reused as is; a high
fuzzy match is reused with a review flag and the English difference in its note, unless that difference
adds, removes or swaps a negation, quantifier or comparison (``MEANING_WORDS``); anything else comes
back untranslated with the ``needs-human`` flag, and the sync leaves the English in place for a human
translator. Stored translations carry raw markup; it is mapped back onto the request's placeholders, and
a stored translation whose markup does not match the new English is not reused.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.align.textpairs import TextPair
from bot.markdown.protect import protect
from bot.translate.base import TranslationRequest, TranslationResult
from bot.translate.retrieval import NgramRetriever

FUZZY_THRESHOLD = 85.0


def _norm(text: str) -> str:
    """Whitespace runs as one space, ends stripped (``str.split`` splits on exactly the characters ``\\s``
    matches, and is ten times faster: this runs on every entry of the memory)."""
    return " ".join(text.split())


def reprotect(translation: str, originals: Sequence[str]) -> str | None:
    """``translation`` (raw markup) with its markup replaced by the placeholders of ``originals``.

    Each piece of markup of the translation must match one original exactly (as a multiset); ``None``
    when they differ, because reusing it would carry the old markup into the new text.
    """
    seg = protect(translation)
    free: dict[str, list[int]] = {}
    for i, original in enumerate(originals):
        free.setdefault(original, []).append(i)
    mapping: list[int] = []
    for original in seg.originals:
        slots = free.get(original)
        if not slots:
            return None
        mapping.append(slots.pop(0))
    if any(free.values()):
        return None
    return re.sub(r"⟦(\d+)⟧", lambda m: f"⟦{mapping[int(m.group(1))]}⟧", seg.text)


#: Words that turn a sentence's meaning around when added, removed or swapped (negation, quantity, comparison):
#: a change touching one is never a near-match, however small.
MEANING_WORDS = frozenset("""not no never none nor neither without cannot can't don't doesn't didn't isn't aren't
wasn't weren't won't wouldn't shouldn't couldn't only all any every each some few fewer more most less least always
often rarely seldom larger smaller higher lower faster slower better worse increase increases decrease decreases
before after true false""".split())


def changed_words(a: list[str], b: list[str]) -> tuple[int, set[str]]:
    """How many words changed, and which (lower case, punctuation stripped)."""
    n, words = 0, set()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            n += max(i2 - i1, j2 - j1)
            words |= {w.strip(".,;:!?()\"'").lower() for w in a[i1:i2] + b[j1:j2]}
    return n, words


def english_diff(old: str, new: str) -> str:
    """A compact word diff ``[-old-]{+new+}`` for reviewers."""
    a, b = old.split(), new.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2])
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


@dataclass
class TranslationMemory:
    """English -> translation pairs; later pairs for the same English do not override earlier ones."""

    sources: list[str]
    targets: list[str]
    _index: dict[str, int] = field(init=False, repr=False)
    _retriever: NgramRetriever | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {s: i for i, s in enumerate(self.sources)}

    @classmethod
    def from_pairs(cls, pairs: Iterable[TextPair | tuple[str, str]]) -> TranslationMemory:
        seen: dict[str, str] = {}
        for p in pairs:
            src, tgt = (p.src, p.tgt) if isinstance(p, TextPair) else p
            seen.setdefault(_norm(src), tgt)
        return cls(list(seen), list(seen.values()))

    def __len__(self) -> int:
        return len(self.sources)

    def exact(self, source: str) -> str | None:
        index = self._index.get(_norm(source))
        return None if index is None else self.targets[index]

    def fuzzy(self, source: str, threshold: float = FUZZY_THRESHOLD) -> tuple[str, str, float] | None:
        """Best (english, translation, score 0..100) at or above ``threshold``."""
        hit = process.extractOne(_norm(source), self.sources, scorer=fuzz.ratio, score_cutoff=threshold)
        if hit is None:
            return None
        _, score, index = hit
        return self.sources[index], self.targets[index], score

    def search(self, text: str, k: int = 5) -> list[tuple[str, str, float]]:
        """Top-k similar pairs for LLM prompts (BM25 over character n-grams, built on first use)."""
        if self._retriever is None:
            self._retriever = NgramRetriever(list(zip(self.sources, self.targets, strict=True)))
        return self._retriever.search(text, k)


class LazyMemory:
    """A ``TranslationMemory`` built on first use: a sync whose plan has no requests (nothing changed, or
    only cosmetic changes) never aligns the edition to build one. Same interface as the memory."""

    def __init__(self, build: Callable[[], TranslationMemory]) -> None:
        self._build = build
        self._memory: TranslationMemory | None = None

    @property
    def built(self) -> bool:
        return self._memory is not None

    @property
    def memory(self) -> TranslationMemory:
        if self._memory is None:
            self._memory = self._build()
        return self._memory

    def __len__(self) -> int:
        return len(self.memory)

    def __bool__(self) -> bool:
        return True  # ``memory or default`` must not build it just to ask whether it is empty

    def exact(self, source: str) -> str | None:
        return self.memory.exact(source)

    def fuzzy(self, source: str, threshold: float = FUZZY_THRESHOLD) -> tuple[str, str, float] | None:
        return self.memory.fuzzy(source, threshold)

    def search(self, text: str, k: int = 5) -> list[tuple[str, str, float]]:
        return self.memory.search(text, k)


class TmEngine:
    """Engine ``tm``: free, offline, never guesses."""

    name = "tm"

    def __init__(self, memory: TranslationMemory | LazyMemory, threshold: float = FUZZY_THRESHOLD) -> None:
        self.memory = memory
        self.threshold = threshold

    def estimate(self, requests: Sequence[TranslationRequest]) -> int:
        return 0

    def translate(self, requests: Sequence[TranslationRequest]) -> list[TranslationResult]:
        return [self._one(r) for r in requests]

    def _one(self, req: TranslationRequest) -> TranslationResult:
        source = req.source or req.text
        exact = self.memory.exact(source)
        if exact is not None and (text := reprotect(exact, req.originals)) is not None:
            return TranslationResult(req.id, text, self.name, from_memory=True, score=1.0, flags=("tm-exact",))
        hit = self.memory.fuzzy(source, self.threshold)
        if hit is not None and not changed_words(hit[0].split(), _norm(source).split())[1] & MEANING_WORDS:
            english, target, score = hit
            text = reprotect(target, req.originals)
            if text is not None:
                return TranslationResult(req.id, text, self.name, from_memory=True, score=round(score / 100, 3),
                                         flags=("tm-fuzzy", "review"),
                                         note=f"fuzzy {score:.0f}%: English differs: {english_diff(english, source)}")
        return TranslationResult(req.id, None, self.name, flags=("needs-human",),
                                 note="no translation memory match")
