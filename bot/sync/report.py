"""The sync report (JSON) and the pull-request description (markdown) with per-block notes.

The PR body is what a volunteer translator reviews: a summary table, then per file one collapsible
section per changed block with the English diff (old -> new), the new text, the engine, the flags, and
BLEU/chrF of the new translation against the previous human translation of the block.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.quality import score_sentence
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


def _fence(text: str) -> str:
    ticks = "````" if "```" in text else "```"
    return f"{ticks}\n{text.rstrip()}\n{ticks}"


def _scores(u: Unit, lang: str) -> str:
    if not u.old_text or not u.text or u.action in ("delete", "keep") or u.status != "ok" or u.text == u.old_text:
        return ""
    s = score_sentence(u.text, u.old_text, lang)
    return f"BLEU {s.bleu:.1f} / chrF {s.chrf:.1f} against the previous human translation"


def cost_text(engine: str, cost_usd: float | None) -> str:
    if engine == "tm":
        return "$0 (offline)"
    return "unknown (no price configured)" if cost_usd is None else f"${cost_usd:.4f}"


def pr_notes(result: SyncResult, report: dict[str, Any], cost_usd: float | None = None,
             upstream_name: str | None = None) -> str:
    """The notes of one sync run: summary table, then per file a collapsible section per changed block.
    No marker and no footer, so a PR that accumulates several runs can stack them."""
    opts = result.options
    upstream = upstream_name or opts.upstream
    lines = [f"## AMTS sync: {opts.lang} ← upstream `{result.upstream_sha[:10]}`", "",
             "| upstream | files | blocks by action | characters sent | cost estimate | engine |",
             "|---|---|---|---|---|---|"]
    actions = ", ".join(f"{k} {v}" for k, v in sorted(report["summary"]["actions"].items()))
    lines.append(f"| `{upstream}` @ `{result.upstream_sha[:10]}` | {len(result.jobs)} | {actions} | "
                 f"{report['chars_sent']} | {cost_text(opts.engine, cost_usd)} | "
                 f"{report['engine_summary'] or opts.engine} |")
    lines.append("")
    failed = [f for f in report["flags"] if f["flag"].startswith("failed")]
    if failed:
        lines += [f"> **{len(failed)} block(s) failed and were left as they were** (see below).", ""]
    for job in result.jobs:
        lines += _file_notes(job, opts.lang)
    if result.skipped:
        lines += ["### Skipped", ""] + [f"- `{p}`: {r}" for p, r in result.skipped] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _file_notes(job, lang: str) -> list[str]:
    units = job.outcome.units if job.outcome else []
    changed = [u for u in units if u.action not in QUIET_ACTIONS and u.action != "skip" or u.status != "ok"]
    title = f"### `{job.path}`" + (f" (renamed upstream to `{job.upstream_path}`)" if job.renamed else "")
    lines = [title, ""]
    if job.error:
        lines += [f"**failed:** {job.error}", ""]
    for u in changed:
        k = u.new[0] if u.new else "-"
        where = f"lines {u.new_lines[0]}–{u.new_lines[1]}" if u.new_lines else "removed"
        flag_text = (" — " + ", ".join(u.flags)) if u.flags else ""
        status = " **FAILED, kept as it was**" if u.status == "failed" else ""
        lines += ["<details>", f"<summary><code>{job.path}#{k}</code> {u.action} ({where}){flag_text}{status}"
                  "</summary>", ""]
        if u.english_diff:
            lines += ["English diff:", "", _fence(u.english_diff), ""]
        if u.old_text and u.text != u.old_text:
            lines += ["Previous translation:", "", _fence(u.old_text), ""]
        if u.text and u.action not in ("delete", "cosmetic", "keep") and u.text != u.old_text:
            lines += ["New text:", "", _fence(u.text), ""]
        if u.engines:
            lines.append(f"Engine: {', '.join(sorted(set(u.engines)))}; "
                         f"characters: {sum(r.chars for r in u.requests)}")
        if score := _scores(u, lang):
            lines.append(score)
        for note in u.notes:
            lines.append(f"- {note}")
        lines += ["", "</details>", ""]
    return lines


def pr_body(result: SyncResult, report: dict[str, Any], cost_usd: float | None = None,
            upstream_name: str | None = None) -> str:
    """A whole PR description for one run: hidden marker, the run's notes, the licence footer."""
    return "\n".join([BODY_MARKER, pr_notes(result, report, cost_usd, upstream_name), "---", ATTRIBUTION, ""])
