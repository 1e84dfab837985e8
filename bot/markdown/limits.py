"""Input limits: a markdown file beyond any real book file is refused before any work is done.

The largest file of the book is 84 kB with lines of at most 1.5 kB. Every step is linear in its input,
but a 10 MB file still means minutes of aligning and a PR nobody can review; a file of that size is a
mistake (a generated file, a data dump, an attack on the App), not a chapter. Refusing it with one line
is better than a run that appears to hang.
"""

from __future__ import annotations

from bot.markdown.lines import split_lines

MAX_FILE_BYTES = 5_000_000
MAX_LINE_CHARS = 1_000_000


class TooLargeError(ValueError):
    """The text is over a limit. ``line`` is the 1-based line at fault (1 for the whole file)."""

    def __init__(self, reason: str, line: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def check_limits(text: str) -> None:
    """Raise ``TooLargeError`` when ``text`` is over ``MAX_FILE_BYTES`` or has a line over ``MAX_LINE_CHARS``."""
    if len(text) * 4 > MAX_FILE_BYTES and (size := len(text.encode("utf-8"))) > MAX_FILE_BYTES:
        raise TooLargeError(f"file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit for a "
                            "markdown file (the largest file of the book is 0.1 MB)")
    if len(text) <= MAX_LINE_CHARS:
        return
    for number, line in enumerate(split_lines(text), 1):
        if len(line) > MAX_LINE_CHARS:
            raise TooLargeError(f"line {number} has {len(line):,} characters, over the {MAX_LINE_CHARS:,} "
                                "limit for one line", number)
