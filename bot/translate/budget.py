"""Character budgets: refuse a paid run before the first character leaves the machine.

The design rule is "every character sent to a paid engine is counted before it is sent". A
:class:`Budget` asks the engine for its own estimate (only the engine knows how it packs requests and
what it bills for markup) and raises :class:`BudgetExceeded` when the run would overspend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.translate.base import Engine, EngineError, TranslationRequest, TranslationResult


class BudgetExceeded(EngineError):
    """The run would bill more characters than the configured budget allows."""


@dataclass
class Budget:
    """A character allowance for one run; ``max_chars=None`` means unlimited.

    ``spent`` grows with :meth:`record` so several engine calls in one run share the allowance.
    """

    max_chars: int | None
    spent: int = 0

    @property
    def remaining(self) -> int | None:
        return None if self.max_chars is None else max(0, self.max_chars - self.spent)

    def check(self, engine: Engine, requests: Sequence[TranslationRequest]) -> int:
        """Return the engine's estimate, or raise :class:`BudgetExceeded` if it does not fit."""
        estimate = engine.estimate(requests)
        if self.max_chars is not None and self.spent + estimate > self.max_chars:
            raise BudgetExceeded(
                f"engine '{engine.name}' would bill about {estimate:,} characters for {len(requests)} "
                f"segments, but only {self.remaining:,} of the {self.max_chars:,}-character budget are "
                "left; raise the budget in config/amts.yml or translate fewer files per run"
            )
        return estimate

    def record(self, results: Sequence[TranslationResult]) -> int:
        """Add what the engine actually billed; returns the characters added."""
        billed = sum(r.chars_billed for r in results)
        self.spent += billed
        return billed


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that add up exactly to ``total``.

    Used to spread one bill (a batch job's characters, an LLM call's prompt) over the segments that
    shared it, so per-segment ``chars_billed`` still sums to what the service charged.
    """
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0:
        base, extra = divmod(total, len(weights))
        return [base + (1 if i < extra else 0) for i in range(len(weights))]
    exact = [total * w / weight_sum for w in weights]
    shares = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares
