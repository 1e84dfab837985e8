"""Reviewer-first notes: one note per changed block, with a unique id, a risk and the reasons for it.

A translator opening an AMTS pull request has one question: *what do I have to look at?* So the notes
are ordered by risk, not by file position. The risk of a block comes from two tables, one for plan
actions and one for flags, each entry a (risk, reason) pair; the highest entry wins and every reason is
listed. Actions and flags the tables do not know (new ones from the sync) get ``UNKNOWN_RISK``, which is
above the review threshold: a new kind of change is shown to the reviewer until someone ranks it.

Ids are ``path#N`` with N the index of the block in the new English file, the id ``/amts`` commands take.
Units of the plan that share their first English block (one English paragraph whose translation spans
two edition blocks) are one note, so an id never repeats within a run; it depends only on the new
English, so it is stable across runs of the same upstream revision. A deleted block has no new index: its
id is ``path#old-K`` with K its index in the old English (the origin file).

Pure: plan units in, ``Note`` values out; rendering lives in ``bot.sync.notes``.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.markdown.blocks import Document, Kind
from bot.quality import Scores, score_sentence
from bot.sync.plan import NEEDS_TRANSLATION, FilePlan, Unit

#: Blocks at or above this risk are listed under "Review first".
REVIEW_THRESHOLD = 50
#: Risk of an action or flag missing from the tables below: shown to the reviewer by default.
UNKNOWN_RISK = 50
#: chrF (0-100) of an engine's new text against the previous human text of the block, below which the
#: block is flagged: the machine text kept little of what the translators had written.
LOW_SIMILARITY = 40.0

#: plan action -> (risk, why a reviewer should care)
ACTION_RISK: dict[str, tuple[int, str]] = {
    "delete": (85, "human text deleted"),
    "kept-stale": (60, "stale origin file: human text kept for review"),
    "kept-unsure": (75, "unsure alignment: human text kept, English change not carried"),
    "kept-review": (65, "human text kept for review"),
    "near-match": (60, "English changed by a word or two: human text kept"),
    "edition-ahead": (5, "translation already follows the new English"),
    "retranslate": (80, "human text replaced"),
    "splice": (70, "human sentences replaced"),
    "insert": (45, "new English block"),
    "merge-code": (30, "code cell merged"),
    "merge-copy": (30, "equation/HTML change applied to the edition's own text"),
    "trivial-fix": (25, "typo fix applied to the translation"),
    "copy": (20, "copied from the new English"),
    "insert-copy": (20, "new block copied from the English"),
    "markers": (20, "slide markers carried onto the translation"),
    "markup": (20, "heading level, emphasis or directive line carried onto the translation"),
    "trivial": (5, "typo-level English change"),
    "skip": (5, "block not in the edition"),
    "cosmetic": (0, "cosmetic English change"),
    "moved": (5, "moved with its English, text unchanged"),
    "already-in-edition": (0, "already in the edition"),
    "keep": (0, "unchanged"),
}

#: flag pattern (regex, matched at the start) -> (risk, reason); first match wins
FLAG_RISK: tuple[tuple[str, int, str], ...] = (
    (r"invariant failure", 95, "markup check failed"),
    (r"code conflict", 90, "code merge conflict"),
    (r"edition-split-cell", 70, "the edition splits this English cell: upstream's code change not applied, carry it"),
    (r"framework-moved", 70, "upstream moved this cell's framework to a cell of its own: the edition's cell kept, "
                             "carry upstream's change by hand"),
    (r"edition-defines-it", 70, "upstream's new cell not inserted: the edition defines it already, compare them"),
    (r"human-text-deleted", 85, "human text deleted"),
    (r"human-text-replaced", 80, "human text replaced"),
    (r"edition-had-english", 45, "the edition had this in English, untranslated: now translated"),
    (r"broken-markdown", 50, "the edition's markdown is broken here: kept as written, fix it by hand"),
    (r"deleted upstream", 20, "equation/HTML deleted upstream (the edition had its English as it was)"),
    (r"stale-origin-review", 60, "stale origin file: human text kept for review"),
    (r"slide-marker-not-carried", 55, "slide markers not carried: carry them by hand"),
    (r"markup-not-carried", 45, "heading level, emphasis or directive line changed upstream: carry it by hand"),
    (r"low-similarity", 65, "low similarity to the human text"),
    (r"duplicate", 75, "duplicate"),
    (r"low-confidence|\d+-\d+ pair", 75, "low-confidence alignment"),
    (r"near-match", 60, "English changed by a word or two: human text kept"),
    (r"term-convention-review", 65, "term convention 中文（english） lost in the engine's text"),
    (r"\d+ translated comment line", 60, "translated comments now English"),
    (r"tm-fuzzy|review$", 60, "fuzzy translation-memory match"),
    (r"edition-text-differs", 65, "the edition's equation/HTML differs from its English: kept for review"),
    (r"edition's own text kept", 30, "equation/HTML change applied to the edition's own text"),
    (r"edition-ahead-partial", 65, "translation follows part of the new English only: kept for review"),
    (r"edition-ahead", 55, "edition ahead of its origin file: human text kept"),
    (r"needs-human", 55, "English left in place: needs a translator"),
    (r"re-translation requested", 50, "re-translation requested"),
    (r"slide markers changed", 0, "slide markers changed in the English"),
    (r"#@tab ", 30, "#@tab line merged"),
    (r"tm-exact", 10, "reused from the translation memory"),
    (r"\d+ verbatim fix", 25, "typo fix applied to the translation"),
    (r"list items", 0, "list spliced item by item"),
    (r"table rows", 0, "table spliced row by row"),
    (r"edition already has", 0, "already in the edition"),
    (r"cosmetic source change", 0, "cosmetic English change"),
    (r"paragraphs joined upstream", 0, "paragraphs joined upstream, words unchanged: the translation was one already"),
    (r"trivial source change", 5, "typo-level English change"),
    (r"not in edition", 5, "block not in the edition"),
    (r"edition-only", 0, "edition-only block"),
)
_FLAG_RES = tuple((re.compile(p), r, why) for p, r, why in FLAG_RISK)


def flag_risk(flag: str) -> tuple[int, str]:
    for pattern, risk, why in _FLAG_RES:
        if pattern.match(flag):
            return risk, why
    return UNKNOWN_RISK, f"flag: {flag}"


def action_risk(action: str) -> tuple[int, str]:
    return ACTION_RISK.get(action, (UNKNOWN_RISK, f"action: {action}"))


def diff_anchor(path: str) -> str:
    """GitHub's anchor of a file in a pull request's "Files changed" view: ``diff-<sha256(path)>``."""
    return "diff-" + hashlib.sha256(path.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Similarity:
    """chrF/BLEU of an engine's new text against the block's previous human text (what they compare)."""

    scores: Scores

    @property
    def low(self) -> bool:
        return self.scores.chrf < LOW_SIMILARITY

    def text(self) -> str:
        return (f"chrF {self.scores.chrf:.1f} · BLEU {self.scores.bleu:.1f}: the engine's new text against the "
                "previous human translation of this block (how much of the human wording it kept; the English "
                "changed too, so this is not a quality score)")


@dataclass
class Note:
    """Everything a reviewer needs about one changed English block (or one deleted old one)."""

    id: str
    path: str
    index: int  # the N of path#N (new English), or the old-English index of a block with no new English
    deleted: bool  # removed from the edition (its English was deleted)
    units: list[Unit]
    english_old: str
    english_new: str
    code: bool
    #: per unit, the edition text before the sync (the plan leaves it empty for units that keep it)
    befores: list[str] = field(default_factory=list)
    risk: int = 0
    reasons: list[str] = field(default_factory=list)
    similarity: Similarity | None = None

    @property
    def action(self) -> str:
        actions = list(dict.fromkeys(u.action for u in self.units))
        return "+".join(actions)

    @property
    def flags(self) -> list[str]:
        return list(dict.fromkeys(f for u in self.units for f in u.flags))

    @property
    def failed(self) -> bool:
        return any(u.status != "ok" for u in self.units)

    @property
    def review(self) -> bool:
        return self.risk >= REVIEW_THRESHOLD

    @property
    def old_text(self) -> str:
        return "".join(self.befores)

    @property
    def text(self) -> str:
        return "".join(u.text for u in self.units)

    @property
    def changed(self) -> bool:
        """Did the edition text change (or fail to)? Notes that did not are collapsed into one line."""
        return self.failed or any(u.action == "delete" or u.text != before
                                  for u, before in zip(self.units, self.befores, strict=True))

    @property
    def lines(self) -> tuple[str, int, int] | None:
        """("R", first, last) in the new file, or ("L", first, last) in the old one for deletions."""
        new = [u.new_lines for u in self.units if u.new_lines]
        if new and not self.deleted:
            return "R", min(a for a, _ in new), max(b for _, b in new)
        old = [u.old_lines for u in self.units if u.old_lines]
        if old:
            return "L", min(a for a, _ in old), max(b for _, b in old)
        return None

    @property
    def engines(self) -> list[str]:
        return sorted({e for u in self.units for e in u.engines})

    @property
    def chars(self) -> int:
        return sum(r.chars for u in self.units for r in u.requests)


def _text(doc: Document, idx: Iterable[int]) -> str:
    return "".join(doc.blocks[i].text for i in idx)


def engine_translated(unit: Unit) -> bool:
    """Did an engine produce text for this unit (not English left in place, not a failure)?"""
    return bool(unit.requests) and unit.status == "ok" and NEEDS_TRANSLATION not in unit.text


def _similarity(units: Sequence[Unit], lang: str) -> Similarity | None:
    scored = [u for u in units if engine_translated(u) and u.old_text.strip() and u.text != u.old_text]
    if not scored:
        return None
    return Similarity(score_sentence("".join(u.text for u in scored), "".join(u.old_text for u in scored), lang))


def _assess(note: Note, lang: str) -> None:
    entries = [action_risk(u.action) for u in note.units]
    entries += [flag_risk(f) for f in note.flags]
    if note.failed:
        entries.append((100, "failed: kept as it was"))
    if any(u.action == "merge-code" and u.text == u.old_text for u in note.units):
        # the edition already had the new code: nothing changed in it
        entries = [e for e in entries if e[1] != ACTION_RISK["merge-code"][1]] + [(0, "already in the edition")]
    note.similarity = _similarity(note.units, lang)
    if note.similarity is not None and note.similarity.low:
        entries.append(flag_risk("low-similarity"))
    entries.sort(key=lambda e: -e[0])
    note.risk = entries[0][0] if entries else 0
    note.reasons = list(dict.fromkeys(why for r, why in entries if r > 0 or r == note.risk))


def notes_for(path: str, plan: FilePlan, units: Sequence[Unit], lang: str,
              quiet: frozenset[str] = frozenset({"keep"})) -> list[Note]:
    """The notes of one file, in file order. ``path`` is the file's path on the sync branch."""
    by_key: dict[tuple[str, int], Note] = {}
    for u in units:
        if u.action in quiet and u.status == "ok":
            continue
        if u.new:
            key = ("new", u.new[0])
        elif u.old_origin:
            key = ("old", u.old_origin[0])
        else:
            continue  # an edition-only block (never changed by a sync)
        note = by_key.get(key)
        if note is None:
            deleted = key[0] == "old" and u.action == "delete"
            old_en = _text(plan.origin, u.old_origin)
            new_en = _text(plan.new, u.new)
            kinds = {plan.new.blocks[j].kind for j in u.new} | {plan.origin.blocks[i].kind for i in u.old_origin}
            nid = f"{path}#old-{key[1]}" if key[0] == "old" else f"{path}#{key[1]}"
            note = by_key[key] = Note(nid, path, key[1], deleted, [], old_en, new_en, kinds == {Kind.CODE})
        note.units.append(u)
        note.befores.append(u.old_text if u.old_text or not u.old_edition else _text(plan.edition, u.old_edition))
    notes = list(by_key.values())
    for note in notes:
        _assess(note, lang)
    return notes


def unified(old: str, new: str, label: str = "") -> str:
    """A unified diff of two texts (no file header lines), for code cells."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    out = [ln for ln in lines if not ln.startswith(("---", "+++"))]
    return "\n".join(out)


def by_risk(notes: Iterable[Note]) -> list[Note]:
    """Most risky first; ties in file order."""
    return sorted(notes, key=lambda n: (-n.risk, n.path, n.deleted, n.index))
