"""Is the edition *ahead* of its origin file? Evidence from the tokens a translator keeps verbatim.

Editions often update a translation without updating ``X_origin.md``: the origin then says an older
English than the one the translation follows, and the diff origin -> new English would re-translate text
the translators already brought up to date. Numbers, inline code, math, URLs, roles, slide markers (and
for wide-script editions the Latin names kept in the text) are copied verbatim by translators, so they
tell which English a translated block follows: for every token that differs between the old and the new
English, the translated block votes *ahead* when it has the new count and *behind* when it has the old
one. A Latin word only votes when it is present (its absence says nothing: most words get translated).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from bot.align.sentalign import invariant_tokens
from bot.sync.markers import marker_counts, strip_markers

WIDE = frozenset({"zh", "ja", "ko"})
_ROLE = re.compile(r":\w+:`([^`]+)`")


@dataclass(frozen=True)
class Evidence:
    ahead: int
    behind: int
    tokens: tuple[str, ...] = ()  # the deciding tokens, for the notes

    @property
    def verdict(self) -> str:
        """``ahead``, ``behind``, ``mixed`` or ``none``."""
        if self.ahead and not self.behind:
            return "ahead"
        if self.behind and not self.ahead:
            return "behind"
        return "mixed" if self.ahead else "none"


def _tokens(text: str, latin: bool) -> Counter[str]:
    tokens = invariant_tokens(strip_markers(text), latin_words=latin)
    tokens["slide"] += sum(marker_counts(text).values())  # marker style aside: editions pick their own
    return tokens


def evidence(old_en: str, new_en: str, translation: str, lang: str) -> Evidence:
    latin = lang in WIDE
    o, n, e = _tokens(old_en, latin), _tokens(new_en, latin), _tokens(translation, latin)
    votes = {True: [0, 0, []], False: [0, 0, []]}  # strong (verbatim markup) / weak (Latin words)
    for t in sorted(set(o) | set(n)):
        if o[t] == n[t]:
            continue
        weak = t.startswith("w")
        if weak and e[t] == 0:
            e[t] = _near(t, e)
            if e[t] == 0:
                continue  # a translated word is absent either way
        v = votes[not weak]
        if e[t] == n[t] or (t.startswith("slide") and e[t] >= n[t] > o[t]):
            v[0] += 1
            v[2].append(t)
        elif e[t] == o[t]:
            v[1] += 1
    # Latin words are weak evidence (a translator repeats or drops names): they decide only when no
    # code, math, number, URL or marker does.
    ahead, behind, deciding = votes[True] if votes[True][0] or votes[True][1] else votes[False]
    return Evidence(ahead, behind, tuple(deciding[:6]))


def _near(word: str, tokens: Counter[str]) -> int:
    """How often a long Latin name occurs misspelt (<= 2 edits), as translators sometimes copy it."""
    if len(word) < 8:
        return 0
    return sum(c for t, c in tokens.items() if t.startswith("w") and Levenshtein.distance(t, word) <= 2)


def carried_tokens(english: str, translation: str, origin: str = "") -> bool:
    """The translation already has every verbatim token of ``english`` (and there is at least one
    number, code span, formula, URL or role among them): it already says what ``english`` says."""
    en = invariant_tokens(strip_markers(english), latin_words=False)
    if not en:
        return False
    for role in {m.group() for m in _ROLE.finditer(english)}:
        if translation.count(role) < origin.count(role) + english.count(role):
            return False  # a label or reference the edition lacks: it does not say this yet
    tr = invariant_tokens(strip_markers(translation), latin_words=False)
    return all(tr[t] >= c for t, c in en.items())
