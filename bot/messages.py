"""Bounded messages: an error or a reason quotes the input that caused it, and input can be huge (a
20,000-backtick fence, a 2 MB line). Every message a user sees goes through ``clip`` first."""

from __future__ import annotations

import re

#: one message line on a console, in a PR comment or in ``/healthz``
LIMIT = 400


def clip(text: str, limit: int = LIMIT) -> str:
    """``text`` cut to about ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    keep = max(0, limit - 30)
    return text[:keep] + f"… ({len(text) - keep} more characters)"


def one_line(text: str, limit: int = LIMIT) -> str:
    """``text`` on one line (line breaks become spaces) and clipped."""
    return clip(re.sub(r"\s*[\r\n]+\s*", " ", text).strip(), limit)
