"""What a translation does not need to follow: the *trivial* upstream edits.

Casing, punctuation, enumerator style (``i)`` / ``(i)``; a list's ``*`` / ``1.`` is carried by ``bot.sync.markup``),
contractions (``let's`` / ``let us``), ``e.g.`` / ``e.g.,``, re-wrapping, a few function words (``Note, though
that`` / ``Note that``, ``able calculate`` / ``able to calculate``, ``functionality the`` / ``functionality of
the``; demonstratives such as ``these`` are translated, so they are not among them), a doubled word (``these
these``), verb agreement (``data is`` / ``data are``), a pronoun's case (``enables we turn`` / ``enables us to
turn``), a missing copula (``what the value`` / ``what is the value``) and mojibake (``Sch√∂lkopf`` / ``Schölkopf``,
``bot.sync.encoding``) change nothing a reader of the translation would see. Negations, quantifiers and other
pronouns are content: they are not among the words dropped.
``trivial_key`` maps an English block to a key in which all of those are equal, so an upstream change is trivial
exactly when the keys of the old and new English are equal.
Math, inline code, roles and link targets stay verbatim inside the key: a changed formula or identifier
is never trivial.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import NamedTuple

from bot.sync.encoding import repair
from bot.sync.markers import strip_markers

VERBATIM = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$|`[^`\n]+`|\]\([^)\s]*\)|https?://\S+", re.DOTALL)
_WORD = re.compile(r"\w+")
_CONTRACTIONS = tuple((re.compile(p), r) for p, r in (
    (r"\b(let)'s\b", r"\1 us"), (r"\bcan't\b", "can not"), (r"\bcannot\b", "can not"),
    (r"\bwon't\b", "will not"), (r"\b(\w+)n't\b", r"\1 not"), (r"\b(it|that|there|here|what|he|she)'s\b", r"\1 is"),
    (r"\b(\w+)'re\b", r"\1 are"), (r"\b(\w+)'ll\b", r"\1 will"), (r"\b(\w+)'ve\b", r"\1 have"),
    (r"\bi'm\b", "i am"), (r"\b(\w+)'d\b", r"\1 would"),
))
#: Words whose insertion or deletion alone does not change what a translation says.
FUNCTION_WORDS = frozenset({"a", "an", "the", "and", "though", "also", "just", "then", "that", "so", "thus", "very",
                            "of", "to", "in", "as", "is"})
#: Verb agreement and pronoun case only English marks (``data is`` -> ``data are``, ``we`` -> ``us``): one form
#: stands for all.
AGREEMENT = {"are": "is", "were": "was", "have": "has", "do": "does",
             "us": "we", "them": "they", "me": "i", "him": "he"}


#: A list item's marker at the start of a line (``*``, ``-``, ``1.``): which one a list uses is style.
_LIST_MARK = re.compile(r"^[ \t]*(?:[*+-]|\d+[.)])[ \t]+", re.M)


def trivial_key(text: str) -> str:
    """The English with every trivial difference removed (see the module docstring)."""
    text = _LIST_MARK.sub("", repair(strip_markers(text))).replace("\u2019", "'")
    out: list[str] = []
    last = 0
    for m in VERBATIM.finditer(text):
        out.append(_words(text[last:m.start()]))
        out.append("\x00" + re.sub(r"\s+", "", m.group()) + "\x00")
        last = m.end()
    out.append(_words(text[last:]))
    return " ".join(w for w in out if w)


def _words(text: str) -> str:
    text = text.lower()
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    raw = _WORD.findall(text)
    words = (w for i, w in enumerate(raw) if i == 0 or w != raw[i - 1])  # a doubled word is a typo
    return " ".join(w for w in (AGREEMENT.get(w, w) for w in words) if w not in FUNCTION_WORDS)


def is_trivial(old: str, new: str) -> bool:
    return trivial_key(old) == trivial_key(new)


_TOKEN = re.compile(r"\$[^$\n]+\$|`[^`\n]+`|\]\([^)\s]*\)")


def replaced_tokens(old: Sequence[str], new: Sequence[str]) -> list[tuple[str, str]] | None:
    """(old, new) for each token replaced one for one between two token lists; ``None`` when a token was
    added or removed instead (content, not a fix)."""
    pairs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op != "replace" or i2 - i1 != j2 - j1:
            return None
        pairs += list(zip(old[i1:i2], new[j1:j2], strict=True))
    return pairs


def token_fixes(old: str, new: str, translation: str) -> str | None:
    """The translation with the verbatim tokens (``$math$``, ```code```, a link or figure target ``](path)``)
    upstream replaced, when that is the whole change (the rest is trivial) and the translation has each old token
    exactly as often as the old English: ``$\\mathbf{B}$`` -> ``$B$``, `` `x` `` -> `` `y` ``,
    ``](../img/fit_linreg.svg)`` -> ``](../img/fit-linreg.svg)``. ``None`` otherwise."""
    pairs = replaced_tokens(_TOKEN.findall(old), _TOKEN.findall(new))
    if not pairs or len({x for x, _ in pairs}) != len(pairs):
        return None
    fixed_old, out = old, translation
    for x, y in pairs:
        if translation.count(x) != old.count(x) or old.count(x) != 1:
            return None
        fixed_old, out = fixed_old.replace(x, y), out.replace(x, y)
    return out if trivial_key(fixed_old) == trivial_key(new) else None


_PIECE = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$|`[^`\n]+`|\w+|[^\w\s]", re.DOTALL)


def _symbolic(pieces: Sequence[str]) -> bool:
    """Only formulas, code spans, numbers and punctuation: what a translation copies as it is."""
    return all(p.startswith(("$", "`")) or p.isdigit() or not _WORD.match(p) for p in pieces)


#: Punctuation a translation writes in its own script's form (``($i$、$j$)`` in Japanese for ``($i$, $j$)``).
_PUNCT_FORMS = {",": ",，、", "(": "(（", ")": ")）", ";": ";；", ":": ":：", ".": ".。", "[": "[［", "]": "]］"}


#: A letter of an alphabet (Latin with its accents, Greek, Cyrillic, ...): a word character that is no digit, no
#: underscore and no Chinese, Japanese or Korean character.
_ALPHABETIC = r"[^\W\d_\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff\uff00-\uffef]"


def _standalone(pieces: Sequence[str], text: str) -> list[re.Match[str]]:
    """Where the region made of ``pieces`` stands in ``text`` on its own: its punctuation in any script's form and
    any spacing between its pieces; a number at its edge is not part of a longer number, a word, a signed number
    or a formula (``1`` is not found in ``-1``, ``x_1``, ``$1$`` or ``1.5``), a letter not part of a longer word in
    any alphabet (``k`` is not the ``k`` of ``büyük``). Chinese, Japanese and Korean characters are no boundary: in
    Chinese a number touches Han characters."""
    body = r"\s*".join(f"[{re.escape(_PUNCT_FORMS[p])}]" if p in _PUNCT_FORMS else re.escape(p) for p in pieces)
    head = rf"(?<![A-Za-z0-9_.$-])(?<!{_ALPHABETIC})" if pieces[0][:1].isalnum() else ""
    tail = rf"(?![A-Za-z0-9_$]|\.\d|{_ALPHABETIC})" if pieces[-1][-1:].isalnum() else ""
    return list(re.finditer(head + body + tail, text))


def _replace_one(text: str, found: re.Match[str], by: str) -> str:
    return text[:found.start()] + by + text[found.end():]


_DELIM = re.compile(r"[$`]")


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _notation(x: str, y: str) -> bool:
    """The same letters and digits written another way: in math or a code span on one side only (``20th`` /
    ``$20^{th}$``, ``tf.keras Sequential`` / ```tf.keras.Sequential```, ``$100$`` / ``100``), or a compound
    written apart, joined or hyphenated (``codepaths`` / ``code paths``, ``frontend`` / ``front-end``). A change
    inside a formula or code span on both sides (``$x^2$`` / ``$x_2$``) is content, never notation."""
    return bool(_letters(x)) and _letters(x) == _letters(y) and not (_DELIM.search(x) and _DELIM.search(y))


def _span(pieces: Sequence[re.Match[str]], i1: int, i2: int) -> tuple[int, int]:
    """Where pieces ``i1:i2`` stand in their text (an empty run: at the end of the piece before it)."""
    if i1 < i2:
        return pieces[i1].start(), pieces[i2 - 1].end()
    at = pieces[i1 - 1].end() if i1 else 0
    return at, at


def _cuts_verbatim(text: str, start: int, end: int) -> bool:
    """Does ``text[start:end]`` take part of a formula, code span, link target or URL (not all of it)?"""
    return any(m.start() < end and start < m.end() and not (start <= m.start() and m.end() <= end)
               for m in VERBATIM.finditer(text))


class _Region(NamedTuple):
    """A changed region of the old English: where it stands there, its old and new text, and whether it takes
    part of a verbatim token on either side (a renamed figure path ``fit_linreg.svg`` -> ``fit-linreg.svg``)."""

    start: int
    end: int
    old: str
    new: str
    cuts_verbatim: bool


def _changed_regions(old: str, new: str) -> list[_Region]:
    """Each changed region of ``old``, by formulas, code spans, words and single symbols (an insertion has
    start == end)."""
    a, b = list(_PIECE.finditer(old)), list(_PIECE.finditer(new))
    out = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=[m.group() for m in a], b=[m.group() for m in b],
                                               autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        (start, end), (s2, e2) = _span(a, i1, i2), _span(b, j1, j2)
        cut = _cuts_verbatim(old, start, end) or _cuts_verbatim(new, s2, e2)
        out.append(_Region(start, end, old[start:end], new[s2:e2], cut))
    return out


def is_notation_fix(fix: tuple[str, str]) -> bool:
    """A fix of ``notation_fixes`` (a formula or code span on one side only), not a typo fix."""
    return bool(_DELIM.search(fix[0])) != bool(_DELIM.search(fix[1]))


def notation_fixes(old: str, new: str) -> tuple[tuple[str, str], ...] | None:
    """The (old, new) regions of an upstream edit that only writes the same words in another notation (see
    ``_notation``), the rest trivial; ``None`` when anything else changed. The regions with a formula or code
    span on one side are returned, to be carried where the old text stands verbatim in a translation (a
    translation that rendered the words its own way, ``século 20`` for ``20th``, has nothing to change)."""
    regions = _changed_regions(old, new)
    fixes: list[tuple[str, str]] = []
    fixed_old = old
    for start, end, x, y, cut in reversed(regions):
        if not _letters(x) and not _letters(y):
            continue  # punctuation only: the trivial key below decides
        if cut or not _notation(x, y):
            return None
        fixed_old = fixed_old[:start] + y + fixed_old[end:]
        if _DELIM.search(x + y):
            fixes.append((x, y))
    if not regions or trivial_key(fixed_old) != trivial_key(new):
        return None
    return tuple(dict.fromkeys(reversed(fixes)))


#: Roman text in a formula: ``\mathrm{th}``, ``\textrm{th}`` and ``\text{th}`` print the same upright letters (d2l-en
#: v1.0 turned every ``\mathrm`` and most ``\text`` into ``\textrm``).
_ROMAN = re.compile(r"\\text(?:rm)?\{")
_FORMULA = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.DOTALL)


def roman(text: str) -> str:
    r"""``text`` with every ``\textrm{`` and ``\text{`` written ``\mathrm{`` (see ``_ROMAN``)."""
    return _ROMAN.sub(r"\\mathrm{", text)


def font_fixes(old: str, new: str) -> tuple[tuple[str, str], ...] | None:
    r"""The (old, new) formulas of an upstream edit that only changes the roman font (``\mathrm`` to ``\textrm``,
    the rest trivial), to be replaced where the old formula stands verbatim in a translation; ``None`` otherwise."""
    a, b = _FORMULA.findall(old), _FORMULA.findall(new)
    if len(a) != len(b) or a == b or any(roman(x) != roman(y) for x, y in zip(a, b, strict=True)):
        return None
    if not is_trivial(roman(old), roman(new)):
        return None
    return tuple(dict.fromkeys((x, y) for x, y in zip(a, b, strict=True) if x != y))


def region_fixes(old: str, new: str, translation: str) -> str | None:
    """The translation with each changed *region* of the English replaced, when every region is symbols only
    (``($i$, $j$)`` -> ``$(i,j)$``, ``$[(1, 2]$`` -> ``$[1, 2]$``, a number put in math: ``-1`` -> ``$-1$``) or the
    same words in another notation (``_notation``: `` `git` `` -> ``Git``, ``MXNet NP`` -> `` `mxnet.np` ``), the
    old region stands on its own as often in the old English as it changes (and as often in the translation,
    which may also not have words at all: it translated them), and the rest of the change is trivial. ``None``
    otherwise (a region with other words is content: it is translated)."""
    regions = _changed_regions(old, new)
    out, fixed_old = translation, old
    n_fixed = 0
    done: set[tuple[str, str]] = set()
    for r in regions:
        x, y = r.old, r.new
        if not _DELIM.search(x + y) or (x, y) in done:
            continue  # words or punctuation only: trivial or not, the final check says (never written here)
        if not x or not y:
            return None  # a formula or code span added or removed: content
        pieces_x = _PIECE.findall(x)
        if not (_notation(x, y) or _symbolic(pieces_x) and _symbolic(_PIECE.findall(y))):
            return None
        # every standing of the region changes the same way (``$100$`` -> ``100`` twice), in the old English
        # and in the translation alike; words a translation rendered its own way are not looked for there
        times = sum(1 for other in regions if (other.old, other.new) == (x, y))
        in_old, in_out = _standalone(pieces_x, fixed_old), _standalone(pieces_x, out)
        translatable = not _DELIM.search(x) and re.search(r"[^\W\d_]", x)  # words, not only digits
        written = not in_out and len(_standalone(_PIECE.findall(y), out)) >= times  # the translation has it so
        if len(in_old) != times or len(in_out) not in ((0, times) if translatable or written else (times,)):
            return None
        for found in reversed(in_out):
            out = _replace_one(out, found, y)
        for found in reversed(in_old):
            fixed_old = _replace_one(fixed_old, found, y)
        done.add((x, y))
        n_fixed += 1
    return out if n_fixed and trivial_key(fixed_old) == trivial_key(new) else None
