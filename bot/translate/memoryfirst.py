"""Any engine, with the edition's own translation memory asked first.

The ``tm`` engine reuses a human translation whenever the English is already in the edition (same text,
whitespace aside, with the same markup). A paid engine should do the same: that text is the translators'
own, costs nothing and keeps their terms. ``MemoryFirst`` answers those requests from the memory (flag
``tm-exact``, exactly as ``tm`` does) and sends only the others to the wrapped engine; the estimate, and so
the budget check, counts only what is sent. Near-matches of a changed sentence are handled earlier, by
the planner (``bot.sync.nearmatch``), for every engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.translate.base import Engine, TranslationRequest, TranslationResult
from bot.translate.tm import LazyMemory, TranslationMemory, reprotect


class MemoryFirst:
    def __init__(self, engine: Engine, memory: TranslationMemory | LazyMemory) -> None:
        self.engine = engine
        self.memory = memory
        self.name = engine.name
        self.reused = 0

    def _hit(self, req: TranslationRequest) -> TranslationResult | None:
        found = self.memory.exact(req.source or req.text)
        text = reprotect(found, req.originals) if found is not None else None
        if text is None:
            return None
        return TranslationResult(req.id, text, "tm", from_memory=True, score=1.0, flags=("tm-exact",),
                                 note="the edition's own translation of this exact English (translation memory)")

    def _split(self, requests: Sequence[TranslationRequest]) -> tuple[dict[str, TranslationResult],
                                                                       list[TranslationRequest]]:
        hits: dict[str, TranslationResult] = {}
        rest: list[TranslationRequest] = []
        for r in requests:
            hit = self._hit(r)
            if hit is None:
                rest.append(r)
            else:
                hits[r.id] = hit
        return hits, rest

    def estimate(self, requests: Sequence[TranslationRequest]) -> int:
        return self.engine.estimate(self._split(requests)[1])

    def estimate_cost(self, requests: Sequence[TranslationRequest]) -> float:
        cost: Any = getattr(self.engine, "estimate_cost", None)
        rest = self._split(requests)[1]
        return float(cost(rest)) if callable(cost) and rest else 0.0

    def translate(self, requests: Sequence[TranslationRequest]) -> list[TranslationResult]:
        hits, rest = self._split(requests)
        self.reused = len(hits)
        sent = {r.id: r for r in self.engine.translate(rest)} if rest else {}
        return [hits.get(r.id) or sent[r.id] for r in requests]

    def summary(self) -> str:
        inner: Any = getattr(self.engine, "summary", None)
        text = (inner() if callable(inner) else inner) or self.engine.name
        return f"{text}; {self.reused} segment(s) from the edition's translation memory"
