"""Splicing: re-translate only the changed sentences of a human-translated paragraph.

The origin paragraph and the edition paragraph are aligned sentence by sentence; the origin sentences
are diffed against the new English. Groups of edition sentences whose English did not change are kept
byte for byte (line breaks included); a group that touches a change is replaced by the translation of
the new English sentences it stands for. When the edition's sentences cannot be located or aligned with
confidence, splicing is refused and the caller re-translates the whole block instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.align.sentalign import align_sentences
from bot.align.sentences import join_lines, split_sentences
from bot.sync.trivial import trivial_key

MIN_BEAD_SCORE = 0.2


@dataclass(frozen=True)
class Piece:
    """A slice of the spliced paragraph: kept edition text, or new English to translate (``english``)."""

    text: str = ""
    english: str = ""
    replaces: str = ""  # the human text this piece replaces (or, with no english, removes)
    origin: str = ""  # the old English that ``replaces`` translated (for near-match checks)

    @property
    def to_translate(self) -> bool:
        return bool(self.english)


def locate(sentences: list[str], raw: str) -> list[tuple[int, int]] | None:
    """Spans of consecutive ``sentences`` (taken from the joined text) inside ``raw``, where line breaks
    and indentation may sit anywhere between characters."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for s in sentences:
        chars = [c for c in s if not c.isspace()]
        if not chars:
            return None
        pattern = r"\s*".join(re.escape(c) for c in chars)
        m = re.compile(pattern).search(raw, pos)
        if m is None:
            return None
        spans.append((m.start(), m.end()))
        pos = m.end()
    return spans


def splice(origin: str, edition: str, new: str, src_lang: str, lang: str) -> list[Piece] | None:
    """Pieces that rebuild the edition paragraph for the new English, or ``None`` when unsafe."""
    o_sents = split_sentences(join_lines(origin, src_lang), src_lang)
    e_sents = split_sentences(join_lines(edition, lang), lang)
    n_sents = split_sentences(join_lines(new, src_lang), src_lang)
    if not o_sents or not e_sents:
        return None
    beads = align_sentences(o_sents, e_sents, src_lang, lang)
    if any(not b.src or not b.tgt or (b.score < MIN_BEAD_SCORE and len(beads) > 1) for b in beads):
        return None
    spans = locate(e_sents, edition)
    if spans is None:
        return None
    # Which new sentences replace which origin sentences.
    o_to_n: dict[int, list[int]] = {}
    changed: set[int] = set()
    inserted_after: dict[int, list[int]] = {}
    for op, i1, i2, j1, j2 in SequenceMatcher(a=[trivial_key(s) for s in o_sents],
                                              b=[trivial_key(s) for s in n_sents], autojunk=False).get_opcodes():
        if op == "equal":  # trivially equal (casing, punctuation, markers...): the translation stays
            for k in range(i2 - i1):
                o_to_n[i1 + k] = [j1 + k]
        elif i1 == i2:
            inserted_after.setdefault(i1 - 1, []).extend(range(j1, j2))
        else:
            changed.update(range(i1, i2))
            o_to_n[i1] = list(range(j1, j2))
            for k in range(i1 + 1, i2):
                o_to_n[k] = []
    joiner = "" if lang in ("zh", "ja") else " "
    pieces: list[Piece] = [Piece(text=edition[: spans[0][0]])]
    head = inserted_after.get(-1)
    if head:
        pieces.append(Piece(english=" ".join(n_sents[j] for j in head)))
    for bead in beads:
        start, end = spans[bead.tgt[0]][0], spans[bead.tgt[-1]][1]
        following = edition[end: spans[bead.tgt[-1] + 1][0]] if bead.tgt[-1] + 1 < len(spans) else ""
        if not any(i in changed for i in bead.src):
            pieces.append(Piece(text=edition[start:end]))
        else:
            new_idx = [j for i in bead.src for j in o_to_n.get(i, [])]
            if new_idx:
                pieces.append(Piece(english=" ".join(n_sents[j] for j in new_idx), replaces=edition[start:end],
                                    origin=" ".join(o_sents[i] for i in bead.src)))
            else:
                pieces.append(Piece(replaces=edition[start:end]))
                if following and not following.strip():
                    following = ""  # a deleted sentence takes its separator with it
        tail = [j for i in bead.src for j in inserted_after.get(i, [])]
        if tail:
            if joiner:
                pieces.append(Piece(text=joiner))
            pieces.append(Piece(english=" ".join(n_sents[j] for j in tail)))
        pieces.append(Piece(text=following))
    pieces = _drop_trailing_separators(pieces)
    pieces.append(Piece(text=edition[spans[-1][1]:]))
    return [p for p in pieces if p.text or p.english or p.replaces]


def _drop_trailing_separators(pieces: list[Piece]) -> list[Piece]:
    """Sentences deleted at the end of the paragraph take the line breaks before them with them (else the
    paragraph would end with a blank line: d2l-zh calculus.md, four Chinese lines replaced by one English one)."""
    k = len(pieces)
    while k and not pieces[k - 1].english and not pieces[k - 1].text.strip():
        k -= 1
    if not any(p.replaces for p in pieces[k:]):
        return pieces
    return pieces[:k] + [p for p in pieces[k:] if p.replaces]


_ITEM_START = re.compile(r"^[ \t]*(?:[*+-]|\d+\.)[ \t]+")
_TOP_ITEM_START = re.compile(r"^(?:[*+-]|\d+\.)[ \t]+")


def list_items(text: str, nested: bool = True) -> list[str]:
    """The items of a list block, each with its indent, marker, continuation lines and line ends; nested ones are
    items of their own (an item whose sub-item changed keeps its own text), or part of their top-level item."""
    start = _ITEM_START if nested else _TOP_ITEM_START
    items: list[str] = []
    for line in text.splitlines(keepends=True):
        if start.match(line) or not items:
            items.append(line)
        else:
            items[-1] += line
    return items


def splice_items(origin: str, edition: str, new: str) -> list[Piece] | None:
    """Pieces for a list whose items changed: unchanged items (up to a trivial change, ``bot.sync.trivial``) keep
    the edition's item text, changed or new items are translated from the new English item (marker included, it is
    protected markup).
    ``None`` when the edition's list does not have the origin's items one for one, nested items first, else
    top-level items (an edition that already dropped a sub-item still has its top-level items)."""
    for nested in (True, False):
        o_items, e_items, n_items = (list_items(t, nested) for t in (origin, edition, new))
        if len(o_items) == len(e_items) and o_items:
            return _item_pieces(o_items, e_items, n_items)
    return None


def splice_rows(origin: str, edition: str, new: str) -> list[Piece] | None:
    """Pieces for a table whose rows changed, line for line like a list's items (header, rule and each row is a
    line; a ``:label:`` under the table too): rows whose English did not change keep the edition's row, a changed
    or new row is translated from the new English row, a row upstream removed is removed. ``None`` when the
    edition's table does not have the origin's lines one for one, or its directive lines elsewhere."""
    o_rows, e_rows, n_rows = (t.splitlines(keepends=True) for t in (origin, edition, new))
    if len(o_rows) != len(e_rows) or not o_rows:
        return None
    if any((x.lstrip().startswith(":") or y.lstrip().startswith(":")) and x.strip() != y.strip()
           for x, y in zip(o_rows, e_rows, strict=True)):
        return None
    return _item_pieces(o_rows, e_rows, n_rows)


def _item_pieces(o_items: list[str], e_items: list[str], n_items: list[str]) -> list[Piece]:
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=[trivial_key(s) for s in o_items],
                                              b=[trivial_key(s) for s in n_items], autojunk=False).get_opcodes():
        if op == "equal":
            pieces += [Piece(text=e) for e in e_items[i1:i2]]
        elif op == "replace" and i2 - i1 == j2 - j1:  # item for item: each keeps the old English it renders
            pieces += [Piece(english=n, replaces=e, origin=o)
                       for o, e, n in zip(o_items[i1:i2], e_items[i1:i2], n_items[j1:j2], strict=True)]
        else:
            if i2 > i1:
                pieces.append(Piece(replaces="".join(e_items[i1:i2])))
            pieces += [Piece(english=n) for n in n_items[j1:j2]]
    return pieces
