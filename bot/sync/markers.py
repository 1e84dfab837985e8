"""Slide markers: carry ``[**…**]``, ``(**…**)`` and ``(~~…~~)`` from the English onto the translation.

d2l builds its slides from these markers, and the editions build theirs from the markers in their own
text (d2l-zh carries hundreds; d2l-tr's sync commits add them to the Turkish heading, paragraph or
sentence). A marker added upstream is put around the aligned span of the translation, without any
engine: the whole heading or paragraph when the English marker covers the whole block, otherwise the
translated sentence(s) aligned with the marked English sentence(s), through the sentence alignment of
the old English with the translation. A marker removed upstream is removed from the translation when
its counterpart can be told apart. When a span cannot be located, the text is left as it is and the
caller flags the block: a guessed marker would cut a slide in the wrong place.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from bot.align.sentalign import align_sentences
from bot.align.sentences import join_lines, split_sentences
from bot.markdown.blocks import MARK_RE

MARKER_RE = re.compile(r"\[\*\*(.+?)\*\*\]|\(\*\*(.+?)\*\*\)|\[~~(.+?)~~\]|\(~~(.+?)~~\)", re.DOTALL)
_OPEN = ("[**", "(**", "[~~", "(~~")
_CLOSE = {"[**": "**]", "(**": "**)", "[~~": "~~]", "(~~": "~~)"}
_CJK_END = "。！？；：，、"
_HEADING = re.compile(r"^(#+[ \t]+)(.*?)([ \t]*)$")


@dataclass(frozen=True)
class Marker:
    open: str
    inner: str  # whitespace-normalized
    start: int  # in the text without markers
    end: int


def strip_markers(text: str) -> str:
    return MARKER_RE.sub(lambda m: next(g for g in m.groups() if g is not None), text)


def markers(text: str) -> tuple[list[Marker], str]:
    """The markers of ``text`` with their spans in the plain text, and that plain text."""
    out: list[Marker] = []
    plain: list[str] = []
    pos = last = 0
    for m in MARKER_RE.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        plain.append(text[last:m.start()])
        pos += m.start() - last
        out.append(Marker(m.group()[:3], " ".join(inner.split()), pos, pos + len(inner)))
        plain.append(inner)
        pos += len(inner)
        last = m.end()
    plain.append(text[last:])
    return out, "".join(plain)


def marker_counts(text: str) -> Counter[str]:
    return Counter(m.group()[:3] for m in MARKER_RE.finditer(text))


def _key(m: Marker) -> tuple[str, str]:
    return m.open, m.inner


@dataclass
class Transfer:
    text: str
    added: int = 0  # markers added upstream
    carried: int = 0  # of those, put on (or already on) the translation
    removed: int = 0  # markers removed upstream
    uncarried: int = 0  # added or removed markers the translation could not follow
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.uncarried == 0


#: A tab region's frame: its ``:begin_tab:`…``` and ``:end_tab:`` lines around the body.
_TAB_FRAME = re.compile(r"\A([ \t]*:begin_tab:`[^`\n]*`[ \t]*\n)(.*?)(\n?[ \t]*:end_tab:[ \t]*\n?)\Z", re.DOTALL)


def transfer(old_en: str, new_en: str, translation: str, src_lang: str = "en", lang: str = "zh") -> Transfer:
    """The translation with the markers added/removed between ``old_en`` and ``new_en`` carried over. In a tab
    region the markers go on its body, never around its ``:begin_tab:`` line (d2l-pt rnn-concise: the marked
    sentence was found starting at the frame line, and the gate refused the block)."""
    frames = [_TAB_FRAME.match(t) for t in (old_en, new_en, translation)]
    if all(frames):
        o, n, e = (f.group(2) for f in frames if f)
        inner = transfer(o, n, e, src_lang, lang)
        inner.text = frames[2].group(1) + inner.text + frames[2].group(3)  # type: ignore[union-attr]
        return inner
    old_m, _ = markers(old_en)
    new_m, new_plain = markers(new_en)
    old_c, new_c = Counter(map(_key, old_m)), Counter(map(_key, new_m))
    added = [m for m in new_m if _take(new_c - old_c, m)]
    removed = [m for m in old_m if _take(old_c - new_c, m)]
    result = Transfer(translation, added=len(added), removed=len(removed))
    if not added and not removed:
        return result
    text = translation
    have = marker_counts(text)
    want = Counter(m.open for m in new_m)
    if removed and all(have[k] <= want[k] for k in have):
        removed = []  # the translation has already dropped them
    for m in removed:
        same = [x for x in old_m if x.open == m.open]
        if have[m.open] != len(same):
            result.uncarried += 1
            result.notes.append(f"slide marker {m.open}{m.inner[:40]}{_CLOSE[m.open]} removed upstream: "
                                "its counterpart in the translation is not certain, left in place")
            continue
        k = same.index(m)
        spans = [x for x in MARKER_RE.finditer(text) if x.group()[:3] == m.open]
        hit = spans[k]
        text = text[:hit.start()] + hit.group()[3:-3] + text[hit.end():]
        have[m.open] -= 1
    if added and sum(have.values()) >= sum(want.values()):
        result.carried = len(added)  # the edition already carries them (maybe with its own bracket style)
        result.text = text
        return result
    whole = _whole_block(new_en, added)
    if whole is not None:
        wrapped = _wrap_body(text, whole.open, lang)
        if wrapped is None:
            result.uncarried += len(added)
            result.notes.append("slide marker over the whole block: the translated block has no single body")
        else:
            text, result.carried = wrapped, len(added)
        result.text = text
        return result
    targets = _sentence_targets(strip_markers(old_en), new_plain, added, text, src_lang, lang)
    if targets is None:
        result.uncarried += len(added)
        result.notes.append(f"{len(added)} new slide marker(s) not carried: the marked sentence could not be "
                            "located in the translation")
        result.text = text
        return result
    for (start, end), opener in sorted(targets.items(), reverse=True):
        span = text[start:end]
        if MARKER_RE.search(span) or "[**" in span or "(**" in span:
            continue  # the translated sentence already carries a marker: count it as carried
        if lang in ("zh", "ja"):
            while end > start and text[end - 1] in _CJK_END:
                end -= 1
        text = text[:start] + opener + text[start:end] + _CLOSE[opener] + text[end:]
    result.carried = len(added)
    result.text = text
    return result


def _take(pool: Counter, m: Marker) -> bool:
    if pool[_key(m)] > 0:
        pool[_key(m)] -= 1
        return True
    return False


def _body_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip() and not MARK_RE.match(ln)]


def _whole_block(new_en: str, added: list[Marker]) -> Marker | None:
    """The added marker when it covers the whole body of the English block (heading text, paragraph)."""
    if len(added) != 1:
        return None
    body = " ".join(_body_lines(new_en))
    h = _HEADING.match(body)
    core = (h.group(2) if h else body).strip()
    m = MARKER_RE.fullmatch(core)
    return added[0] if m and m.group()[:3] == added[0].open else None


def _wrap_body(text: str, opener: str, lang: str) -> str | None:
    lines = text.splitlines(keepends=True)
    body = [i for i, ln in enumerate(lines) if ln.strip() and not MARK_RE.match(ln)]
    if not body or body != list(range(body[0], body[-1] + 1)):
        return None
    first, last = body[0], body[-1]
    h = _HEADING.match(lines[first].rstrip("\r\n"))
    if h and first == last:
        end = lines[first][len(lines[first].rstrip("\r\n")):]
        lines[first] = h.group(1) + opener + h.group(2) + _CLOSE[opener] + h.group(3) + end
        return "".join(lines)
    indent = len(lines[first]) - len(lines[first].lstrip())
    lines[first] = lines[first][:indent] + opener + lines[first][indent:]
    stripped = lines[last].rstrip()
    cut = len(stripped)
    if lang in ("zh", "ja"):
        while cut > 0 and stripped[cut - 1] in _CJK_END:
            cut -= 1
    lines[last] = stripped[:cut] + _CLOSE[opener] + stripped[cut:] + lines[last][len(stripped):]
    return "".join(lines)


def _locate(sentences: list[str], raw: str) -> list[tuple[int, int]] | None:
    from bot.sync.splice import locate

    return locate(sentences, raw)


def _sentence_targets(old_plain: str, new_plain: str, added: list[Marker], translation: str, src_lang: str,
                      lang: str) -> dict[tuple[int, int], str] | None:
    """Translation spans (start, end) -> marker opener, one per group of aligned translated sentences."""
    o_sents = split_sentences(join_lines(old_plain, src_lang), src_lang)
    n_sents = split_sentences(join_lines(new_plain, src_lang), src_lang)
    e_sents = split_sentences(join_lines(translation, lang), lang)
    if not o_sents or not e_sents or len(o_sents) != len(n_sents):
        return None
    n_spans = _locate(n_sents, new_plain)
    e_spans = _locate(e_sents, translation)
    if n_spans is None or e_spans is None:
        return None
    beads = align_sentences(o_sents, e_sents, src_lang, lang)
    if any(not b.src or not b.tgt for b in beads):
        return None  # sentences without a counterpart: the alignment is not one to put markers through
    bead_of = {i: b for b in beads for i in b.src}
    targets: dict[tuple[int, int], str] = {}
    claimed: list[tuple[int, int]] = []
    for m in added:
        sents = [k for k, (s, e) in enumerate(n_spans) if s < m.end and m.start < e]
        tgt = sorted({t for k in sents for t in bead_of[k].tgt}) if sents else []
        group = {i for k in sents for i in bead_of[k].src}
        if not tgt or 2 * len(sents) < len(group):
            return None  # the translated sentence renders mostly unmarked English: too coarse to guess
        span = (e_spans[tgt[0]][0], e_spans[tgt[-1]][1])
        overlap = [c for c in claimed if c[0] < span[1] and span[0] < c[1]]
        if overlap:
            continue  # two English markers in one translated sentence: one marker carries both
        claimed.append(span)
        targets[span] = m.open
    return targets
