"""``/amts keep <path>#<block>``: put back the translation a block had before the sync (pure).

The reviewer says "the old human text is still right for the new English". The block is found twice:
in the PR base, through the same plan the sync made (origin at the base -> new English -> edition at
the base), which gives the pre-sync edition text; and in the branch, through the alignment of the new
English (the branch's origin file) with the branch's edition file, which gives the span to replace.
The origin file is not touched: it already holds the new English, so the next sync leaves the block
alone and the human text stays.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.align.blocks import align
from bot.markdown.blocks import Document, MarkdownError, parse
from bot.sync.plan import plan_file


class KeepError(Exception):
    """The block cannot be restored; the message tells the reviewer why."""


def _join(doc: Document, idx: Sequence[int]) -> str:
    out = []
    for n, i in enumerate(idx):
        if n:
            out.append(doc.seps[i])
        out.append(doc.blocks[i].text)
    return "".join(out)


def _replace(doc: Document, first: int, last: int, text: str) -> str:
    chunks = []
    for i, block in enumerate(doc.blocks):
        if i < first or i > last:
            chunks += [doc.seps[i], block.text]
        elif i == first:
            chunks += [doc.seps[i], text]
    chunks.append(doc.seps[len(doc.blocks)])
    return "".join(chunks)


def keep_block(path: str, block: int, base_origin: str, base_edition: str, branch_origin: str,
               branch_edition: str, src_lang: str = "en", lang: str = "zh",
               extra_frameworks: Sequence[str] = ("paddle",)) -> str:
    """The branch's edition text with block ``block`` (new-English index) restored to its text at the PR
    base. Raises ``KeepError`` when there is nothing to restore or the block cannot be located."""
    try:
        new = parse(branch_origin)
        current = parse(branch_edition, lenient=True)
        plan = plan_file(path, base_origin, branch_origin, base_edition, src_lang, lang, extra_frameworks)
    except MarkdownError as e:
        raise KeepError(f"`{path}` cannot be parsed: {e}") from None
    if block >= len(new.blocks):
        raise KeepError(f"`{path}` has {len(new.blocks)} blocks in the new English (ids #0–#{len(new.blocks) - 1}); "
                        f"there is no #{block}")
    unit = next((u for u in plan.units if block in u.new), None)
    if unit is None or not unit.old_edition:
        raise KeepError(f"`{path}#{block}` is new in the English: there is no earlier translation to keep")
    old_text = _join(plan.edition, unit.old_edition)
    pair = align(new, current, extra_frameworks).counterpart(block)
    if pair is None or not pair.tgt:
        raise KeepError(f"`{path}#{block}` has no counterpart in the current translation on this branch")
    if set(pair.src) - set(unit.new):
        others = ", ".join(f"#{i}" for i in sorted(set(pair.src) - set(unit.new)))
        raise KeepError(f"`{path}#{block}` shares its translation with {others} on this branch; "
                        "keep cannot split them (edit the file by hand)")
    if _join(current, pair.tgt) == old_text:
        raise KeepError(f"`{path}#{block}` already has its pre-sync text")
    return _replace(current, pair.tgt[0], pair.tgt[-1], old_text)
