"""The notes of one sync run as markdown, reviewer first.

Layout (what a reviewer sees on the first screen comes first):

1. one paragraph saying what the run did;
2. **Review first**: one line per block at or above the review threshold (human text replaced or
   deleted, conflicts, low-confidence alignments, low-similarity machine text, failures, new flags),
   most risky first, each with its id and a link to its lines in the pull request's diff;
3. per file (most risky file first): one counted line for the blocks whose translation did not change
   (cosmetic English changes, code the edition already has, …), then one collapsible note per changed
   block, most risky first, with the English change (code as a unified diff), the previous and the new
   text, the engine, chrF/BLEU where an engine produced text, and the ``/amts`` commands for the block.

Every collapsible note carries a hidden ``<!-- amts:note {...} -->`` marker with its id and risk, so
``bot.github.body`` can move the least risky notes out of a description that would exceed GitHub's limit
(into comments) without parsing markdown. Links to diff lines are written as ``amts-diff:`` tokens and
resolved once the pull request's URL is known (``resolve_links``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bot.sync.runner import FileJob, SyncResult
from bot.sync.triage import Note, by_risk, diff_anchor, notes_for, unified

LINK_SCHEME = "amts-diff:"
_LINK = re.compile(r"\[([^\]\n]*)\]\(amts-diff:(diff-[0-9a-f]{64}[LR]\d+(?:-[LR]\d+)?)\)")
NOTE_MARKER = "<!-- amts:note "
#: collapsed categories: reason of a note whose translation did not change -> label in the counted line
_QUIET_LABELS = {"cosmetic English change": "cosmetic", "already in the edition": "already in the edition",
                 "translation already follows the new English": "edition ahead of its origin",
                 "typo-level English change": "typo-level",
                 "moved with its English, text unchanged": "moved", "block not in the edition": "not in the edition"}


def resolve_links(text: str, pr_url: str | None) -> str:
    """``[x](amts-diff:…)`` -> a link into the PR's "Files changed" view, or plain ``x`` without a PR."""
    if pr_url:
        return _LINK.sub(lambda m: f"[{m.group(1)}]({pr_url.rstrip('/')}/files#{m.group(2)})", text)
    return _LINK.sub(lambda m: m.group(1), text)


def fence(text: str, info: str = "") -> str:
    """``text`` in a fenced block whose fence is longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text.rstrip()}\n{ticks}"


def _hide(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=True, sort_keys=True).replace("--", "-\\u002d")


def _where(note: Note) -> str:
    lines = note.lines
    if lines is None:
        return "no change in the edition"
    side, a, b = lines
    span = f"line {a}" if a == b else f"lines {a}–{b}"
    return f"old {span}" if side == "L" else span


def _link(note: Note, label: str) -> str:
    lines = note.lines
    if lines is None:
        return label
    side, a, b = lines
    return f"[{label}]({LINK_SCHEME}{diff_anchor(note.path)}{side}{a}{'' if a == b else f'-{side}{b}'})"


def review_line(note: Note) -> str:
    """One line of the Review first list."""
    return (f"- {_link(note, f'`{note.id}`')} **{note.action}** — {'; '.join(note.reasons)} ({_where(note)})")


def _commands(note: Note, prefix: str) -> str:
    if note.deleted:
        return "Deleted because its English was deleted upstream; to keep it, put it back by hand."
    if "#old-" in note.id:
        return "Its English was deleted upstream, so no command applies to it; edit it by hand."
    cmds = [f"`{prefix} retranslate {note.id}`"]
    if note.old_text.strip() and note.text != note.old_text:
        cmds.insert(0, f"`{prefix} keep {note.id}`")
    return "Commands: " + " · ".join(cmds)


def note_section(note: Note, prefix: str = "/amts") -> str:
    """One collapsible note (with its hidden marker)."""
    status = " **FAILED, kept as it was**" if note.failed else ""
    lines = ["<details>", f"{NOTE_MARKER}{_hide({'id': note.id, 'risk': note.risk, 'engines': note.engines})} -->",
             f"<summary><code>{note.id}</code> {note.action} ({_where(note)}) — {'; '.join(note.reasons)}{status}"
             "</summary>", ""]
    if note.code and (note.english_old or note.english_new):
        english = unified(note.english_old, note.english_new)
        lines += ["English code (old → new):", "", fence(english, "diff"), ""]
        if note.deleted and note.old_text != note.english_old:
            lines += ["Deleted edition cell:", "", fence(note.old_text), ""]
        edition = unified(note.old_text, note.text) if note.text and not note.deleted else ""
        if edition and edition != english:  # translated comments kept, or the edition differed
            lines += ["The edition's cell (before → after):", "", fence(edition, "diff"), ""]
    else:
        diff = "\n".join(u.english_diff for u in note.units if u.english_diff)
        if diff:
            lines += ["English change (`[-removed-]` `{+added+}`):", "", fence(diff), ""]
        if note.old_text and note.text != note.old_text:
            lines += ["Previous translation:" if not note.deleted else "Deleted translation:", "",
                      fence(note.old_text), ""]
        if note.text and note.text != note.old_text:
            lines += ["New text:", "", fence(note.text), ""]
    if note.flags:
        lines.append("Flags: " + ", ".join(f"`{f}`" for f in note.flags))
    if note.engines:
        lines.append(f"Engine: {', '.join(note.engines)} · characters sent: {note.chars}")
    if note.similarity is not None:
        lines.append(note.similarity.text())
    for u in note.units:
        lines += [f"- {n}" for n in u.notes]
    lines += ["", _commands(note, prefix), "", "</details>"]
    return "\n".join(lines)


def _quiet_line(notes: Sequence[Note]) -> str:
    groups: dict[str, list[str]] = {}
    for n in notes:
        label = next((_QUIET_LABELS[r] for r in n.reasons if r in _QUIET_LABELS), n.action)
        groups.setdefault(label, []).append(n.id[len(n.path):])
    parts = [f"{len(ids)} {label} ({', '.join(ids)})" for label, ids in groups.items()]
    return "Translation unchanged: " + "; ".join(parts) + "."


def branch_path(job: FileJob) -> str:
    """The file's path on the sync branch (a renamed file moves with upstream)."""
    return job.upstream_path if job.renamed else job.path


def run_notes_by_file(result: SyncResult, lang: str) -> list[tuple[FileJob, list[Note]]]:
    out = []
    for job in result.jobs:
        units = job.outcome.units if job.outcome else []
        notes = notes_for(branch_path(job), job.plan, units, lang) if job.plan is not None else []
        out.append((job, notes))
    return out


def _summary_paragraph(result: SyncResult, report: dict[str, Any], notes: Sequence[Note], upstream: str,
                       cost: str) -> str:
    changed = [n for n in notes if n.changed]
    actions: Counter = Counter(u.action for n in changed for u in n.units)
    replaced = sum(1 for n in changed if any(u.action in ("retranslate", "splice") for u in n.units))
    review = [n for n in notes if n.review]
    english = sum(1 for n in notes if "needs-human" in n.flags)
    failed = [j for j in result.jobs if j.error]
    parts = [f"This run brought {len(result.jobs)} file(s) of the `{result.options.lang}` edition up to "
             f"`{upstream}` at `{result.upstream_sha[:10]}`: {len(changed)} block(s) changed in the translation"]
    new_blocks = actions["insert"] + actions["insert-copy"]
    detail = [f"{replaced} with human text partly or wholly replaced" if replaced else "",
              f"{actions['delete']} deleted" if actions["delete"] else "",
              f"{new_blocks} new" if new_blocks else "",
              f"{actions['merge-code']} code cell(s) merged" if actions["merge-code"] else ""]
    detail = [d for d in detail if d]
    if detail:
        parts[0] += " (" + ", ".join(detail) + ")"
    parts[0] += f", and {len(notes) - len(changed)} English change(s) that needed nothing in the translation."
    parts.append(f"{report['chars_sent']:,} characters went to {report['engine_summary'] or result.options.engine} "
                 f"(cost {cost}).")
    if english:
        parts.append(f"{english} block(s) still hold English marked `<!-- amts: needs translation -->`.")
    if failed:
        parts.append(f"{len(failed)} file(s) failed and were left as they were.")
    parts.append(f"**{len(review)} block(s) need review first** (below)." if review
                 else "No block needs a closer look.")
    return " ".join(parts)


def run_notes(result: SyncResult, report: dict[str, Any], cost: str, upstream_name: str | None = None,
              prefix: str = "/amts") -> str:
    """The markdown notes of one run (no body marker, no footer: a rolling PR stacks several runs)."""
    opts = result.options
    upstream = upstream_name or opts.upstream
    per_file = run_notes_by_file(result, opts.lang)
    notes = [n for _, ns in per_file for n in ns]
    lines = [f"## AMTS sync: {opts.lang} ← upstream `{result.upstream_sha[:10]}`", "",
             _summary_paragraph(result, report, notes, upstream, cost), ""]
    review = by_risk(n for n in notes if n.review)
    failed_files = [j for j in result.jobs if j.error]
    if review or failed_files:
        lines += [f"### Review first ({len(review) + len(failed_files)})", ""]
        lines += [f"- `{branch_path(j)}` **file failed** — {j.error}" for j in failed_files]
        lines += [review_line(n) for n in review] + [""]
    order = sorted(per_file, key=lambda fn: (-max((n.risk for n in fn[1]), default=0), branch_path(fn[0])))
    lines += ["### Notes by file (most risky first)", ""]
    for job, file_notes in order:
        title = f"#### `{branch_path(job)}`" + (f" (renamed upstream from `{job.path}`)" if job.renamed else "")
        lines += [title, ""]
        if job.error:
            lines += [f"**failed:** {job.error}", ""]
        quiet = [n for n in file_notes if not n.changed and not n.review]
        if quiet:
            lines += [_quiet_line(quiet), ""]
        for note in by_risk(n for n in file_notes if n.changed or n.review):
            lines += [note_section(note, prefix), ""]
    if result.skipped:
        lines += ["### Skipped", ""] + [f"- `{p}`: {r}" for p, r in result.skipped] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"
