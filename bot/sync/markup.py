"""Markup a translation follows exactly: heading levels, list markers, emphasis, and a paragraph's final ``.``/``:``.

Upstream edits that only move a heading to another level (``#### Medical`` -> ``### Medical``) or only
add, remove or re-style an emphasis (``*covariate shift*`` -> ``covariate shift``, ``"runaway feedback
loops"`` -> ``*runaway feedback loops*``) leave the words alone, so they send nothing; but a reader of the
translation sees them, and human translators carry them (d2l-tr's v0.17.1 syncs do, every time). They are
carried here by position, never by guessing: the k-th emphasis of the old English is the k-th emphasis of
the translation only when both have the same number of them. An edit that cannot be placed that way (an
emphasis put on words that were plain, a span that grows or shrinks) is reported as not carried. A
paragraph whose final ``.`` became ``:`` (it now announces the equation or code below) or back gets the
same final mark in the translation (``.``/``。`` <-> ``:``/``：``); other punctuation stays trivial.
A d2l directive line (``:label:`tab_ec2```, ``:width:`400px```) added to or removed from the end of a block
(upstream moved a table's label from under the table to under its caption) is carried line for line: the
translation keeps its words and gains or loses the same line, so no reference dangles.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

_HEADING = re.compile(r"^(#{1,6})(?=\s)")
# inline code and math are opaque: an asterisk inside them is not emphasis
_OPAQUE = re.compile(r"`[^`\n]+`|\$\$.+?\$\$|\$[^$\n]+\$", re.DOTALL)
_EMPH = re.compile(r"(?<![*\w\\])\*(?![*\s])((?:[^*\n]|\n(?!\s*\n))+?)(?<![\s\\])\*(?![*\w])")
_SLIDE = re.compile(r"[\[(](?:\*\*|~~)|(?:\*\*|~~)[\])]")
_QUOTE = re.compile(r"\"([^\"\n]+)\"")
_WORD = re.compile(r"\w+")
#: A d2l directive alone on its line: a block's label, an equation's label, a figure's size.
MARK_LINE = re.compile(r"^:(?:label|eqlabel|width|height):`[^`\n]+`[ \t]*$", re.M)


@dataclass
class Carried:
    text: str
    carried: int = 0  # markup edits applied to the translation
    uncarried: int = 0  # markup edits that could not be placed
    notes: list[str] = field(default_factory=list)


def _mask(text: str) -> str:
    """Code and math blanked out, slide markers (``(**``, ``**]``...) too: ``(***Weight decay*`` has an emphasis."""
    text = _OPAQUE.sub(lambda m: "\x00" * len(m.group()), text)
    return _SLIDE.sub(lambda m: "\x01" * len(m.group()), text)


def _spans(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    return list(pattern.finditer(_mask(text)))


def _key(m: re.Match[str], text: str) -> str:
    return " ".join(text[m.start(1):m.end(1)].split()).lower().strip(".,;:!? ")


def heading_level(old_en: str, new_en: str, translation: str, out: Carried) -> str:
    lo, ln, lt = (_HEADING.match(t.lstrip("\n")) for t in (old_en, new_en, translation))
    if not (lo and ln) or lo.group(1) == ln.group(1):
        return translation
    if lt and lt.group(1) == lo.group(1):
        out.carried += 1
        lead = len(translation) - len(translation.lstrip("\n"))
        return translation[:lead] + ln.group(1) + translation[lead + len(lt.group(1)):]
    out.uncarried += 1
    out.notes.append(f"heading level {lo.group(1)} -> {ln.group(1)} upstream: the translation's heading "
                     "level differs, not changed")
    return translation


def _word_starts(text: str) -> list[int]:
    return [m.start() for m in _WORD.finditer(_mask(text))]


def _at(starts: list[int], offset: int) -> int:
    """Index of the first word at or after ``offset``."""
    return next((i for i, s in enumerate(starts) if s >= offset), len(starts))


def emphasis(old_en: str, new_en: str, translation: str, out: Carried) -> str:
    """Carry removed emphases and emphasis <-> quote swaps by position; all of a block's edits or none."""
    eo, en = _spans(_EMPH, old_en), _spans(_EMPH, new_en)
    qo, qn = _spans(_QUOTE, old_en), _spans(_QUOTE, new_en)
    if [_key(m, old_en) for m in eo + qo] == [_key(m, new_en) for m in en + qn] and len(eo) == len(en):
        return translation
    wo, wn = _word_starts(old_en), _word_starts(new_en)
    to_new = {}
    for a, b, size in SequenceMatcher(a=[_word(old_en, s) for s in wo], b=[_word(new_en, s) for s in wn],
                                      autojunk=False).get_matching_blocks():
        to_new.update({a + d: b + d for d in range(size)})

    def place(spans: list[re.Match[str]], text: str, starts: list[int]) -> dict[tuple[int, str], int]:
        return {(_at(starts, m.start(1)), _key(m, text)): i for i, m in enumerate(spans)}

    old_e, new_e = place(eo, old_en, wo), place(en, new_en, wn)
    old_q, new_q = place(qo, old_en, wo), place(qn, new_en, wn)
    moved = {(to_new.get(w, -1), k): i for (w, k), i in old_e.items()}
    moved_q = {(to_new.get(w, -1), k): i for (w, k), i in old_q.items()}
    removed = [i for pos, i in moved.items() if pos not in new_e]
    added = [pos for pos in new_e if pos not in moved]
    et, qt = _spans(_EMPH, translation), _spans(_QUOTE, translation)
    edits: list[tuple[re.Match[str], str]] = []  # (span in the translation, its new delimiter: "" '"' "*")
    if len(et) == len(eo):
        edits += [(et[i], '"' if pos in new_q and pos not in moved_q else "") for pos, i in moved.items()
                  if i in removed]
    if len(qt) == len(qo):
        edits += [(qt[moved_q[pos]], "*") for pos in added if pos in moved_q and pos not in new_q]
    todo = len(removed) + len(added)
    if len(edits) < todo:
        out.uncarried += todo
        out.notes.append(f"{todo} emphasis change(s) upstream: not all can be placed in the translation by "
                         "position, none carried; carry them by hand")
        return translation
    text = translation
    for m, delim in sorted(edits, key=lambda e: e[0].start(), reverse=True):
        text = text[:m.start()] + delim + translation[m.start(1):m.end(1)] + delim + text[m.end():]
    out.carried += len(edits)
    return text


def _word(text: str, start: int) -> str:
    m = _WORD.match(text, start)
    return m.group().lower() if m else ""


_FINAL = {".": ":", "。": "：", ":": ".", "：": "。"}  # a translation's final mark -> its counterpart
_PERIOD = frozenset(".。")


def final_colon(old_en: str, new_en: str, translation: str, out: Carried) -> str:
    """A paragraph that now ends with ``:`` announces the equation, code or list after it (or no longer
    does, ``.``): the translation's final ``.``/``。`` or ``:``/``：`` follows."""
    a, b, t = old_en.rstrip(), new_en.rstrip(), translation.rstrip()
    if not (a and b and {a[-1], b[-1]} == {".", ":"}) or _HEADING.match(new_en.lstrip()):
        return translation
    if t and t[-1] in _FINAL and (t[-1] in _PERIOD) == (a[-1] == "."):
        out.carried += 1
        return t[:-1] + _FINAL[t[-1]] + translation[len(t):]
    if t and t[-1] in _FINAL:
        return translation  # the translation already ends like the new English
    out.uncarried += 1
    out.notes.append(f"the English paragraph now ends with {b[-1]!r}: the translation ends otherwise, not changed")
    return translation


_ITEM = re.compile(r"^([ \t]*)([*+-]|\d+[.)])(?=[ \t])", re.M)


def list_markers(old_en: str, new_en: str, translation: str, out: Carried) -> str:
    """A list whose item markers changed (``*`` -> ``1.``, nested items included): the translation's k-th
    marker follows when its markers and indents are the old English's, one for one."""
    mo, mn, mt = (list(_ITEM.finditer(t)) for t in (old_en, new_en, translation))
    shape = [(m.group(1), m.group(2)) for m in mo]
    if len(mo) != len(mn) or shape == [(m.group(1), m.group(2)) for m in mn] \
            or [m.group(1) for m in mo] != [m.group(1) for m in mn]:
        return translation
    if [(m.group(1), m.group(2)) for m in mt] == [(m.group(1), m.group(2)) for m in mn]:
        return translation  # the translation already has the new markers
    if [(m.group(1), m.group(2)) for m in mt] != shape:
        out.uncarried += 1
        out.notes.append("list markers changed upstream: the translation's items differ, not changed")
        return translation
    text = translation
    for t, n in sorted(zip(mt, mn, strict=True), key=lambda p: p[0].start(), reverse=True):
        if t.group(2) != n.group(2):
            text = text[:t.start(2)] + n.group(2) + text[t.end(2):]
            out.carried += 1
    return text


def strip_mark_lines(text: str) -> str:
    return MARK_LINE.sub("", text)


def _marks(text: str) -> Counter[str]:
    return Counter(m.group().rstrip() for m in MARK_LINE.finditer(text))


def _trailing_marks(lines: list[str]) -> int:
    """Where the run of directive lines that ends ``lines`` starts."""
    k = len(lines)
    while k and MARK_LINE.fullmatch(lines[k - 1].rstrip()):
        k -= 1
    return k


def split_trailing_marks(text: str) -> tuple[str, str]:
    """``(body, tail)`` with ``body + tail == text``: ``tail`` is the run of directive lines that ends the block (from
    the line break before it), empty when there is none."""
    lines = text.rstrip().split("\n")
    k = _trailing_marks(lines)
    if k == len(lines) or k == 0:
        return text, ""
    body = "\n".join(lines[:k])
    return body, text[len(body):]


def mark_lines(old_en: str, new_en: str, translation: str, out: Carried) -> str:
    """Directive lines upstream removed are removed from the translation (where it has them exactly once);
    lines upstream added at the end of the block are put at the end of the translation, after the translation's
    own line of a directive that precedes them in the new English (its ``:width:``, whatever its value).
    Anything else is not carried."""
    old, new = _marks(old_en), _marks(new_en)
    if old == new:
        return translation
    body = translation.rstrip("\n")
    lines, tail = body.split("\n"), translation[len(body):]
    uncarried = 0
    for line in (old - new).elements():
        at = [i for i, x in enumerate(lines) if x.rstrip() == line]
        if len(at) == 1:
            del lines[at[0]]
            out.carried += 1
        elif not at and line not in new:
            continue  # the translation never had it: nothing to remove
        else:
            uncarried += 1
    new_lines = new_en.rstrip().split("\n")
    run = new_lines[_trailing_marks(new_lines):]
    have = _marks("\n".join(lines))
    for line in (new - old).elements():
        if have[line] >= new[line]:
            continue  # the translation already has it
        pos = next((i for i, x in enumerate(run) if x.rstrip() == line), None)
        if pos is None:
            uncarried += 1
            continue
        before = {x.split("`")[0] for x in run[:pos]}  # the directives (``:width:``) before it, whatever value
        at = _trailing_marks(lines)
        for i in range(len(lines) - 1, at - 1, -1):
            if lines[i].split("`")[0] in before:
                at = i + 1
                break
        lines.insert(at, line)
        have[line] += 1
        out.carried += 1
    if uncarried:
        out.uncarried += uncarried
        out.notes.append(f"{uncarried} directive line(s) (:label:, :width:...) changed upstream could not be placed "
                         "in the translation; carry them by hand")
    return "\n".join(lines) + tail


def carry_markup(old_en: str, new_en: str, translation: str) -> Carried:
    """The translation with heading-level, list-marker, emphasis, final ``.``/``:`` and directive-line edits
    between ``old_en`` and ``new_en`` carried."""
    out = Carried(translation)
    text = mark_lines(old_en, new_en, translation, out)
    old_en, new_en = strip_mark_lines(old_en), strip_mark_lines(new_en)
    text = heading_level(old_en, new_en, text, out)
    text = list_markers(old_en, new_en, text, out)
    text = final_colon(old_en, new_en, text, out)
    out.text = emphasis(old_en, new_en, text, out)
    return out
