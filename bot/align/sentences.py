"""Sentence splitting for D2L prose blocks in every edition language.

Why rule-based and not a trained model: the sentences feed parallel data (ACT) and the splice step, where a
sentence boundary inside ``$…$``, inline code, a ``:role:`…``` or a slide marker would break the markup
invariants. D2L's English is edited text with a small, known set of abbreviations, so a handful of explicit
rules reproduces the team's gold splitting exactly (see ``benchmarks/bench_sentences.py``), is deterministic,
needs no data at run time, and is easy to extend for a new language. nltk's Punkt was considered: without
its downloaded English model it has to be trained on the corpus and shipped, and it still knows nothing
about markup, so it would need the same protection layer on top and could only add abbreviation guesses.

The rules follow ``shared/gold/README.md`` ("Sentence splitting rules"), with three deliberate extras that
only *remove* wrong splits:

* Latin-script languages do not split when the next word starts with a lower-case letter
  ("i.i.d. assumption", Turkish ordinals "1. katman", "p. ex.").
* A single capital letter is an initial ("Claude E. Shannon", "H. G. Wells").
* Slide markers ``[**…**]``, ``(**…**)``, ``[~~…~~]``, ``(~~…~~)`` are never cut in the middle; a mark right
  before the marker's end splits *after* the closing ``**]`` so both sentences keep balanced markup.

Everything here is a pure function over strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

__all__ = [
    "LANGUAGES",
    "JOINERS",
    "join_lines",
    "joiner",
    "split_sentences",
    "protected_spans",
]

LANGUAGES: tuple[str, ...] = ("en", "zh", "ja", "ko", "tr", "vi", "pt")

#: How the lines of one paragraph (and the sentences of one row) are glued back together. Chinese and
#: Japanese do not put spaces between words, so a D2L line break there is not a space.
JOINERS: dict[str, str] = {"en": " ", "zh": "", "ja": "", "ko": " ", "tr": " ", "vi": " ", "pt": " "}

# --------------------------------------------------------------------------------------------------
# Language tables
# --------------------------------------------------------------------------------------------------

#: Abbreviations from the gold README, plus a few that D2L uses (Figs., Eqs., approx., w.r.t., …).
#: They are matched on the whole token before the mark, case-sensitively, and also with the first
#: letter capitalised at the start of a sentence ("E.g.", "Cf.").
_EN_ABBREVIATIONS: frozenset[str] = frozenset(
    """
    e.g. i.e. et al. al. Fig. Figs. Eq. Eqs. vs. cf. Sec. Secs. Sect. Ch. Chs. Chap. No. Nos. etc.
    Dr. Mr. Mrs. Ms. St. Prof. Jr. Sr. approx. resp. w.r.t. a.k.a. viz. Ph.D. i.i.d. p.d.f. c.d.f.
    p.m.f. v.s. U.S. U.K. Inc. Ltd. Corp. pp. vol. Vol. Tab. Alg. Thm. Def. Prop. Lem. Appx. sq.
    """.split()
)

_EXTRA_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "tr": frozenset(
        "vb. vs. örn. Örn. ör. bkz. Bkz. vd. Şek. şek. Denk. denk. Böl. böl. Doç. Yrd. sf. s. yy. Tab. Alg. "
        "krş. Krş. mad. no. Sn.".split()
    ),
    "pt": frozenset(
        "Sr. Sra. Srta. Sres. Dra. Profa. p. ex. pág. págs. cap. Cap. fig. eq. sec. Seç. seç. aprox. obs. "
        "vol. n. nº. núm. Exmo. Exma. séc. ed. tab. Tab.".split()
    ),
    "vi": frozenset("v.v. TS. ThS. GS. PGS. Tp. TP. tr. VD. Vd. vd. Th.S. ThS".split()),
    "ko": frozenset(),
    "en": frozenset(),
}

#: Sentence-final marks. Western languages also need the follow-up check "space or end".
_WESTERN_TERMINATORS = ".?!"
_TERMINATORS: dict[str, str] = {
    "zh": "。！？；",
    # Japanese technical prose sometimes uses the full-width period "．"; "｡" is the half-width form.
    "ja": "。！？．｡",
}

#: Characters that close a quotation or bracket and stay with the sentence they end.
_WESTERN_CLOSERS = "\"')]}”’»"
_CJK_CLOSERS: dict[str, str] = {
    "zh": "”’」』）)",
    "ja": "」』）)”’】〕〉》］",
}

#: Japanese particles that continue a sentence after a quotation closed with 」 (「はい。」と答えた).
_JA_QUOTATIVE = frozenset("とっ")

_CJK_LANGS = frozenset({"zh", "ja"})

# --------------------------------------------------------------------------------------------------
# Protected inline markup
# --------------------------------------------------------------------------------------------------

# A whole link ``[text](target)`` is kept when its text has no brackets (a cut in the text would break
# the link); otherwise at least the target is. Inline code may use any run of backticks; ``:role:`x```
# is covered by its code span (the role name itself has no sentence mark). ``$$…$$`` must come before
# ``$…$``. ``\$`` is a literal dollar. The lookahead names every character a span can start with, so the
# engine skips plain text without trying the six branches at each position (5x faster, same matches).
_PROTECT_RE = re.compile(
    r"""
    (?=[`$!\[\]<])
    (?:
      (?P<code>(?P<ticks>`+).+?(?P=ticks))
    | (?P<dmath>\$\$.+?\$\$)
    | (?P<math>(?<!\\)\$(?:\\.|[^$\\])+?\$)
    | (?P<link>!?\[[^\[\]]*\]\([^)\s]*(?:\s+"[^"]*")?\))
    | (?P<target>\]\([^)\s]*(?:\s+"[^"]*")?\))
    | (?P<url><https?://[^>\s]+>)
    )
    """,
    re.VERBOSE | re.DOTALL,
)

_SLIDE_RE = re.compile(r"\[\*\*.+?\*\*\]|\(\*\*.+?\*\*\)|\[~~.+?~~\]|\(~~.+?~~\)", re.DOTALL)


class Span(NamedTuple):
    """A half-open range ``[start, end)`` of the text that must not be cut, and what it is.

    A named tuple: the aligner makes one per inline markup span of every sentence, and a tuple is made in half the
    time of a frozen dataclass."""

    start: int
    end: int
    kind: str


#: ``Span``'s own constructor is a Python function; the tuple's (same object) is called per markup span of every text
_new_span = tuple.__new__


def protected_spans(text: str) -> list[Span]:
    """Inline markup that a sentence boundary may not cut: math, code, roles, link targets, slide markers.

    Exposed because the aligner uses the same spans as invariant anchors.
    """
    return list(_spans(text))


@lru_cache(maxsize=4096)
def _spans(text: str) -> tuple[Span, ...]:
    # Cached: the aligner asks for the spans of one sentence twice (anchors, then words). Every span starts with one
    # of `` ` $ [ ] < `` (an image link's "!" comes before a "["): 60% of the book's sentences have none, and five
    # substring tests are cheaper than the regex's scan of every character.
    if "`" in text or "$" in text or "[" in text or "]" in text or "<" in text:
        spans = [_new_span(Span, (*m.span(), m.lastgroup or "code")) for m in _PROTECT_RE.finditer(text)]
    else:
        spans = []
    if "**" in text or "~~" in text:  # every slide marker has one of them
        slides = [Span(*m.span(), "slide") for m in _SLIDE_RE.finditer(text)]
        if slides:
            return tuple(sorted(spans + slides, key=lambda s: (s.start, s.end)))
    return tuple(spans)  # ``finditer`` found them left to right without overlaps: already sorted


@dataclass(frozen=True, slots=True)
class _Guards:
    """Per-paragraph lookup tables: where a mark may not end a sentence, and where slide markers end."""

    inline: bytearray  # 1 inside inline markup (math, code, links), else 0
    slide_end: dict[int, int]


def _guards(text: str) -> _Guards:
    inline = bytearray(len(text))  # a byte per character: allocated and filled in C, no list of bools
    slide_end: dict[int, int] = {}
    for span in _spans(text):
        if span.kind == "slide":
            slide_end.update(dict.fromkeys(range(span.start, span.end), span.end))
        else:
            inline[span.start : span.end] = b"\1" * (span.end - span.start)
    return _Guards(inline, slide_end)


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def _check_lang(lang: str) -> str:
    code = lang.lower().split("-")[0].split("_")[0]
    if code not in JOINERS:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return code


def joiner(lang: str) -> str:
    """The string that glues lines or sentences of ``lang`` together: ``""`` for zh/ja, ``" "`` otherwise."""
    return JOINERS[_check_lang(lang)]


def join_lines(text: str, lang: str) -> str:
    """Join the lines of one paragraph the way the gold does: strip each line, glue with :func:`joiner`.

    D2L English uses one clause per line (semantic line breaks), so a line break is a space in English
    and nothing in Chinese or Japanese. Blank lines are dropped.
    """
    glue = joiner(lang)
    return glue.join(line.strip() for line in text.splitlines() if line.strip())


def split_sentences(text: str, lang: str) -> list[str]:
    """Split one prose block into sentences.

    ``text`` may still carry its line breaks; it is joined with :func:`join_lines` first, so the
    sentences are substrings of the joined paragraph and ``joiner(lang).join(result)`` rebuilds it (up
    to the whitespace at the cut points). Inline markup is never cut.
    """
    code = _check_lang(lang)
    joined = join_lines(text, code)
    if not joined:
        return []
    cuts = _cut_points_cjk(joined, code) if code in _CJK_LANGS else _cut_points_western(joined, code)
    sentences: list[str] = []
    start = last = 0
    for cut in [*cuts, len(joined)]:
        piece = joined[start:cut].strip()
        if piece:
            if sentences and len(piece) <= 3 and not any(ch.isalnum() for ch in piece):
                # a stray mark after a closed quote ("…他有痴呆症！”。"): it ends the sentence before, it is not one
                sentences[-1] = joined[last:cut].strip()
            else:
                sentences.append(piece)
                last = start
        start = cut
    return sentences


# --------------------------------------------------------------------------------------------------
# Cut-point finders
# --------------------------------------------------------------------------------------------------


def _absorb_closers(text: str, j: int, closers: str, guards: _Guards, sent_start: int) -> int:
    """Move ``j`` (just after a mark) over closing quotes/brackets and closing markup.

    Closing markup is the rest of a slide marker (``**]``) or an emphasis ``*``/``_`` run that closes one
    opened in the current sentence (an odd number of runs outside math/code so far), so "…end.* Next" keeps
    its ``*`` while "…end。*Term* starts…" does not steal the next sentence's opening ``*``.
    """
    slide_end = guards.slide_end
    n = len(text)
    while j < n:
        ch = text[j]
        if ch in closers:
            j += 1
            continue
        end = slide_end.get(j - 1)
        if end is not None and end > j and all(c in "*~])" for c in text[j:end]):
            j = end
            continue
        if ch in "*_":
            run_end = j
            while run_end < n and text[run_end] == ch:
                run_end += 1
            if _open_runs(text, ch, sent_start, j, guards.inline) % 2 == 1:
                j = run_end
                continue
        break
    return j


def _open_runs(text: str, ch: str, start: int, end: int, inline: bytearray) -> int:
    """Runs of ``ch`` in ``text[start:end]`` outside inline math/code (``$x^*$`` is not emphasis)."""
    runs = 0
    for k in range(start, end):
        if text[k] == ch and not inline[k] and (k == start or text[k - 1] != ch):
            runs += 1
    return runs


def _cut_points_cjk(text: str, lang: str) -> list[int]:
    """zh/ja: cut right after a full-width mark and its closers; no space is needed after it."""
    terminators = _TERMINATORS[lang]
    closers = _CJK_CLOSERS[lang]
    guards = _guards(text)
    cuts: list[int] = []
    sent_start = 0
    i, n = 0, len(text)
    next_mark = _MARK_RES[terminators].search
    while i < n:
        found = next_mark(text, i)  # jump to the next mark: every character before it would be skipped
        if found is None:
            break
        i = found.start()
        if _mark_allowed(text, i, guards, terminators):
            j = i + 1
            while j < n and text[j] in terminators:  # "？！", "。。"
                j += 1
            j = _absorb_closers(text, j, closers, guards, sent_start)
            if lang == "ja" and j > i + 1 and text[j - 1] in "」』" and text[j : j + 1] in _JA_QUOTATIVE:
                i = j  # 「はい。」と答えた: the quote is part of the sentence
                continue
            if text[j:].strip():
                cuts.append(j)
            sent_start = j
            i = j
            continue
        i += 1
    return cuts


def _mark_allowed(text: str, i: int, guards: _Guards, terminators: str) -> bool:
    """A mark inside protected markup never ends a sentence, except right before a slide marker's end."""
    if guards.inline[i]:
        return False
    end = guards.slide_end.get(i)
    return end is None or all(c in "*~])" or c in terminators for c in text[i + 1 : end])


_INITIAL_RE = re.compile(r"^[(\[\"'“]*[A-HJ-Z]$")
_MARK_RES = {marks: re.compile("[" + re.escape(marks) + "]")
             for marks in (_WESTERN_TERMINATORS, *_TERMINATORS.values())}


@cache
def _abbreviations(lang: str) -> frozenset[str]:
    return _EN_ABBREVIATIONS | _EXTRA_ABBREVIATIONS.get(lang, frozenset())


def _cut_points_western(text: str, lang: str) -> list[int]:
    """en, ko, tr, vi, pt: cut after ``.?!`` + closers when a space or the end follows."""
    abbreviations = _abbreviations(lang)
    guards = _guards(text)
    cuts: list[int] = []
    sent_start = 0
    i, n = 0, len(text)
    next_mark = _MARK_RES[_WESTERN_TERMINATORS].search
    while i < n:
        found = next_mark(text, i)  # jump to the next mark: every character before it would be skipped
        if found is None:
            break
        i = found.start()
        if not _mark_allowed(text, i, guards, _WESTERN_TERMINATORS):
            i += 1
            continue
        j = i + 1
        while j < n and text[j] in _WESTERN_TERMINATORS:  # "?!", "..."
            j += 1
        j = _absorb_closers(text, j, _WESTERN_CLOSERS, guards, sent_start)
        if j < n and not text[j].isspace():
            if lang == "ko" and _glued_hangul(text, i, j):
                cuts.append(j)
                sent_start = j
            i = j if j > i + 1 else i + 1
            continue
        rest = text[j:].lstrip()
        if rest and not _is_abbreviation(text, i, j, abbreviations) and not _continues_lowercase(rest):
            cuts.append(j)
            sent_start = j
        i = j
    return cuts


def _hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _glued_hangul(text: str, i: int, j: int) -> bool:
    """Korean machine-translated text often glues sentences (``쉽습니다.슬라이스``, ```Y`).이 개념``): a mark after a
    Hangul syllable (or a closing bracket) and right before one ends a sentence without a space."""
    return i > 0 and (_hangul(text[i - 1]) or text[i - 1] in ")]") and _hangul(text[j])


def _is_abbreviation(text: str, i: int, j: int, abbreviations: frozenset[str]) -> bool:
    """Is the token that ends with the mark at ``i`` an abbreviation or an initial?

    Only a ``.`` can end an abbreviation. The token is taken from the previous whitespace, without
    opening brackets/quotes, so "(e.g. x" and "“Dr. X" are recognised.
    """
    if text[i] != ".":
        return False
    k = i
    while k > 0 and not text[k - 1].isspace():
        k -= 1
    word = text[k : i + 1].lstrip("([{\"'“‘*_")
    if word in abbreviations or (word[:1].isupper() and word[:1].lower() + word[1:] in abbreviations):
        return True
    return bool(_INITIAL_RE.match(word[:-1])) and text[j:].lstrip()[:1].isupper()


def _continues_lowercase(rest: str) -> bool:
    """Latin-script text never starts a sentence with a lower-case letter; such a "." is not an end."""
    first = rest[0]
    return first.isalpha() and first.islower()
