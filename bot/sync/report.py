"""The sync report (JSON) and the pull-request description (markdown).

The description is what a volunteer translator reviews; its layout (summary paragraph, Review first list,
notes ordered by risk) is ``bot.sync.notes``, its risk table ``bot.sync.triage``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.sync.notes import resolve_links, run_notes
from bot.sync.plan import Unit
from bot.sync.runner import SyncResult

BODY_MARKER = "<!-- amts:pr-body -->"
QUIET_ACTIONS = frozenset({"keep"})
ATTRIBUTION = ("Text from *Dive into Deep Learning* (https://d2l.ai) and its translations, CC BY-SA 4.0; "
               "machine translations of it are CC BY-SA 4.0 too.")


def _chars(result: SyncResult) -> tuple[int, Counter, int]:
    sent = 0
    by_engine: Counter = Counter()
    billed = 0
    requests = {r.id: r for j in result.jobs if j.plan for r in j.plan.requests}
    for rid, res in result.results.items():
        n = len(requests[rid].text) if rid in requests else 0
        sent += n
        by_engine[res.engine] += n
        billed += res.chars_billed
    if not result.results:  # dry run: what would be sent
        sent = sum(len(r.text) for r in requests.values())
        by_engine[result.options.engine] = sent
    return sent, by_engine, billed


def _unit_json(u: Unit) -> dict[str, Any]:
    return {
        "action": u.action, "status": u.status,
        "old_lines": list(u.old_lines) if u.old_lines else None,
        "new_lines": list(u.new_lines) if u.new_lines else None,
        "english_blocks": list(u.new), "flags": u.flags, "engines": sorted(set(u.engines)),
        "requests": len(u.requests), "chars": sum(r.chars for r in u.requests), "notes": u.notes,
        "english_diff": u.english_diff,
    }


def build_report(result: SyncResult) -> dict[str, Any]:
    sent, by_engine, billed = _chars(result)
    files = []
    flags = []
    actions: Counter = Counter()
    for job in result.jobs:
        units = job.outcome.units if job.outcome else (job.plan.units if job.plan else [])
        actions.update(u.action for u in units)
        entry = {"path": job.path, "upstream_path": job.upstream_path, "renamed": job.renamed,
                 "status": job.status, "error": job.error,
                 "blocks": [_unit_json(u) for u in units if u.action not in QUIET_ACTIONS]}
        if job.outcome:
            entry["violations_before"] = job.outcome.violations_before
            entry["violations_after"] = job.outcome.violations_after
            entry["new_violations"] = job.outcome.new_violations
        files.append(entry)
        if job.status == "failed":
            flags.append({"path": job.path, "lines": [], "flag": f"failed: {job.error}"})
        for u in units:
            for f in u.flags:
                if f != "edition-only":
                    flags.append({"path": job.path, "lines": list(u.new_lines or u.old_lines or ()), "flag": f})
            if u.status == "failed":
                flags.append({"path": job.path, "lines": list(u.old_lines or ()),
                              "flag": "failed: " + "; ".join(u.notes)})
    opts = result.options
    return {
        "upstream": opts.upstream, "upstream_sha": result.upstream_sha, "edition": opts.edition,
        "lang": opts.lang, "branch": opts.branch, "base_sha": result.base_sha, "commit": result.commit,
        "dry_run": opts.dry_run, "engine": opts.engine, "engine_summary": result.engine_summary,
        "chars_sent": sent, "chars_sent_by_engine": dict(by_engine), "chars_billed": billed,
        "summary": {"files": len(result.jobs), "actions": dict(actions), "flags": len(flags)},
        "skipped": [{"path": p, "reason": r} for p, r in result.skipped],
        "files": files, "flags": flags,
    }


def cost_text(engine: str, cost_usd: float | None) -> str:
    if engine == "tm":
        return "$0 (offline)"
    return "unknown (no price configured)" if cost_usd is None else f"${cost_usd:.4f}"


def pr_notes(result: SyncResult, report: dict[str, Any], cost_usd: float | None = None,
             upstream_name: str | None = None, command_prefix: str = "/amts") -> str:
    """The notes of one sync run, reviewer first (see ``bot.sync.notes``). No marker and no footer, so a PR
    that accumulates several runs can stack them."""
    return run_notes(result, report, cost_text(result.options.engine, cost_usd), upstream_name, command_prefix)


def pr_body(result: SyncResult, report: dict[str, Any], cost_usd: float | None = None,
            upstream_name: str | None = None) -> str:
    """A whole PR description for one run (``amts sync --report``): hidden marker, the run's notes, the
    licence footer. There is no pull request yet, so links to diff lines become plain ids."""
    notes = resolve_links(pr_notes(result, report, cost_usd, upstream_name), None)
    return "\n".join([BODY_MARKER, notes, "---", ATTRIBUTION, ""])
