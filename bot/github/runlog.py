"""Each sync run's pull-request notes, kept in git beside the commit they describe.

Why: the PR description is written after the branch is pushed. A crash between the two (kill -9, a
GitHub 5xx, a timeout) used to lose that run's notes for good: the next run found the branch already
synced and wrote "no new notes". Now every run's notes (its ``body.Run``: record + markdown) are a
``git notes`` entry on its commit under ``refs/notes/amts/<branch>``, written before the push and pushed
in the same atomic push as the branch, so they exist on GitHub exactly when the commit does. Every
publish then puts back the runs of the branch's commits that the PR description lacks: the PR ends as
an uninterrupted run would have left it, however often the job was interrupted.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict

import git

from bot.github import body
from bot.github.workspace import NOTES

PREFIX = NOTES
_END = "\x1e"  # record separator in the ``git log`` output


def notes_ref(branch: str) -> str:
    return PREFIX + branch


def record(repo: git.Repo, branch: str, run: body.Run) -> None:
    """Attach ``run`` to its commit in the local notes ref (pushed with the branch by workspace.push)."""
    if not run.record.commit:
        return
    data = json.dumps({"record": asdict(run.record), "text": run.text}, ensure_ascii=False, sort_keys=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".json") as handle:
        handle.write(data)
        handle.flush()
        repo.git.notes(f"--ref={notes_ref(branch)}", "add", "--force", "--file", handle.name, run.record.commit)


def recorded(repo: git.Repo, branch: str, base: str, head: str) -> list[body.Run]:
    """The runs noted on the commits of ``base..head``, newest first."""
    ref = notes_ref(branch)
    try:
        repo.git.rev_parse("--verify", "--quiet", ref)
    except git.GitCommandError:
        return []
    out = repo.git.log(f"--notes={ref}", f"--format=%H%n%N{_END}", f"{base}..{head}")
    runs: list[body.Run] = []
    for entry in out.split(_END):
        sha, _, note = entry.strip("\n").partition("\n")
        if not note.strip():
            continue
        try:
            data = json.loads(note)
            run = body.Run(body.RunRecord.from_json(data["record"]), str(data["text"]))
        except (ValueError, TypeError, KeyError):
            continue  # not ours, or damaged: the commit is still there, only its notes are missing
        if run.record.commit == sha.strip():
            runs.append(run)
    return runs
