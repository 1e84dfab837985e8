"""Mojibake: UTF-8 text that was once decoded with a legacy code page (``Schölkopf`` read as ``Sch√∂lkopf``,
``★`` as ``‚òÖ``).

Upstream files sometimes go through an editor that does this, and a later commit repairs it. Neither edit says
anything new: a translation must never receive the damaged form, and where it copied a damaged name it may
receive the repair. ``repair`` undoes the damage run by run (a run of non-ASCII characters that, encoded back
with the code page, is valid UTF-8 of other characters); text without such runs comes back unchanged.
"""

from __future__ import annotations

import re
import unicodedata

#: Code pages that UTF-8 is commonly misread as (Mac editors, Windows, ISO-8859-1).
_CODECS = ("mac_roman", "cp1252", "latin-1")
_RUN = re.compile(r"[^\x00-\x7f]{2,}")


def _plausible(text: str) -> bool:
    """No combining mark, control or unassigned character: what a misread run decodes to by accident."""
    return not any(unicodedata.category(ch)[0] in "MC" for ch in text)


def _repair_run(run: str) -> str:
    for codec in _CODECS:
        try:
            fixed = run.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != run and _plausible(fixed):
            return fixed
    return run


def repair(text: str) -> str:
    """``text`` with every mojibake run decoded back to the characters it stood for."""
    return _RUN.sub(lambda m: _repair_run(m.group()), text)


def repairs(old_words: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Of word replacements (old, new), the ones that repair mojibake (``repair(old) == new``): the only
    direction worth carrying into a translation."""
    return tuple((x, y) for x, y in old_words if x != y and repair(x) == y)
