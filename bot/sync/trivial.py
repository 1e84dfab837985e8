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


def _standalone(pieces: Sequence[str], text: str) -> list[re.Match[str]]:
    """Where the region made of ``pieces`` stands in ``text`` on its own: its punctuation in any script's form and
    any spacing between its pieces; a number at its edge is not part of a longer number, a word, a signed number
    or a formula (``1`` is not found in ``-1``, ``x_1``, ``$1$`` or ``1.5``). ASCII boundaries only: in Chinese a
    number touches Han characters."""
    body = r"\s*".join(f"[{re.escape(_PUNCT_FORMS[p])}]" if p in _PUNCT_FORMS else re.escape(p) for p in pieces)
    head = r"(?<![A-Za-z0-9_.$-])" if pieces[0][:1].isalnum() else ""
    tail = r"(?![A-Za-z0-9_$]|\.\d)" if pieces[-1][-1:].isalnum() else ""
    return list(re.finditer(head + body + tail, text))


def _replace_one(text: str, found: re.Match[str], by: str) -> str:
    return text[:found.start()] + by + text[found.end():]


def region_fixes(old: str, new: str, translation: str) -> str | None:
    """The translation with each changed *region* of the English replaced, when every region is symbols only
    (``($i$, $j$)`` -> ``$(i,j)$``, ``$[(1, 2]$`` -> ``$[1, 2]$``, a number put in math: ``-1`` -> ``$-1$``) or a
    code span turned into its word (`` `git` `` -> ``Git``), the old region stands exactly once on its own in the
    old English and in the translation, and the rest of the change is trivial. ``None`` otherwise (a region with
    words is content: it is translated)."""
    a, b = list(_PIECE.finditer(old)), list(_PIECE.finditer(new))
    out = translation
    fixed_old = old
    n_fixed = 0
    ops = SequenceMatcher(a=[m.group() for m in a], b=[m.group() for m in b], autojunk=False).get_opcodes()
    changed = [op for op in ops if op[0] != "equal"]
    if not changed:
        return None
    for _tag, i1, i2, j1, j2 in changed:
        pieces_x, pieces_y = [m.group() for m in a[i1:i2]], [m.group() for m in b[j1:j2]]
        if not any(p.startswith(("$", "`")) for p in pieces_x + pieces_y):
            continue  # words or punctuation only: trivial or not, the final check says (never written here)
        if i1 == i2 or j1 == j2:
            return None  # a formula or code span added or removed: content
        x, y = old[a[i1].start():a[i2 - 1].end()], new[b[j1].start():b[j2 - 1].end()]
        demoted = x.replace("`", "").lower() == y.replace("`", "").lower()
        if not (demoted or _symbolic(pieces_x) and _symbolic(pieces_y)):
            return None
        in_old, in_out = _standalone(pieces_x, fixed_old), _standalone(pieces_x, out)
        if len(in_old) != 1 or len(in_out) != 1:
            return None
        out, fixed_old, n_fixed = _replace_one(out, in_out[0], y), _replace_one(fixed_old, in_old[0], y), n_fixed + 1
    return out if n_fixed and trivial_key(fixed_old) == trivial_key(new) else None
