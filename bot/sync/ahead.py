"""Is the edition *ahead* of its origin file? Evidence from the tokens a translator keeps verbatim.

Editions often update a translation without updating ``X_origin.md``: the origin then says an older
English than the one the translation follows, and the diff origin -> new English would re-translate text
the translators already brought up to date. Numbers, inline code, math, URLs, roles, slide markers (and
for wide-script editions the Latin names kept in the text) are copied verbatim by translators, so they
tell which English a translated block follows: for every token that differs between the old and the new
English, the translated block votes *ahead* when it has the new count and *behind* when it has the old
one. A Latin word only votes when it is present (its absence says nothing: most words get translated).

The verdict is ``ahead`` only when the evidence is complete: every added anchor present, every removed
one absent, and every sentence the new English changed or added carries at least one such anchor the
translation has (a reworded sentence with no anchor cannot vouch for itself). Evidence for part of the
change only is ``partial``: the caller keeps the human text for review instead of calling it ahead.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from bot.align.sentalign import invariant_tokens
from bot.align.sentences import split_sentences
from bot.sync.markers import marker_counts, strip_markers
from bot.sync.trivial import roman, trivial_key

WIDE = frozenset({"zh", "ja", "ko"})
_ROLE = re.compile(r":\w+:`([^`]+)`")


@dataclass(frozen=True)
class Evidence:
    ahead: int
    behind: int
    tokens: tuple[str, ...] = ()  # the deciding tokens as written (for the notes): added upstream and present...
    gone: tuple[str, ...] = ()  # ...or removed upstream and absent
    missing: tuple[str, ...] = ()  # anchors added upstream that the translation lacks
    kept: tuple[str, ...] = ()  # anchors removed upstream that the translation still has
    unvouched: tuple[str, ...] = ()  # new English sentences no anchor of the translation vouches for

    @property
    def verdict(self) -> str:
        """``ahead`` (complete evidence), ``partial`` (some ahead, some not), ``behind`` or ``none``."""
        if self.ahead:
            return "partial" if self.behind or self.missing or self.kept or self.unvouched else "ahead"
        return "behind" if self.behind else "none"

    def describe(self) -> str:
        """The evidence for a report note, tokens rendered as they appear in the text."""
        parts = []
        for label, tokens in (("has", self.tokens), ("no longer has", self.gone), ("lacks", self.missing),
                              ("still has", self.kept)):
            if tokens:
                parts.append(f"{label} " + ", ".join(tokens))
        if self.unvouched:
            parts.append("no evidence for: " + " / ".join(_clip(s) for s in self.unvouched))
        return "; ".join(parts)


def render_token(token: str, text: str = "") -> str:
    """An anchor token as a reader finds it in ``text``: ``$x$``, ```code```, a URL, a number, a word
    (with its casing in ``text``)."""
    kind, body = token[:1], token[1:]
    if kind == "w" and (found := re.search(rf"(?<![\w-]){re.escape(body)}(?![\w-])", text, re.I)):
        return found.group()
    if token.startswith("slide"):
        return "slide marker"
    if kind == "$":
        return f"${body}$"
    if kind == "`":  # spaces were taken out of the token (``_tokens``): show the span as the text writes it
        spans = (m.group(2).strip() for m in re.finditer(r"(`+)(.+?)\1", text, re.S))
        return f"`{next((x for x in spans if ''.join(x.split()) == body), body)}`"
    if kind in "#w→":
        return body
    return token


def _clip(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


_MATH_NUMBER = re.compile(r"\$(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\Z")
_URL_TAIL = "）)。，,.;；:：!！?？」』】>"


def _tokens(text: str, latin: bool) -> Counter[str]:
    tokens: Counter[str] = Counter()
    for t, c in invariant_tokens(roman(strip_markers(text)), latin_words=latin).items():
        if t.startswith("→"):
            t = t.rstrip(_URL_TAIL)  # a bare URL ends before `）` or `。`
        elif t.startswith("`"):
            t = "".join(t.split())  # `npx.waitall ()`: machine-translated editions space code as they space math
        tokens[t] += c
    tokens["slide"] += sum(marker_counts(text).values())  # marker style aside: editions pick their own
    return tokens


def evidence(old_en: str, new_en: str, translation: str, lang: str) -> Evidence:
    latin = lang in WIDE
    o, n, e = _tokens(old_en, latin), _tokens(new_en, latin), _tokens(translation, latin)
    _merge_notation(o, n, e)
    votes = {True: [0, 0, []], False: [0, 0, []]}  # strong (verbatim markup) / weak (Latin words)
    for t in sorted(set(o) | set(n)):
        if o[t] == n[t]:
            continue
        weak = t.startswith("w")
        if not weak and e[t] == 0:
            e[t] = localized(t, translation, lang)
        if weak and e[t] == 0:
            e[t] = _near(t, e, set(o) | set(n))
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
    strong = [t for t in sorted(set(o) | set(n)) if o[t] != n[t] and not t.startswith("w")]
    missing = [t for t in strong if t not in deciding and e[t] != n[t]]
    def show(tokens: list[str], added: bool) -> tuple[str, ...]:
        return tuple(render_token(t, new_en if added else old_en) for t in tokens if (n[t] > o[t]) == added)[:6]

    return Evidence(ahead, behind, show(deciding, True), show(deciding, False), show(missing, True),
                    show(missing, False), _unvouched(old_en, new_en, set(deciding), latin))


_ORDINAL = re.compile(r"^\$\{?([A-Za-z])\}?\^\{?\\mathrm\{(?:st|nd|rd|th)\}\}?\Z")


def localized(token: str, translation: str, lang: str) -> int:
    r"""How often ``translation`` writes the anchor ``token`` the way an edition localises it rather than verbatim.

    Editions copy anchors verbatim but in their own form: a number with the language's digit grouping or decimal
    comma (``2,500`` -> ``2.500``, ``0.5`` -> ``0,5``), the book's own URLs and repository names for the edition's
    site (``https://d2l.ai/x`` -> ``https://tr.d2l.ai/x``, ``d2l-en`` -> ``d2l-tr``), an ordinal as the language
    writes it (``$i^\mathrm{th}$`` -> ``$i.$``, ``第$i$个``). Such a token is *there*: its absence must not vote
    that the translation follows an English that dropped it."""
    kind, body = token[:1], token[1:]
    forms: set[str] = set()
    if kind == "#" and body.replace(".", "", 1).isdigit():
        whole, _, frac = body.partition(".")
        for sep in (".", " ", "\u00a0", "\u202f", "'"):
            grouped = f"{int(whole):,}".replace(",", sep) if len(whole) > 3 else whole
            forms.add(grouped + ("," + frac if frac else ""))
        forms.discard(body)
        return sum(len(re.findall(rf"(?<![\d.,]){re.escape(f)}(?![\d]|[.,]\d)", translation)) for f in forms)
    if kind in "→`" and ("d2l.ai" in body or "d2l-en" in body):
        forms = {body.replace("//d2l.ai", f"//{lang}.d2l.ai").replace("//en.d2l.ai", f"//{lang}.d2l.ai"),
                 body.replace("d2l-en", f"d2l-{lang}")}
        forms.discard(body)
        return sum(translation.count(f) for f in forms)
    if kind == "$" and (ordinal := _ORDINAL.match(token)):
        x = rf"\$\s*{ordinal.group(1)}\s*\$"
        dotted = rf"\$\s*{ordinal.group(1)}\s*\.\s*\$"
        return len(re.findall(rf"{dotted}|(?:第|thứ)\s*{x}|{x}\s*(?:번째|番目|\.|-?[éè]sim|-?i[eè]me)", translation))
    return 0


def _merge_notation(o: Counter[str], n: Counter[str], e: Counter[str]) -> None:
    """A number upstream took out of math or put into it (`$10,000$` -> `10,000`, a notation: trivial.py) is one
    anchor, not a formula gone and a number there; only where the two counts move together (`$1$` and `1` are
    otherwise different anchors, and merging every small number would make count votes of noise)."""
    for t in [t for t in set(o) | set(n) if _MATH_NUMBER.match(t)]:
        number = "#" + t[1:].replace(",", "")
        if o[t] != n[t] and n[number] - o[number] == o[t] - n[t]:
            for tokens in (o, n, e):
                tokens[number] += tokens.pop(t, 0)


def _unvouched(old_en: str, new_en: str, vouched: set[str], latin: bool) -> tuple[str, ...]:
    """Sentences of the new English, changed or added (trivial edits aside), with no vouched anchor."""
    old_s, new_s = split_sentences(old_en, "en"), split_sentences(new_en, "en")
    old_keys = {trivial_key(x) for x in old_s}
    out = []
    for sentence in new_s:
        if trivial_key(sentence) in old_keys:
            continue
        if not {t for t, c in _tokens(sentence, latin).items() if c > 0} & vouched:
            out.append(sentence)
    return tuple(out)


def _near(word: str, tokens: Counter[str], english: set[str]) -> int:
    """How often a long Latin name occurs misspelt (<= 2 edits), as translators sometimes copy it. A word the
    English has itself is not a misspelling (``function`` is not ``function's`` copied wrong: calculus.md)."""
    if len(word) < 8:
        return 0
    return sum(c for t, c in tokens.items()
               if t.startswith("w") and t not in english and Levenshtein.distance(t, word) <= 2)


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
