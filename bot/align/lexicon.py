"""A bilingual lexicon learned from the book's own aligned pairs: evidence beyond length and markup.

Why: the block aligner used to see only kind, length and the tokens a translator copies (numbers, ``$…$``,
inline code, roles, URLs). Two neighbouring paragraphs of similar length with no such tokens look the same
to it, which is how a dropped or zh-only paragraph shifts every following pair. Words tell them apart, and
the editions are their own dictionary: thousands of confidently aligned sentence pairs.

What a "word" is here:

* English: lower-cased alphabetic words of 3+ letters outside inline markup, minus a short stop list, with a
  plural ``s`` removed ("models" → "model");
* Chinese/Japanese: character bigrams inside runs of Han/kana (no segmenter is needed: the bigram that spans
  a true word boundary simply never becomes a strong association).

Two ways to learn it are implemented and compared in ``benchmarks/bench_align.py`` (numbers in README):

* ``dice``: for every English word and every bigram, Dice's coefficient of the sets of pairs they occur in,
  ``2·|both| / (|word| + |bigram|)``; a word keeps its best bigrams above a floor. One pass, no iterations,
  a few seconds for the whole book.
* ``ibm1``: IBM Model 1 (the EM of ``nltk.translate.IBMModel1`` over the same pairs), keeping the bigrams with the
  highest translation probability ``t(bigram | word)``.

The lexicon is shipped as a small text file (``bot/align/data/lexicon.en-zh.txt``) built by ``amts lexicon
build``; nothing is downloaded or learned at run time. Scoring (``Lexicon.overlap``) is pure.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from operator import add
from pathlib import Path

from bot.align.sentences import _spans
from bot.markdown.blocks import Document

__all__ = [
    "DEFAULT_PATH",
    "Lexicon",
    "WordProfile",
    "default_lexicon",
    "en_units",
    "ibm1_table",
    "profile_explained",
    "profile_overlap",
    "read_lexicon",
    "train_dice",
    "train_ibm1",
    "tgt_units",
    "write_lexicon",
]

DEFAULT_PATH = Path(__file__).with_name("data") / "lexicon.en-zh.txt"

_ROLE = re.compile(r":[\w-]+:")
_WIDE = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]"
_WIDE_RUN = re.compile(f"{_WIDE}+")
_STOP = frozenset("""
the and for that this with are from can not but its was were been have has had will would could should
which what when where who whom how why than then there their them they these those such also into onto
over under more most less least very just only each every other some any all both either neither our ours
your yours you his her him she its itself we us one two may might must shall does did doing done being
about above after again against because before below between during further here off once own same so too
upon via while whether let use used using given thus hence therefore however since until within without
""".split())


def _plain(text: str) -> str:
    """``text`` with inline markup blanked out (math, code, roles, link targets, URLs are not words)."""
    spans = _spans(text)
    if spans:
        out, last = [], 0
        for s in spans:
            if s.kind == "slide" or s.start < last:
                continue
            out.append(text[last:s.start])
            out.append(" ")
            last = s.end
        out.append(text[last:])
        text = "".join(out)
    return _ROLE.sub(" ", text) if ":" in text else text  # a role starts with ":"


def _content_word(w: str) -> str:
    """``w`` lower-cased without a plural ``s``, or ``""`` for a stop word or one under 3 letters."""
    w = w.lower()
    if len(w) < 3 or w in _STOP:
        return ""
    if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w


#: ``_content_word`` of every word form seen, by its bytes (the book has a few tens of thousands); emptied when it
#: grows large
_CONTENT: dict[bytes, str] = {}
#: A byte table that keeps ASCII letters and turns every other byte into a space: the UTF-8 bytes of a text through
#: it, split on spaces, are its maximal runs of ASCII letters (a non-ASCII character is bytes >= 0x80, so it ends a
#: run as in ``[A-Za-z][A-Za-z]+``), 5x faster than that regex's ``findall``. Runs of one letter are not its matches;
#: ``_content_word`` drops them anyway (under 3 letters).
_LETTERS = bytes(c if 65 <= c <= 90 or 97 <= c <= 122 else 32 for c in range(256))


def en_units(text: str) -> frozenset[str]:
    """The English content words of ``text`` (see the module docstring): ``_content_word`` of each
    ``[A-Za-z][A-Za-z]+`` match, without the empty ones (``tests/test_lexicon.py`` holds it to that regex)."""
    memo = _CONTENT
    if len(memo) > 200_000:
        memo.clear()
    found = _plain(text).encode("utf-8", "surrogatepass").translate(_LETTERS).split()
    try:  # every form seen before (most sentences): mapped in C
        words = set(map(memo.__getitem__, found))
    except KeyError:
        for w in found:
            if w not in memo:
                memo[w] = _content_word(w.decode("ascii"))
        words = set(map(memo.__getitem__, found))
    words.discard("")
    return frozenset(words)


def tgt_units(text: str) -> frozenset[str]:
    """Character bigrams of the Han/kana runs of ``text`` (a one-character run counts as itself).

    The same set as a zero-width match ``(?=(WW))`` at each bigram start plus each lone ``W`` (``W`` = ``_WIDE``;
    ``tests/test_lexicon.py`` holds it to those regexes), from one match per run instead of one per character:
    each run's bigrams are its characters added to the next ones, in C."""
    units: set[str] = set()
    for run in _WIDE_RUN.findall(_plain(text)):
        if len(run) == 1:
            units.add(run)
        else:
            units.update(map(add, run, run[1:]))
    return frozenset(units)


@dataclass(frozen=True, slots=True)
class WordProfile:
    """What the lexicon knows about one text: its ``known`` units (those with an entry), and its ``image``: every
    unit of the other language that translates one of them. A known unit of text A has a translation in text
    B exactly when it is in B's image, so overlaps are set intersections computed once per text."""

    known: frozenset[str] = frozenset()
    image: frozenset[str] = frozenset()

    def union(self, *others: WordProfile) -> WordProfile:
        """The profile of the texts together."""
        return WordProfile(self.known.union(*(o.known for o in others)), self.image.union(*(o.image for o in others)))


@dataclass(frozen=True)
class Lexicon:
    """English word → its associated target units, and the reverse, with association weights (0..1]."""

    forward: dict[str, dict[str, float]] = field(default_factory=dict)
    method: str = "dice"

    @cached_property
    def backward(self) -> dict[str, set[str]]:
        """Target unit → the English words it translates (the inverse of ``forward``; built once per lexicon)."""
        out: dict[str, set[str]] = {}
        for w, units in self.forward.items():
            for u in units:
                out.setdefault(u, set()).add(w)
        return out

    @cached_property
    def _known(self) -> tuple[frozenset[str], frozenset[str]]:
        return frozenset(self.forward), frozenset(self.backward)

    @cached_property
    def _images(self) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        """Per known unit of each side, what translates it, as a frozenset (merged faster than a dict or set)."""
        return ({w: frozenset(units) for w, units in self.forward.items()},
                {u: frozenset(words) for u, words in self.backward.items()})

    def profile(self, units: frozenset[str], is_src: bool) -> WordProfile:
        """The :class:`WordProfile` of ``units`` (English words when ``is_src``, else target units)."""
        side = 0 if is_src else 1
        known = units & self._known[side]
        if len(known) < 2:  # none, or one: its image as it is (most sentences of a few words)
            return WordProfile(known, self._images[side][next(iter(known))]) if known else WordProfile(known)
        table = self._images[side]
        return WordProfile(known, frozenset().union(*[table[u] for u in known]))

    @cached_property
    def _text_memo(self) -> tuple[dict[str, tuple[frozenset[str], WordProfile]], ...]:
        return {}, {}

    def text_profile(self, text: str, is_src: bool) -> tuple[frozenset[str], WordProfile]:
        """``text``'s units (``en_units`` when ``is_src``, else ``tgt_units``) and their :meth:`profile`, once per
        distinct text: the block aligner and the sentence aligner ask for the same sentences (``align/units.py``)."""
        memo = self._text_memo[0 if is_src else 1]
        known = memo.get(text)
        if known is None:
            if len(memo) > 4_000:  # a build reads a file pair's entries back right away; ~4 KB each
                memo.clear()
            units = en_units(text) if is_src else tgt_units(text)
            known = memo[text] = (units, self.profile(units, is_src))
        return known

    def overlap(self, en: frozenset[str], tgt: frozenset[str]) -> float | None:
        """How well two texts explain each other: the harmonic mean of the share of known English words with
        a translation in ``tgt`` and the share of known target units with a source word in ``en``. ``None``
        when either side has fewer than two known units (no evidence either way)."""
        return profile_overlap(self.profile(en, True), self.profile(tgt, False))

    def explained(self, part: frozenset[str], other: frozenset[str], part_is_src: bool) -> float | None:
        """Share of the known units of ``part`` that have a translation in ``other`` (``None``: fewer than
        three known units). Used to refuse a many-block group whose extra block nothing on the other side
        explains (a zh-only note glued to its neighbour)."""
        return profile_explained(self.profile(part, part_is_src), self.profile(other, not part_is_src))

    def extended(self, entries: dict[str, dict[str, float]]) -> Lexicon:
        """This lexicon plus ``entries`` for words it does not have (``bot/align/adapt.py``: one per document). Its
        derived tables are this one's with the new entries added, not rebuilt from all 2,500 words."""
        if not entries.keys().isdisjoint(self.forward):
            raise ValueError("extended() adds new words only")
        out = Lexicon({**self.forward, **entries}, self.method)
        backward = dict(self.backward)  # the sets of units without a new word are shared: never changed once built
        src_images, tgt_images = dict(self._images[0]), dict(self._images[1])
        for w, units in entries.items():
            src_images[w] = frozenset(units)
            for u in units:
                backward[u] = backward.get(u, set()) | {w}
                tgt_images[u] = frozenset(backward[u])
        # cached_property stores in the instance dict, which a frozen dataclass leaves writable
        out.__dict__["backward"] = backward
        out.__dict__["_known"] = (self._known[0] | entries.keys(), self._known[1].union(tgt_images))
        out.__dict__["_images"] = (src_images, tgt_images)
        return out

    def __len__(self) -> int:
        return len(self.forward)


def profile_overlap(src: WordProfile, tgt: WordProfile) -> float | None:
    """:meth:`Lexicon.overlap` of two profiled texts (``src`` English)."""
    known_en, known_tgt = len(src.known), len(tgt.known)
    if known_en < 2 or known_tgt < 2:
        return None
    p, r = len(src.known & tgt.image) / known_en, len(tgt.known & src.image) / known_tgt
    return 2 * p * r / (p + r) if p + r else 0.0


def profile_explained(part: WordProfile, other: WordProfile) -> float | None:
    """:meth:`Lexicon.explained` of two profiled texts."""
    if len(part.known) < 3:
        return None
    return len(part.known & other.image) / len(part.known)


# --------------------------------------------------------------------------------------------------
# Training


def _units(pairs: Iterable[tuple[str, str]]) -> list[tuple[frozenset[str], frozenset[str]]]:
    return [(e, t) for e, t in ((en_units(s), tgt_units(t)) for s, t in pairs) if e and t]


def train_dice(pairs: Iterable[tuple[str, str]], *, min_count: int = 3, top: int = 4,
               min_score: float = 0.2, max_share: float = 0.15) -> Lexicon:
    """Dice associations between English words and target bigrams over aligned ``pairs``.

    Words or bigrams seen in fewer than ``min_count`` pairs are too rare to trust; those in more than
    ``max_share`` of all pairs (的是, "model") associate with everything and are left out."""
    data = _units(pairs)
    df_en: Counter[str] = Counter()
    df_tgt: Counter[str] = Counter()
    where: dict[str, list[int]] = {}
    for k, (e, t) in enumerate(data):
        df_en.update(e)
        df_tgt.update(t)
        for w in e:
            where.setdefault(w, []).append(k)
    cap = max(min_count, int(max_share * len(data)))
    forward: dict[str, dict[str, float]] = {}
    for w, rows in where.items():
        if not min_count <= df_en[w] <= cap:
            continue
        co: Counter[str] = Counter()
        for k in rows:
            co.update(data[k][1])
        best = dice_best(co, df_en[w], df_tgt, lambda u, c: c >= 2 and min_count <= df_tgt[u] <= cap, min_score, top)
        if best:
            forward[w] = best
    return Lexicon(forward, "dice")


def dice_best(co: Mapping[str, int], df_word: int, df_unit: Mapping[str, int], keep: Callable[[str, int], bool],
              min_score: float, top: int) -> dict[str, float]:
    """The ``top`` units co-occurring with a word (``co``: unit -> shared pairs) by Dice coefficient, at least
    ``min_score``, among those ``keep(unit, count)`` allows; best first, ties by unit."""
    scored = sorted((-2 * c / (df_word + df_unit[u]), u) for u, c in co.items() if keep(u, c))
    return {u: round(-d, 3) for d, u in scored[:top] if -d >= min_score}


def train_ibm1(pairs: Iterable[tuple[str, str]], *, iterations: int = 5, min_count: int = 3, top: int = 4,
               min_prob: float = 0.05, max_share: float = 0.15) -> Lexicon:
    """IBM Model 1 with English words as the source and target bigrams as the target; each word keeps its most
    probable bigrams. Same vocabulary filters as ``train_dice``. The EM is ``nltk.translate.IBMModel1``'s (uniform
    start, a NULL source word, the same order of sums: the same table; ``tests/test_lexicon.py`` compares the two),
    written out over plain dicts: nltk's took 17 s on the book, most of it reading the table back word by bigram."""
    data = _units(pairs)
    df_en: Counter[str] = Counter(w for e, _ in data for w in e)
    df_tgt: Counter[str] = Counter(u for _, t in data for u in t)
    cap = max(min_count, int(max_share * len(data)))
    keep_en = {w for w, c in df_en.items() if min_count <= c <= cap}
    keep_tgt = {u for u, c in df_tgt.items() if min_count <= c <= cap}
    bitext = []
    for e, t in data:
        words, units = sorted(e & keep_en), sorted(t & keep_tgt)
        if words and units:
            bitext.append((units, words))
    table = ibm1_table(bitext, iterations)
    initial = 1 / len(table) if table else 0.0  # what nltk reads for a pair that never co-occurred
    forward: dict[str, dict[str, float]] = {}
    if initial >= min_prob:  # a tiny corpus: every pair qualifies, seen or not
        scored_by = {w: [(table[u].get(w, initial), u) for u in keep_tgt] for w in keep_en}
    else:
        scored_by = {}
        for u, row in table.items():
            for w, prob in row.items():
                if w is not None:
                    scored_by.setdefault(w, []).append((prob, u))
    for w in keep_en:
        scored = sorted((x for x in scored_by.get(w, ()) if x[0] >= min_prob), key=lambda x: (-x[0], x[1]))
        if scored:
            forward[w] = {u: round(p, 3) for p, u in scored[:top]}
    return Lexicon(forward, "ibm1")


#: nltk's floor for a translation probability (``IBMModel.MIN_PROB``)
_MIN_PROB = 1.0e-12


def ibm1_table(bitext: list[tuple[list[str], list[str]]], iterations: int) -> dict[str, dict[str | None, float]]:
    """``t(target | source)`` after ``iterations`` of IBM Model 1's EM over ``(target words, source words)`` pairs,
    as ``table[target][source]`` (``None`` is the NULL source word); only pairs that co-occur are stored (any other
    reads ``1 / len(table)``, the uniform start). The arithmetic of ``nltk.translate.IBMModel1``, in its order."""
    vocabulary: set[str] = set()
    for units, _ in bitext:
        vocabulary.update(units)
    if not vocabulary:
        return {}
    initial = 1 / len(vocabulary)
    table: dict[str, dict[str | None, float]] = {u: {} for u in vocabulary}
    corpus = [(units, [None, *words]) for units, words in bitext]
    for _ in range(iterations):
        counts: dict[str, defaultdict[str | None, float]] = {u: defaultdict(float) for u in vocabulary}
        any_count: defaultdict[str | None, float] = defaultdict(float)
        for units, source in corpus:
            for u in units:
                get = table[u].get
                probs = [get(s, initial) for s in source]
                total = 0.0
                for prob in probs:  # not sum(): Python 3.12's sum() of floats rounds differently from nltk's loop
                    total += prob
                out = counts[u]
                for s, prob in zip(source, probs, strict=True):
                    c = prob / total
                    out[s] += c
                    any_count[s] += c
        for u, out in counts.items():
            row = table[u]
            for s, c in out.items():
                row[s] = max(c / any_count[s], _MIN_PROB)
    return table


# --------------------------------------------------------------------------------------------------
# File format: a header line, then ``word<TAB>unit:weight unit:weight …`` sorted by word


def write_lexicon(lex: Lexicon, path: Path, note: str = "") -> None:
    lines = [f"# amts bilingual lexicon, method={lex.method}, entries={len(lex)}" + (f"; {note}" if note else "")]
    for w in sorted(lex.forward):
        lines.append(w + "\t" + " ".join(f"{u}:{d:g}" for u, d in lex.forward[w].items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_lexicon(path: Path) -> Lexicon:
    forward: dict[str, dict[str, float]] = {}
    method = "dice"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            m = re.search(r"method=(\w+)", line)
            method = m.group(1) if m else method
            continue
        if not line.strip():
            continue
        w, _, rest = line.partition("\t")
        forward[w] = {u: float(d) for u, _, d in (item.rpartition(":") for item in rest.split())}
    return Lexicon(forward, method)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon | None:
    """The shipped English→Chinese lexicon, or ``None`` if the data file is absent."""
    return read_lexicon(DEFAULT_PATH) if DEFAULT_PATH.is_file() else None


def training_pairs(documents: Iterable[tuple[str, Document, Document]], src_lang: str = "en", tgt_lang: str = "zh",
                   min_score: float = 0.8) -> list[tuple[str, str]]:
    """Confident sentence pairs of ``(name, source, translation)`` documents: in every block pair the aligner
    is confident about, the sentence beads scoring at least ``min_score``. Aligned without any lexicon, so
    a lexicon never trains on its own output."""
    from bot.align.blocks import LOW_CONFIDENCE, align
    from bot.align.textpairs import block_text_pairs

    out = []
    for _, src, tgt in documents:
        alignment = align(src, tgt, lexicon=None)
        for p in alignment.pairs:
            if p.score < LOW_CONFIDENCE:
                continue
            for tp in block_text_pairs(alignment, p, src_lang, tgt_lang, "sentence", lexicon=None):
                if tp.score >= min(min_score, p.score):
                    out.append((tp.src, tp.tgt))
    return out
