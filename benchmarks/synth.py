"""Synthetic but realistic inputs for the scaling benchmarks: the bundled sample file repeated.

``long_file(copies)`` concatenates ``copies`` copies of ``tests/data/zh/approx-training{_origin,}.md``
(35 blocks, 17 paragraphs each), with labels renamed per copy so they stay unique like a real book's,
and returns (origin, edition, new English) where the new English rewords one paragraph of the middle
copy: the kind of one-line upstream change a sync sees every day.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "zh"
_LABEL = re.compile(r"(:(?:label|eqlabel|numref|eqref):`)([^`]*)`")
OLD_SENTENCE = "Recall our discussions in :numref:`sec_word2vec`."
NEW_SENTENCE = "Recall what we discussed in :numref:`sec_word2vec`."
EN_TAG, ZH_TAG = " (part {k})", "（第{k}部分）"


def _copy(text: str, k: int, tag: str) -> str:
    """Copy ``k`` of a file: labels renamed, and every paragraph tagged with ``k`` so that no two copies
    share a paragraph (a real book does not repeat itself; repeated keys would make any diff quadratic)."""
    from bot.markdown.blocks import Kind, parse

    doc = parse(_LABEL.sub(lambda m: f"{m.group(1)}{m.group(2)}-{k}`", text))
    out = []
    for sep, b in zip(doc.seps, doc.blocks, strict=False):
        body = b.text
        if b.kind == Kind.PARAGRAPH and not b.marks:
            body = body.rstrip("\n") + tag.format(k=k) + "\n"
        out += [sep, body]
    return "".join(out) + doc.seps[-1]


def long_file(copies: int) -> tuple[str, str, str]:
    origin_one = (SAMPLE / "approx-training_origin.md").read_text(encoding="utf-8")
    edition_one = (SAMPLE / "approx-training.md").read_text(encoding="utf-8")
    origin = "\n".join(_copy(origin_one, k, EN_TAG) for k in range(copies))
    edition = "\n".join(_copy(edition_one, k, ZH_TAG) for k in range(copies))
    middle = copies // 2
    new = "\n".join(_copy(origin_one.replace(OLD_SENTENCE, NEW_SENTENCE) if k == middle else origin_one, k, EN_TAG)
                    for k in range(copies))
    return origin, edition, new


def paragraphs(copies: int) -> int:
    """Prose paragraphs in a ``long_file(copies)``."""
    return 17 * copies
