"""The rolling pull request's description and status comment (pure text in, text out).

A rolling PR collects several sync runs (upstream pushes, ``/amts`` commands). Its body keeps one
section per run, newest first and open, older ones folded, each wrapped in hidden markers holding a
small JSON record, so the next run can rebuild the body from the previous one without any other state:

    <!-- amts:pr-body -->            (bot/sync/report.py's marker: "this PR is AMTS's")
    summary table over all runs (upstream range, runs, files, characters, cost estimate, engines)
    <!-- amts:run {...} --> … <!-- amts:run-end -->      newest run: bot/sync/report.pr_body's notes
    <details> <!-- amts:run {...} --> … </details>       earlier runs

GitHub rejects bodies over 65,536 characters; ``compose`` fits the limit by moving the notes of the oldest
runs into comments first, then the least risky block notes of the newest run (listing their ids where they
were); nothing is dropped silently, and the newest run's Review first list always stays.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.sync.notes import resolve_links
from bot.sync.report import ATTRIBUTION, BODY_MARKER, QUIET_ACTIONS
from bot.sync.runner import SyncResult
from bot.translate.base import TranslationResult

BODY_LIMIT = 65_536
STATUS_MARKER = "<!-- amts:status -->"
_RUN = re.compile(r"<!-- amts:run (\{.*?\}) -->\n(.*?)\n<!-- amts:run-end -->", re.S)
_STATUS_STATE = re.compile(r"<!-- amts:status-state (\{.*?\}) -->", re.S)
_NOTE = re.compile(r"<details>\n<!-- amts:note (\{.*?\}) -->\n.*?\n</details>", re.S)
_NOTE_MARK = re.compile(r"<!-- amts:note (\{.*?\}) -->")
OVERFLOW_MARKER = "<!-- amts:overflow "
MAX_STATUS_EVENTS = 10


def text_length(text: str) -> int:
    """Length as GitHub counts it (UTF-16 code units: an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _hide(data: Mapping[str, Any]) -> str:
    """JSON safe inside an HTML comment (no ``--``)."""
    return json.dumps(data, ensure_ascii=True, sort_keys=True).replace("--", "-\\u002d")


# --------------------------------------------------------------------------------------------------
# Runs


@dataclass(frozen=True)
class RunRecord:
    """What one sync run did, kept (hidden) in the PR body."""

    upstream_sha: str
    trigger: str
    commit: str | None = None
    before: str = ""
    chars_sent: int = 0
    chars_billed: int = 0
    cost_usd: float | None = 0.0  # None: an engine without a configured price was billed
    engines: tuple[str, ...] = ()
    at: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunRecord:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["engines"] = tuple(values.get("engines", ()))
        return cls(**values)


@dataclass(frozen=True)
class Run:
    record: RunRecord
    text: str  # markdown: the run's notes
    #: review comments of this run (bot.github.review.ReviewComment), posted once; not kept in the body
    review: tuple = ()


def parse_runs(body: str | None) -> list[Run]:
    """The runs recorded in a body written by ``compose_body``, newest first."""
    runs = []
    for m in _RUN.finditer(body or ""):
        try:
            record = RunRecord.from_json(json.loads(m.group(1)))
        except (ValueError, TypeError):
            continue
        runs.append(Run(record, m.group(2)))
    return runs


def cost_of(results: Mapping[str, TranslationResult], prices: Mapping[str, float | None]) -> float | None:
    """USD for the characters billed, from per-million prices by engine name. ``None`` when a billed
    engine has no known price (then the body says so instead of claiming $0)."""
    total = 0.0
    for res in results.values():
        if res.chars_billed <= 0:
            continue
        price = prices.get(res.engine)
        if price is None:
            return None
        total += res.chars_billed * price / 1_000_000
    return total


def record_for(result: SyncResult, report: Mapping[str, Any], trigger: str, cost: float | None, before: str = "",
               at: str = "") -> RunRecord:
    engines = tuple(sorted(report.get("chars_sent_by_engine", {}) or {})) or (result.options.engine,)
    return RunRecord(result.upstream_sha, trigger, result.commit, before, int(report.get("chars_sent", 0)),
                     int(report.get("chars_billed", 0)), cost, engines, at)


# --------------------------------------------------------------------------------------------------
# The body


@dataclass(frozen=True)
class BodyHeader:
    lang: str
    upstream_repo: str
    base_branch: str
    files: Sequence[str] = field(default_factory=tuple)
    chapter: str = ""
    command_prefix: str = "/amts"


def _money(runs: Sequence[Run]) -> str:
    known = sum(r.record.cost_usd or 0.0 for r in runs)
    unknown = any(r.record.cost_usd is None for r in runs)
    if not unknown and known == 0:
        return "$0 (offline)"
    return f"${known:.4f}" + (" + unpriced engine use" if unknown else "")


def _summary(header: BodyHeader, runs: Sequence[Run]) -> list[str]:
    records = [r.record for r in runs]
    first, last = records[-1], records[0]
    start = first.before[:10] if first.before.strip("0") else ""  # all zeros: a new branch
    rng = f"`{start}..{last.upstream_sha[:10]}`" if start else f"`{last.upstream_sha[:10]}`"
    engines = sorted({e for r in records for e in r.engines})
    where = f" — `{header.chapter}`" if header.chapter else ""
    lines = [BODY_MARKER, f"# AMTS sync: `{header.lang}` ← `{header.upstream_repo}`{where}", "",
             "| upstream range | sync runs | files | characters sent | cost estimate | engines |",
             "|---|---|---|---|---|---|",
             f"| {rng} | {len(records)} | {len(header.files)} | {sum(r.chars_sent for r in records):,} | "
             f"{_money(runs)} | {', '.join(engines) or '-'} |", ""]
    if header.files:
        shown = ", ".join(f"`{f}`" for f in header.files[:40])
        more = f" and {len(header.files) - 40} more" if len(header.files) > 40 else ""
        lines += [f"Files changed against `{header.base_branch}`: {shown}{more}.", ""]
    lines += [f"Each block below has an id `path#N` (N: block index in the new English). Comment "
              f"`{header.command_prefix} retranslate path#N` or `{header.command_prefix} keep path#N` to act on it, "
              f"`{header.command_prefix} help` for all commands.", ""]
    return lines


def _run_block(run: Run, folded: bool, pr_url: str | None = None) -> list[str]:
    inner = [f"<!-- amts:run {_hide(asdict(run.record))} -->", resolve_links(run.text, pr_url), "<!-- amts:run-end -->"]
    if not folded:
        return inner + [""]
    r = run.record
    label = f"{r.trigger} → upstream <code>{r.upstream_sha[:10]}</code>" + (
        f", commit <code>{r.commit[:10]}</code>" if r.commit else "")
    return ["<details>", f"<summary>Earlier run: {label}</summary>", "", *inner, "", "</details>", ""]


def render_body(header: BodyHeader, runs: Sequence[Run], pr_url: str | None = None) -> str:
    """The whole body; ``pr_url`` (once the PR exists) turns block ids into links to their diff lines."""
    if not runs:
        raise ValueError("a pull request body needs at least one run")
    lines = _summary(header, runs) + _run_block(runs[0], False, pr_url)
    if len(runs) > 1:
        lines += ["## Earlier sync runs in this pull request", ""]
        for run in runs[1:]:
            lines += _run_block(run, True, pr_url)
    lines += ["---", ATTRIBUTION, ""]
    return "\n".join(lines)


def note_engines(text: str | None) -> dict[str, tuple[str, ...]]:
    """Block id -> engines, from the hidden note markers of a body (or an overflow comment)."""
    out: dict[str, tuple[str, ...]] = {}
    for m in _NOTE_MARK.finditer(text or ""):
        try:
            data = json.loads(m.group(1))
        except ValueError:
            continue
        if isinstance(data.get("id"), str):
            out[data["id"]] = tuple(e for e in data.get("engines", ()) if isinstance(e, str))
    return out


@dataclass(frozen=True)
class Composed:
    """A description within GitHub's limit, and the notes that did not fit in it: comment texts (each within
    the limit, each starting with an ``OVERFLOW_MARKER`` that says which run and part it holds)."""

    body: str
    overflow: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()  # ids of the block notes moved into comments


def run_key(record: RunRecord) -> str:
    return f"{record.upstream_sha[:12]}-{(record.commit or '')[:12]}"


def overflow_marker(record: RunRecord, kind: str, part: int) -> str:
    return f"{OVERFLOW_MARKER}{_hide({'run': run_key(record), 'kind': kind, 'part': part})} -->"


def _stub(run: Run) -> Run:
    commit = f" (commit `{run.record.commit[:10]}`)" if run.record.commit else ""
    return replace(run, text=f"_The notes of this run{commit} are in the comment \"AMTS notes of an earlier run\" "
                             f"below (GitHub's {BODY_LIMIT:,}-character limit)._")


def _chunks(head: str, sections: Sequence[str], limit: int) -> list[str]:
    """``sections`` packed into texts of at most ``limit`` characters, each starting with ``head``."""
    out: list[str] = []
    current = head
    for section in sections:
        if text_length(section) + text_length(head) + 2 > limit:  # one huge note: cut it, say so
            keep = limit - text_length(head) - 200
            section = section.encode("utf-16-le")[: 2 * keep].decode("utf-16-le", "ignore") + \
                "\n\n_…note cut to fit GitHub's comment limit._\n\n</details>"
        if text_length(current) + 2 + text_length(section) > limit:
            out.append(current)
            current = head
        current += "\n\n" + section
    if current != head:
        out.append(current)
    return out


@dataclass(frozen=True)
class _Section:
    start: int
    end: int
    id: str
    risk: int
    size: int


def _sections(text: str) -> list[_Section]:
    out = []
    for m in _NOTE.finditer(text):
        try:
            data = json.loads(m.group(1))
        except ValueError:
            continue
        out.append(_Section(m.start(), m.end(), str(data.get("id", "?")), int(data.get("risk", 0)),
                            text_length(m.group(0))))
    return out


def _moved_line(ids: Sequence[str]) -> str:
    shown = ", ".join(f"`{i}`" for i in ids[:300]) + (f" and {len(ids) - 300} more" if len(ids) > 300 else "")
    return (f"\n_{len(ids)} less risky block note(s) are in the comment(s) \"AMTS notes, continued\" below "
            f"(GitHub's {BODY_LIMIT:,}-character limit): {shown}._\n")


def _move_notes(text: str, budget: int) -> tuple[str, list[_Section]]:
    """``text`` without its least risky note sections (last first among equals), until it fits ``budget``."""
    sections = _sections(text)
    order = sorted(sections, key=lambda s: (s.risk, -s.start))
    size = text_length(text)
    moved: list[_Section] = []
    for sec in order:
        if size + (text_length(_moved_line([m.id for m in moved])) if moved else 0) <= budget:
            break
        moved.append(sec)
        size -= sec.size
    if not moved:
        return text, []
    gone = {m.start for m in moved}
    pieces, pos = [], 0
    for sec in sections:
        if sec.start in gone:
            pieces.append(text[pos:sec.start])
            pos = sec.end
    pieces.append(text[pos:])
    kept = re.sub(r"\n{3,}", "\n\n", "".join(pieces)).rstrip("\n")
    by_risk = sorted(moved, key=lambda s: (-s.risk, s.start))
    return kept + "\n" + _moved_line([m.id for m in by_risk]), by_risk


def compose(header: BodyHeader, runs: Sequence[Run], limit: int = BODY_LIMIT, pr_url: str | None = None) -> Composed:
    """The PR body for ``runs`` (newest first) within ``limit`` characters, and what did not fit.

    Nothing is dropped silently: the notes of earlier runs move first (one comment per run), then the least
    risky block notes of the newest run (into "continued" comments); the Review first list stays."""
    runs = list(runs)
    overflow: list[str] = []
    body = render_body(header, runs, pr_url)
    for i in range(len(runs) - 1, 0, -1):  # oldest first
        if text_length(body) <= limit:
            return Composed(body, tuple(overflow))
        head = (f"{overflow_marker(runs[i].record, 'run', 0)}\n**AMTS notes of an earlier run** "
                f"({runs[i].record.trigger} → upstream `{runs[i].record.upstream_sha[:10]}`), moved here from the "
                "description to fit GitHub's limit.")
        if not runs[i].text.startswith("_The notes of this run"):
            overflow += _chunks(head, [resolve_links(runs[i].text, pr_url)], limit)
        runs[i] = _stub(runs[i])
        body = render_body(header, runs, pr_url)
    moved: list[_Section] = []
    if text_length(body) > limit:
        budget = limit - (text_length(body) - text_length(resolve_links(runs[0].text, pr_url)))
        original = resolve_links(runs[0].text, pr_url)
        text, moved = _move_notes(original, budget)
        runs[0] = replace(runs[0], text=text)
        body = render_body(header, runs, pr_url)
        head = (f"{overflow_marker(runs[0].record, 'notes', 0)}\n**AMTS notes, continued** (upstream "
                f"`{runs[0].record.upstream_sha[:10]}`): block notes that did not fit in the description, most "
                "risky first.")
        parts = _chunks(head, [original[m.start:m.end] for m in moved], limit)
        overflow += [p.replace(overflow_marker(runs[0].record, "notes", 0), overflow_marker(runs[0].record, "notes", k),
                               1) for k, p in enumerate(parts)]
    if text_length(body) > limit:  # still too long (e.g. a huge skip list): cut hard, keep the footer
        footer = f"\n\n_…cut to fit GitHub's {BODY_LIMIT:,}-character limit._\n\n---\n{ATTRIBUTION}\n"
        units = 2 * (limit - text_length(footer))
        body = body.encode("utf-16-le")[:units].decode("utf-16-le", "ignore") + footer
    return Composed(body, tuple(overflow), tuple(m.id for m in moved))


def compose_body(header: BodyHeader, runs: Sequence[Run], limit: int = BODY_LIMIT, pr_url: str | None = None) -> str:
    """The PR body only (see ``compose``)."""
    return compose(header, runs, limit, pr_url).body


def estimate_body_size(result: SyncResult) -> int:
    """Characters the notes of a *planned* (dry-run) sync would take in a body, before translating
    anything: decides the per-chapter split without paying for a discarded run."""
    size = 1500
    for job in result.jobs:
        size += 200
        if job.plan is None:
            continue
        for u in job.plan.units:
            if u.action in QUIET_ACTIONS:
                continue
            new = sum(len(job.plan.new.blocks[j].text) for j in u.new)
            size += 300 + len(u.english_diff) + len(u.old_text) + 2 * new
    return size


def chapter_of(path: str) -> str:
    return path.split("/", 1)[0] if "/" in path else "."


def group_by_chapter(paths: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in paths:
        out.setdefault(chapter_of(p), []).append(p)
    return out


def chapter_slug(chapter: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", chapter).strip("-.") or "root"


# --------------------------------------------------------------------------------------------------
# The status comment


def parse_status_events(body: str | None) -> list[str]:
    m = _STATUS_STATE.search(body or "")
    if not m:
        return []
    try:
        events = json.loads(m.group(1)).get("events", [])
    except ValueError:
        return []
    return [e for e in events if isinstance(e, str)]


def post_edit_chart(rows: Sequence[Any], last: int = 12) -> list[str]:
    """Post-edit distance per engine over the last merged AMTS PRs (rows: ``bot.github.store.PostEdit``), as a
    table and one Mermaid line chart per engine: GitHub renders Mermaid in comments, no image hosting needed."""
    if not rows:
        return []
    merges: dict[int, float] = {}
    for r in rows:
        merges[r.pr] = max(merges.get(r.pr, 0.0), r.merged)
    prs = sorted(merges, key=lambda n: merges[n])[-last:]
    groups: dict[tuple[str, int], list[Any]] = {}
    for r in rows:
        if r.pr in prs:
            groups.setdefault((r.engine, r.pr), []).append(r)
    lines = ["**Post-edit distance** of merged AMTS pull requests (per block: chrF and TER of what AMTS proposed "
             "against what was merged; TER 0 = merged as proposed):", "",
             "| merged PR | engine | blocks | edited | mean chrF | mean TER |", "|---|---|---:|---:|---:|---:|"]
    for (engine, pr), rs in sorted(groups.items(), key=lambda kv: (merges[kv[0][1]], kv[0][0])):
        lines.append(f"| #{pr} | {engine} | {len(rs)} | {sum(r.edited for r in rs)} | "
                     f"{sum(r.chrf for r in rs) / len(rs):.1f} | {sum(r.ter for r in rs) / len(rs):.1f} |")
    for engine in sorted({e for e, _ in groups}):
        points = [(pr, groups[(engine, pr)]) for pr in prs if (engine, pr) in groups]
        ters = [round(sum(r.ter for r in rs) / len(rs), 1) for _, rs in points]
        top = max(100.0, *ters)
        lines += ["", "```mermaid", "xychart-beta", f'    title "Mean TER per merged PR, engine {engine}"',
                  "    x-axis [" + ", ".join(f'"#{pr}"' for pr, _ in points) + "]",
                  f'    y-axis "TER" 0 --> {top:.0f}', "    line [" + ", ".join(f"{t}" for t in ters) + "]", "```"]
    return lines + [""]


def status_comment(branch: str, head: str | None, runs: Sequence[Run], events: Sequence[str],
                   command_prefix: str = "/amts", learned: Sequence[Any] = ()) -> str:
    """The one comment AMTS keeps up to date on its PR: where the branch is, and what happened last."""
    last = runs[0].record if runs else None
    lines = [STATUS_MARKER, f"**AMTS status** for `{branch}`", "",
             "| | |", "|---|---|",
             f"| branch head | `{head[:10] if head else '-'}` |"]
    if last is not None:
        lines.append(f"| last sync | upstream `{last.upstream_sha[:10]}` ({last.trigger}"
                     f"{', ' + last.at if last.at else ''}) |")
    lines += [f"| sync runs in this PR | {len(runs)} |", ""]
    if events:
        lines += ["Recent events (newest first):", ""] + [f"- {e}" for e in events] + [""]
    lines += post_edit_chart(learned)
    lines += [f"Comment `{command_prefix} help` for commands.",
              f"<!-- amts:status-state {_hide({'events': list(events)[:MAX_STATUS_EVENTS]})} -->"]
    return "\n".join(lines)


def add_event(events: Sequence[str], event: str) -> list[str]:
    return [event, *events][:MAX_STATUS_EVENTS]
