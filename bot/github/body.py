"""The rolling pull request's description and status comment (pure text in, text out).

A rolling PR collects several sync runs (upstream pushes, ``/amts`` commands). Its body keeps one
section per run, newest first and open, older ones folded, each wrapped in hidden markers holding a
small JSON record, so the next run can rebuild the body from the previous one without any other state:

    <!-- amts:pr-body -->            (bot/sync/report.py's marker: "this PR is AMTS's")
    summary table over all runs (upstream range, runs, files, characters, cost estimate, engines)
    <!-- amts:run {...} --> … <!-- amts:run-end -->      newest run: bot/sync/report.pr_body's notes
    <details> <!-- amts:run {...} --> … </details>       earlier runs

GitHub rejects bodies over 65,536 characters; ``compose_body`` fits the limit by dropping the details
of the oldest runs first, then the last per-block notes of the newest run (listing their ids).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bot.sync.report import ATTRIBUTION, BODY_MARKER, QUIET_ACTIONS
from bot.sync.runner import SyncResult
from bot.translate.base import TranslationResult

BODY_LIMIT = 65_536
STATUS_MARKER = "<!-- amts:status -->"
_RUN = re.compile(r"<!-- amts:run (\{.*?\}) -->\n(.*?)\n<!-- amts:run-end -->", re.S)
_STATUS_STATE = re.compile(r"<!-- amts:status-state (\{.*?\}) -->", re.S)
_DETAILS = re.compile(r"\n<details>\n.*?\n</details>(?:\n|$)", re.S)
_BLOCK_ID = re.compile(r"<summary><code>([^<]+)</code>")
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


def _run_block(run: Run, folded: bool) -> list[str]:
    inner = [f"<!-- amts:run {_hide(asdict(run.record))} -->", run.text, "<!-- amts:run-end -->"]
    if not folded:
        return inner + [""]
    r = run.record
    label = f"{r.trigger} → upstream <code>{r.upstream_sha[:10]}</code>" + (
        f", commit <code>{r.commit[:10]}</code>" if r.commit else "")
    return ["<details>", f"<summary>Earlier run: {label}</summary>", "", *inner, "", "</details>", ""]


def render_body(header: BodyHeader, runs: Sequence[Run]) -> str:
    if not runs:
        raise ValueError("a pull request body needs at least one run")
    lines = _summary(header, runs) + _run_block(runs[0], folded=False)
    if len(runs) > 1:
        lines += ["## Earlier sync runs in this pull request", ""]
        for run in runs[1:]:
            lines += _run_block(run, folded=True)
    lines += ["---", ATTRIBUTION, ""]
    return "\n".join(lines)


def _stub(run: Run) -> Run:
    commit = f" (commit `{run.record.commit[:10]}`)" if run.record.commit else ""
    return replace(run, text=f"_Notes dropped to fit GitHub's {BODY_LIMIT:,}-character limit; see the diff of this "
                             f"run{commit}._")


def _shrink(text: str, budget: int) -> str:
    """``text`` with its last per-block ``<details>`` sections replaced by a list of their ids."""
    sections = list(_DETAILS.finditer(text))
    for keep in range(len(sections) - 1, -1, -1):
        dropped = sections[keep:]
        ids = [i for m in dropped for i in _BLOCK_ID.findall(m.group(0))]
        note = (f"\n\n_{len(dropped)} more block note(s) not shown (GitHub's {BODY_LIMIT:,}-character limit): "
                + ", ".join(f"`{i}`" for i in ids[:200]) + ("…" if len(ids) > 200 else "") + "._\n")
        candidate = text[: dropped[0].start()] + note + text[dropped[-1].end():]
        if text_length(candidate) <= budget:
            return candidate
    return text


def compose_body(header: BodyHeader, runs: Sequence[Run], limit: int = BODY_LIMIT) -> str:
    """The PR body for ``runs`` (newest first), within ``limit`` characters."""
    runs = list(runs)
    body = render_body(header, runs)
    for i in range(len(runs) - 1, 0, -1):  # oldest first
        if text_length(body) <= limit:
            return body
        runs[i] = _stub(runs[i])
        body = render_body(header, runs)
    if text_length(body) > limit:
        budget = limit - (text_length(body) - text_length(runs[0].text))
        runs[0] = replace(runs[0], text=_shrink(runs[0].text, budget))
        body = render_body(header, runs)
    if text_length(body) > limit:  # still too long (e.g. a huge skip list): cut hard, keep the footer
        footer = f"\n\n_…cut to fit GitHub's {BODY_LIMIT:,}-character limit._\n\n---\n{ATTRIBUTION}\n"
        units = 2 * (limit - text_length(footer))
        body = body.encode("utf-16-le")[:units].decode("utf-16-le", "ignore") + footer
    return body


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


def status_comment(branch: str, head: str | None, runs: Sequence[Run], events: Sequence[str],
                   command_prefix: str = "/amts") -> str:
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
    lines += [f"Comment `{command_prefix} help` for commands.",
              f"<!-- amts:status-state {_hide({'events': list(events)[:MAX_STATUS_EVENTS]})} -->"]
    return "\n".join(lines)


def add_event(events: Sequence[str], event: str) -> list[str]:
    return [event, *events][:MAX_STATUS_EVENTS]
