"""The translatable units of a prose block and their sentences: what both aligners read of a block.

The block aligner's word evidence and the sentence aligner's both come from the sentences of a block's units (mark
lines and heading hashes removed, list items one unit each, lines joined the language's way). So a build computes
each sentence's words and their lexicon profile once (``Lexicon.text_profile``) and splits each unit once
(:func:`sentences_of`); a block's words are the union of its sentences' words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from bot.align.sentences import join_lines, split_sentences
from bot.markdown.blocks import MARK_RE, Block, Kind

_ITEM_RE = re.compile(r"^[ \t]*(?:[*+-]|\d+\.)[ \t]+", re.M)
_HEADING_RE = re.compile(r"^ {0,3}#{1,6}[ \t]+")
PAIRED_KINDS = frozenset({Kind.PARAGRAPH, Kind.LIST, Kind.HEADING, Kind.BLOCKQUOTE})


def _lines(block: Block) -> list[str]:
    lines = block.text.splitlines()
    return [ln for ln in lines if not MARK_RE.match(ln)] if ":`" in block.text else lines  # a mark line has ":`"


def units(block: Block, lang: str) -> list[str]:
    """The translatable units of a block: one per list item, else one for the whole block."""
    lines = _lines(block)
    if block.kind == Kind.HEADING:
        return [join_lines(_HEADING_RE.sub("", "\n".join(lines)), lang)]
    if block.kind == Kind.BLOCKQUOTE:
        return [join_lines("\n".join(re.sub(r"^\s*>\s?", "", ln) for ln in lines), lang)]
    if block.kind == Kind.LIST:
        items: list[list[str]] = []
        for ln in lines:
            if _ITEM_RE.match(ln) or not items:
                items.append([_ITEM_RE.sub("", ln, count=1)])
            else:
                items[-1].append(ln)
        return [join_lines("\n".join(it), lang) for it in items]
    return [join_lines("\n".join(lines), lang)]


K = TypeVar("K")
V = TypeVar("V")
#: Entries a memo below holds before it starts again (a build reads a file pair's entries back right away).
_MEMO_SIZE = 4_000


def _memo(cache: dict[K, V], key: K, compute: Callable[[], V]) -> V:
    """``cache[key]``, computed by ``compute`` the first time."""
    known = cache.get(key)
    if known is None:
        if len(cache) > _MEMO_SIZE:
            cache.clear()
        known = cache[key] = compute()
    return known


#: ``units`` per (block text, kind, language): the block aligner and the text pairs ask for the same blocks
_UNITS: dict[tuple[str, Kind, str], tuple[str, ...]] = {}


def units_of(block: Block, lang: str) -> tuple[str, ...]:
    """:func:`units`, computed once per distinct block text, kind and language."""
    return _memo(_UNITS, (block.text, block.kind, lang), lambda: tuple(units(block, lang)))


#: ``split_sentences`` per (text, language), shared by the block aligner and the sentence aligner of one build
_SENTENCES: dict[tuple[str, str], tuple[str, ...]] = {}


def sentences_of(text: str, lang: str) -> tuple[str, ...]:
    """:func:`~bot.align.sentences.split_sentences`, computed once per distinct text and language."""
    return _memo(_SENTENCES, (text, lang), lambda: tuple(split_sentences(text, lang)))


def block_sentences(block: Block, lang: str) -> list[str]:
    """The sentences of a prose block's units (a heading's unit is not split: it is paired whole)."""
    if block.kind == Kind.HEADING:
        return list(units_of(block, lang))
    return [s for u in units_of(block, lang) for s in sentences_of(u, lang)]
