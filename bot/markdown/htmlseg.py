"""Placeholders <-> HTML with ``translate="no"`` spans, and the placeholder check every engine runs.

Amazon Translate protects markup only through HTML elements marked ``translate="no"``; the rest of
AMTS speaks ``⟦n⟧`` placeholders. These two pure functions convert between the two renderings. The
numbering travels in ``data-p`` rather than in the span's position because the service may reorder
spans inside a sentence. A span whose ``data-p`` is lost or garbled is turned back into plain text,
never guessed, so :func:`placeholder_problem` reports the missing placeholder instead of shipping it.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Mapping, Sequence

PLACEHOLDER_RE = re.compile(r"⟦(\d+)⟧")
_SPAN_RE = re.compile(r"<span\b([^>]*)>(.*?)</span\s*>", re.DOTALL | re.IGNORECASE)
_ATTR_RE = re.compile(r"""([\w:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_TAG_RE = re.compile(r"<[^>]*>")


def to_html(text: str, originals: Mapping[int, str] | Sequence[str]) -> str:
    """Render ``text`` as HTML: every ``⟦n⟧`` becomes a protected span holding ``originals[n]``."""
    if not isinstance(originals, Mapping):
        originals = dict(enumerate(originals))
    out: list[str] = []
    pos = 0
    for m in PLACEHOLDER_RE.finditer(text):
        out.append(html.escape(text[pos : m.start()], quote=False))
        n = int(m.group(1))
        if n not in originals:
            raise ValueError(f"no original markup for placeholder ⟦{n}⟧")
        out.append(f'<span translate="no" data-p="{n}">{html.escape(originals[n], quote=False)}</span>')
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def from_html(markup: str) -> str:
    """Turn translated HTML back into placeholder text (spans -> ``⟦n⟧``, entities unescaped)."""
    out: list[str] = []
    pos = 0
    for m in _SPAN_RE.finditer(markup):
        out.append(html.unescape(markup[pos : m.start()]))
        attrs = _attrs(m.group(1))
        number = attrs.get("data-p", "")
        if attrs.get("translate", "").lower() == "no" and number.isdigit():
            out.append(f"⟦{int(number)}⟧")
        else:
            out.append(html.unescape(_TAG_RE.sub("", m.group(2))))
        pos = m.end()
    out.append(html.unescape(markup[pos:]))
    return "".join(out)


def placeholders(text: str) -> Counter[int]:
    """The multiset of placeholder numbers in ``text``."""
    return Counter(int(n) for n in PLACEHOLDER_RE.findall(text))


def placeholder_problem(source: str, translation: str) -> str | None:
    """``None`` when both texts hold the same multiset of placeholders, else one readable reason."""
    want, got = placeholders(source), placeholders(translation)
    if want == got:
        return None
    problems: list[str] = []
    for n in sorted(set(want) | set(got)):
        if got[n] < want[n]:
            problems.append(f"placeholder ⟦{n}⟧ missing" if got[n] == 0 else f"placeholder ⟦{n}⟧ lost a copy")
        elif got[n] > want[n]:
            problems.append(f"placeholder ⟦{n}⟧ duplicated" if want[n] else f"unexpected placeholder ⟦{n}⟧")
    return "; ".join(problems)


def _attrs(raw: str) -> dict[str, str]:
    return {k.lower(): v.strip("\"'") for k, v in _ATTR_RE.findall(raw)}
