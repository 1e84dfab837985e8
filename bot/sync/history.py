"""Which upstream version of a block does a translation follow, when its origin file is out of date?

Editions update translations without updating ``X_origin.md`` (d2l-zh: slide markers and numbers of an
English newer than the origin, older than today's). The evidence of ``bot.sync.ahead`` then says *partial*:
the translation has some of the new English, not all of it. A human syncer would look the block up in
upstream's history and find the version the translation was made from. So does this module: among
upstream's versions of the file (newest first), the newest version ``V`` of the block such that

* the translation carries *complete* evidence of the change origin -> ``V`` (``ahead``: every anchor
  ``V`` added present, every one it removed absent, every changed sentence vouched for), and
* it carries no evidence of the change ``V`` -> new (``behind`` when it still has ``V``'s anchors where the
  new English differs; ``none`` when nothing tells the two apart).

Pure: the caller gives the versions' texts (``bot.sync.repos.file_versions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.markdown.blocks import Document, MarkdownError, parse
from bot.sync.ahead import Evidence, evidence
from bot.sync.diff import pairing


class History:
    """Upstream's versions of a file, ``(commit, text)`` newest first, read against the new English lazily: a
    version is parsed and its blocks paired with the new ones (same kind, by the block diff) only when a block
    asks for it. A version that cannot be parsed is passed over (upstream had broken commits too)."""

    def __init__(self, texts: Sequence[tuple[str, str]], new: Document) -> None:
        self.texts, self.new = texts, new
        self._blocks: dict[int, dict[int, str]] = {}

    def __len__(self) -> int:
        return len(self.texts)

    def block(self, n: int, j: int) -> str | None:
        """The counterpart in version ``n`` of new block ``j``, if any."""
        if n not in self._blocks:
            try:
                old = parse(self.texts[n][1])
            except MarkdownError:
                old = None
            self._blocks[n] = {} if old is None else {
                jj: old.blocks[i].text for i, jj in pairing(old, self.new)
                if i is not None and jj is not None and old.blocks[i].kind == self.new.blocks[jj].kind}
        return self._blocks[n].get(j)


@dataclass(frozen=True)
class Follows:
    """The translation follows ``text``, the block as upstream ``commit`` had it."""

    commit: str
    text: str
    ahead: Evidence  # origin -> this version: complete
    since: Evidence  # this version -> new: ``behind`` or ``none``

    @property
    def certain(self) -> bool:
        """The translation still has this version's anchors where the new English changed them."""
        return self.since.verdict == "behind"


def follows(old_en: str, j: int, translation: str, history: History, lang: str) -> Follows | None:
    """The newest upstream version of new block ``j`` that the translation follows (see the module), or
    ``None``. A version where the block is missing, has another kind, or equals the origin's or the new
    English is passed over."""
    new_en = history.new.blocks[j].text
    for n in range(len(history)):
        text = history.block(n, j)
        if text is None or text in (old_en, new_en):
            continue
        ahead = evidence(old_en, text, translation, lang)
        if ahead.verdict != "ahead":
            continue
        since = evidence(text, new_en, translation, lang)
        if since.verdict in ("behind", "none"):
            return Follows(history.texts[n][0], text, ahead, since)
    return None
