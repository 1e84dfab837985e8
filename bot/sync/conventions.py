"""The term convention ``中文（english）`` of a human block, kept in an engine's text for that block.

d2l-zh writes a term's English after its first use in a section: ``*训练误差*（training error）``. When the
sync sends a changed sentence of such a block to an engine, the engine's text has the term at best
(from the edition's terminology or glossary) but never the convention, and the convention disappears
with the human sentence. ``reapply`` puts it back: for each convention of the old human block that the
kept part of the block no longer has, when the English that was sent names the term, ``（english）`` is put
after the first use of the term in the engine's text. When the engine used another word for it, nothing
is guessed: the convention is reported missing, for the notes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
#: ``*术语*（english）``, ``**术语**（english）`` or ``术语（english）`` (the Han run before the parenthesis).
_CONVENTION = re.compile(rf"(?:(\*{{1,2}})([^*\n]{{1,24}}?)\1|([{_HAN}]{{2,16}}))"
                         r"（([A-Za-z][A-Za-z0-9 .,'/-]{0,60})）")
MIN_TERM = 2


@dataclass(frozen=True)
class Convention:
    english: str
    terms: tuple[str, ...]  # the Chinese term, or candidate suffixes of the Han run (longest first)


@dataclass(frozen=True)
class Reapplied:
    text: str
    applied: tuple[str, ...]  # english terms whose convention was put back
    missing: tuple[str, ...]  # english terms whose Chinese term the engine did not use


def conventions(human: str) -> list[Convention]:
    out: list[Convention] = []
    seen: set[str] = set()
    for m in _CONVENTION.finditer(human):
        english = m.group(4).strip()
        if english.lower() in seen:
            continue
        seen.add(english.lower())
        if m.group(2):
            terms: tuple[str, ...] = (m.group(2).strip(),)
        else:
            run = m.group(3)
            terms = tuple(run[-n:] for n in range(len(run), MIN_TERM - 1, -1))
        out.append(Convention(english, terms))
    return out


def _has(text: str, english: str) -> bool:
    return re.search(r"[（(]\s*" + re.escape(english) + r"\s*[)）]", text, re.IGNORECASE) is not None


def _names(english_text: str, term: str) -> bool:
    words = r"\W+".join(re.escape(w) for w in term.split())
    return re.search(rf"(?<![A-Za-z]){words}(?![A-Za-z])", english_text, re.IGNORECASE) is not None


def reapply(text: str, sent_english: str, human: str, kept: str = "", done: Sequence[str] = ()) -> Reapplied:
    """``text`` (an engine's translation of ``sent_english``) with the conventions of the old ``human`` block
    put back that neither ``kept`` (the human text the block keeps) nor ``done`` (put back already) has."""
    applied: list[str] = []
    missing: list[str] = []
    for conv in conventions(human):
        if conv.english in done or _has(kept, conv.english) or _has(text, conv.english) \
                or not _names(sent_english, conv.english):
            continue
        for term in conv.terms:
            m = re.search(r"(\*{1,2})" + re.escape(term) + r"\1|" + re.escape(term), text)
            if m:
                text = text[:m.end()] + f"（{conv.english}）" + text[m.end():]
                applied.append(conv.english)
                break
        else:
            missing.append(conv.english)
    return Reapplied(text, tuple(applied), tuple(missing))
