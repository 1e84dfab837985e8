"""The engine interface: segments in, translations with per-segment metadata out.

Every engine (``tm``, ``aws``, ``bedrock``, ``openai``) speaks this interface so the sync planner never
knows which one it talks to. Segments carry inline markup as placeholders ``⟦n⟧`` (see
``bot.markdown.protect``); an engine must return every placeholder exactly once. Engines never raise for
a single bad segment: they return a result with ``error`` set so one bad block never sinks a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class TranslationRequest:
    """One segment to translate.

    ``text`` is the plain rendering with ``⟦n⟧`` placeholders; ``html`` is the same segment with each
    placeholder as ``<span translate="no" data-p="n">…</span>`` (for Amazon Translate's HTML mode).
    ``id`` is stable and unique within a run (e.g. ``chapter/x.md#12.3``).
    """

    id: str
    text: str
    html: str = ""
    context: str = ""
    #: The raw markdown of the segment and the markup behind each placeholder: a translation memory
    #: matches raw text and maps its stored markup back onto these placeholders.
    source: str = ""
    originals: tuple[str, ...] = ()


@dataclass(frozen=True)
class TranslationResult:
    """What an engine did with one request.

    ``text`` is the translation with the same placeholders, or ``None`` when the engine produced no
    translation (then ``error`` or the ``needs-human`` flag says why). ``chars_billed`` counts the
    characters a paid engine charged (0 for memory hits).
    """

    id: str
    text: str | None
    engine: str
    chars_billed: int = 0
    from_memory: bool = False
    score: float | None = None
    error: str | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.text is not None and self.error is None


class Engine(Protocol):
    """A translator. ``estimate`` is called before ``translate`` so a run can refuse an over-budget job."""

    name: str

    def estimate(self, requests: Sequence[TranslationRequest]) -> int:
        """Characters this engine would bill for ``requests`` (0 for a free engine)."""
        ...

    def translate(self, requests: Sequence[TranslationRequest]) -> list[TranslationResult]:
        """Translate every request; one result per request, in the same order."""
        ...


class EngineError(Exception):
    """An engine could not run at all (bad credentials, unreachable endpoint, bad configuration)."""


def checked_result(request: TranslationRequest, text: str, engine: str, billed: int, note: str) -> TranslationResult:
    """The engine's output as a result, or an error result when its placeholders differ from the request's:
    a damaged segment is reported, never shipped."""
    from bot.markdown.htmlseg import placeholder_problem

    problem = placeholder_problem(request.text, text)
    if problem:
        return TranslationResult(request.id, None, engine, chars_billed=billed, error=problem,
                                 note=f"{note}; rejected output: {text[:200]}")
    return TranslationResult(request.id, text, engine, chars_billed=billed, note=note)
