"""Near-matches: English changed by a word or two keeps its human translation, under every engine.

This is the fuzzy translation-memory rule applied where the planner knows the exact pair: the old English
of a spliced sentence group (or list item, or whole block) and the human translation of it. When the new
English is a near-match of the old one (character similarity at least ``FUZZY_THRESHOLD``, only a few
words changed, none of them a negation, quantifier or comparison: ``MEANING_WORDS``), the human text is kept
instead of being sent to an engine -- with the numbers, code spans,
formulas, roles and URLs that changed replaced verbatim where the translation has them -- and the block is
flagged for review with the English word diff. A changed verbatim token that cannot be replaced verbatim
(added, removed, or not in the translation as often as in the English) means the change carries content:
that is not a near-match, it is sent. It runs in the planner, before any engine is asked, so the ``aws`` and
LLM engines keep the human sentence (and its ``中文（english）`` term conventions) exactly as ``tm`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.fuzz import ratio

from bot.sync.trivial import replaced_tokens
from bot.translate.tm import FUZZY_THRESHOLD, MEANING_WORDS, changed_words, english_diff

#: At most this many words changed (or this share of the old words, whichever is larger).
MAX_CHANGED_WORDS = 3
MAX_CHANGED_SHARE = 0.15
#: Tokens a translator copies verbatim; numbers use ASCII boundaries (in Chinese they touch Han characters).
_VERBATIM = re.compile(r"\$[^$\n]+\$|:\w+:`[^`\n]*`|`[^`\n]+`|\]\([^)\s]*\)|https?://[^\s)>]+"
                       r"|(?<![A-Za-z0-9_.])\d+(?:\.\d+)?(?![A-Za-z0-9_])")
FLAG = "near-match: human text kept"



@dataclass(frozen=True)
class NearMatch:
    text: str  # the human text, changed verbatim tokens replaced
    score: float  # character similarity of the old and new English, 0..100
    fixes: int  # verbatim tokens replaced in the human text
    note: str


def _occurrences(token: str, text: str) -> list[re.Match[str]]:
    if token[0].isdigit():
        # a number, not part of a decimal (``1`` of ``1.5``) nor of a formula (``$1$``)
        return list(re.finditer(r"(?<![A-Za-z0-9_.$])" + re.escape(token) + r"(?![A-Za-z0-9_$]|\.\d)", text))
    return list(re.finditer(re.escape(token), text))


def near_match(old_en: str, new_en: str, human: str) -> NearMatch | None:
    """The human text to keep for ``new_en`` when it is a near-match of ``old_en``, else ``None``."""
    a, b = " ".join(old_en.split()), " ".join(new_en.split())
    if not a or not b or not human.strip():
        return None
    score = ratio(a, b)
    words = a.split()
    changed, which = changed_words(words, b.split())
    if score < FUZZY_THRESHOLD or changed > max(MAX_CHANGED_WORDS, MAX_CHANGED_SHARE * len(words)) \
            or which & MEANING_WORDS:
        return None
    old_t = _VERBATIM.findall(a)
    pairs = replaced_tokens(old_t, _VERBATIM.findall(b))
    if pairs is None:
        return None  # a formula, code span or number added or removed: content to translate
    text = human
    for x in dict.fromkeys(x for x, _ in pairs):
        ys = {y for x2, y in pairs if x2 == x}
        if len(ys) != 1 or len(_occurrences(x, human)) != old_t.count(x):
            return None  # the translation does not have it as the English had it: cannot fix it verbatim
        y = ys.pop()
        text = "".join(_splice_all(text, _occurrences(x, text), y))
    fixed = f", {len(pairs)} number(s)/formula(s)/code span(s) replaced verbatim" if pairs else ""
    note = (f"near-match {score:.0f}%: the human translation is kept{fixed}, nothing sent; check it still says "
            f"the new English: {english_diff(a, b)}")
    return NearMatch(text, score, len(pairs), note)


def _splice_all(text: str, matches: list[re.Match[str]], replacement: str) -> list[str]:
    out: list[str] = []
    last = 0
    for m in matches:
        out += [text[last:m.start()], replacement]
        last = m.end()
    out.append(text[last:])
    return out
