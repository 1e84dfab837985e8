"""One pull-request review per sync run, its comments on the changed lines of each block (pure).

The description says what to review; the review puts each note where the reviewer reads the change: on
the block's lines in *Files changed*. A comment carries the English change, the previous human text, the
engine and chrF/BLEU where an engine wrote the text, and the ``/amts`` commands for that block. Where an
engine replaced human text in a single block, a ``suggestion`` block holds the previous human text, so
"Commit suggestion" restores it in one click.

GitHub refuses (422, the whole review) a comment on a line outside the pull request's diff, so
``fit_to_diff`` keeps only comments whose lines lie in one hunk of the file's patch as the API reports it;
the others stay in the description. Most risky blocks first, at most ``MAX_COMMENTS`` per review.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.sync.notes import fence, run_notes_by_file
from bot.sync.runner import SyncResult
from bot.sync.triage import Note, by_risk, engine_translated, unified

REVIEW_MARKER = "<!-- amts:review "
MAX_COMMENTS = 50
MAX_COMMENT_CHARS = 60_000
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.M)


@dataclass(frozen=True)
class ReviewComment:
    path: str
    line: int
    side: str  # RIGHT (new file) or LEFT (old file, for a deleted block)
    start_line: int | None
    body: str
    id: str  # the block id, for logs and tests

    def as_api(self) -> dict[str, object]:
        out: dict[str, object] = {"path": self.path, "line": self.line, "side": self.side, "body": self.body}
        if self.start_line is not None and self.start_line < self.line:
            out["start_line"], out["start_side"] = self.start_line, self.side
        return out


def _suggestion(note: Note) -> str:
    """The previous human text as a one-click suggestion, where an engine replaced it in one block."""
    if len(note.units) != 1 or note.deleted or note.code:
        return ""
    unit, before = note.units[0], note.befores[0]
    if not engine_translated(unit) or not before.strip() or unit.text == before:
        return ""
    return "Restore the previous human translation:\n\n" + fence(before.rstrip("\n"), "suggestion")


def comment_body(note: Note, prefix: str = "/amts") -> str:
    lines = [f"**`{note.id}`** {note.action} — {'; '.join(note.reasons)}", ""]
    if note.code:
        lines += ["English code (old → new):", "", fence(unified(note.english_old, note.english_new), "diff"), ""]
    else:
        diff = "\n".join(u.english_diff for u in note.units if u.english_diff)
        if diff:
            lines += ["English change:", "", fence(diff), ""]
        if note.old_text.strip() and note.old_text != note.text:
            lines += ["Previous human text:" if not note.deleted else "Deleted human text:", "",
                      fence(note.old_text), ""]
    if note.engines:
        lines.append(f"Engine: {', '.join(note.engines)} · characters sent: {note.chars}")
    if note.similarity is not None:
        lines.append(note.similarity.text())
    suggestion = _suggestion(note)
    if suggestion:
        lines += ["", suggestion]
    if not note.deleted and "#old-" not in note.id:
        cmds = [f"`{prefix} retranslate {note.id}`"]
        if note.old_text.strip() and note.old_text != note.text:
            cmds.insert(0, f"`{prefix} keep {note.id}`")
        lines += ["", "Commands (comment on the pull request): " + " · ".join(cmds)]
    body = "\n".join(lines)
    return body if len(body) <= MAX_COMMENT_CHARS else body[:MAX_COMMENT_CHARS] + "\n\n_…cut (see the description)._"


def review_comments(result: SyncResult, prefix: str = "/amts") -> list[ReviewComment]:
    """One comment per changed block (most risky first), on its lines in the new file (old file: deleted)."""
    notes = [n for _, ns in run_notes_by_file(result, result.options.lang) for n in ns if n.changed or n.review]
    out = []
    for note in by_risk(notes):
        where = note.lines
        if where is None:
            continue
        side, first, last = where
        out.append(ReviewComment(note.path, last, "LEFT" if side == "L" else "RIGHT", first if first < last else None,
                                 comment_body(note, prefix), note.id))
    return out


def hunks(patch: str | None) -> dict[str, list[tuple[int, int]]]:
    """Line ranges per side of a file's patch (as GitHub's pull-request files API gives it)."""
    sides: dict[str, list[tuple[int, int]]] = {"LEFT": [], "RIGHT": []}
    for m in _HUNK.finditer(patch or ""):
        a, b, c, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3)), int(m.group(4) or 1)
        if b:
            sides["LEFT"].append((a, a + b - 1))
        if d:
            sides["RIGHT"].append((c, c + d - 1))
    return sides


def fit_to_diff(comments: Iterable[ReviewComment], patches: Mapping[str, str | None],
                limit: int = MAX_COMMENTS) -> tuple[list[ReviewComment], list[ReviewComment]]:
    """(comments GitHub will accept, comments left out): each must lie inside one hunk of its file's patch."""
    accepted, left = [], []
    for c in comments:
        ranges = hunks(patches.get(c.path)).get(c.side, []) if c.path in patches else []
        first = c.start_line if c.start_line is not None else c.line
        if len(accepted) < limit and any(lo <= first and c.line <= hi for lo, hi in ranges):
            accepted.append(c)
        else:
            left.append(c)
    return accepted, left


def review_body(key: str, accepted: Sequence[ReviewComment], left: Sequence[ReviewComment]) -> str:
    lines = [f"{REVIEW_MARKER}{json.dumps({'run': key})} -->",
             f"**AMTS review notes**: {len(accepted)} block(s) commented on their lines, most risky first."]
    if left:
        lines.append(f"{len(left)} more block note(s) are only in the description (their lines are not in this "
                     "diff, or the review is full): " + ", ".join(f"`{c.id}`" for c in left[:100]) + ".")
    return "\n".join(lines)


def review_key(body: str | None) -> str | None:
    m = re.match(re.escape(REVIEW_MARKER) + r"(\{.*?\}) -->", body or "")
    if not m:
        return None
    try:
        return str(json.loads(m.group(1)).get("run"))
    except ValueError:
        return None
