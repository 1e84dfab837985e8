"""Fault injection on a push job: kill -9 of the worker at each step (before the sync, after the local
commit, after the push, after the PR update, after the whole job), GitHub 5xx and timeouts, a clone
failure. After the restart (``recover`` + the worker) the final state -- the branch's files and commits,
the PR (title, body, labels) and every comment on it -- equals that of an uninterrupted run on a second,
independent fake GitHub, with no duplicate comment. Timestamps, commit shas and ports are normalised
(they differ between any two runs)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import test_github_e2e as e2e
from tests.crash_worker import KILL_POINTS
from tests.standins.github_server import SPEC_PATH, FakeGitHub
from tests.test_github_e2e import APP_ID, BRANCH, EDITION, HYB, HYB_ORIGIN, OWNER, UPSTREAM, Harness, config_text

# the end-to-end harness and its fixtures, shared with test_github_e2e.py
app_key, make_harness = e2e.app_key, e2e.make_harness

ROOT = Path(__file__).resolve().parents[1]
_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
_SHA = re.compile(r"\b[0-9a-f]{7,40}\b")
_URL = re.compile(r"http://127\.0\.0\.1:\d+")


def _norm(text: str | None) -> str:
    return _SHA.sub("<sha>", _TIME.sub("<time>", _URL.sub("<url>", text or "")))


def final_state(h: Harness) -> dict:
    """Everything a reviewer sees of the sync on GitHub."""
    bare = h.fake.root / "repos" / OWNER / f"{EDITION}.git"
    commits = subprocess.run(["git", "rev-list", "--count", f"master..{BRANCH}"], cwd=bare, capture_output=True,
                             text=True, check=True).stdout.strip()
    prs = [{"number": pr.number, "state": pr.state, "head": pr.head.ref, "title": _norm(pr.title),
            "body": _norm(pr.body), "labels": sorted(label.name for label in pr.labels),
            "comments": [_norm(c.body) for c in h.fake.comments(OWNER, EDITION, pr.number)]}
           for pr in h.pulls_of()]
    return {"files": {p: h.file_at(BRANCH, p) for p in (HYB, HYB_ORIGIN)}, "commits": commits, "prs": prs,
            "jobs": h.app.state.queue.counts()}


@pytest.fixture(scope="module")
def reference(app_key, tmp_path_factory) -> Iterator[dict]:
    """The final state of an uninterrupted run, on its own fake GitHub (once for the module)."""
    root = tmp_path_factory.mktemp("reference")
    fake = FakeGitHub(root / "fake", spec_file=SPEC_PATH).start()
    try:
        h = e2e.build_harness(fake, root / "h", app_key)
        e2e.synced(h)
        state = final_state(h)
        h.client.__exit__(None, None, None)
        assert fake.validation_errors == []
    finally:
        fake.stop()
    assert state["jobs"]["done"] == 1 and len(state["prs"]) == 1 and state["commits"] == "1"
    statuses = [c for c in state["prs"][0]["comments"] if c.startswith("<!-- amts:status")]
    assert len(statuses) == 1
    yield state


def _assert_same(state: dict, reference: dict) -> None:
    """Equal, or fail with a line diff of what differs (bodies are long)."""
    if state != reference:
        import difflib

        dump = [json.dumps(x, indent=1, ensure_ascii=False, sort_keys=True).splitlines() for x in (reference, state)]
        pytest.fail("\n".join(difflib.unified_diff(*dump, "uninterrupted", "after the fault", lineterm="", n=2)))


def _queue_push(h: Harness) -> None:
    before, after = h.apply_change()
    response = h.deliver("push", h.push_payload(before, after))
    assert response.status_code == 202, response.text


def _crash_worker(h: Harness, point: str) -> subprocess.CompletedProcess:
    args = {"config": config_text(h.fake.url), "app_id": APP_ID, "key": h.private_key, "url": h.fake.url,
            "work": str(h.tmp / "work"), "db": str(h.app.state.db.path), "kill": point}
    return subprocess.run([sys.executable, "-m", "tests.crash_worker", json.dumps(args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_at_each_step_then_restart_ends_as_an_uninterrupted_run(point: str, make_harness, reference) -> None:
    h = make_harness()
    _queue_push(h)
    crashed = _crash_worker(h, point)
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    assert f"killed {point}" in crashed.stdout
    assert h.app.state.queue.counts()["running"] == 1  # the dead worker's job
    assert h.app.state.queue.recover() == 1  # the restart
    assert h.drain() == 1
    _assert_same(final_state(h), reference)


def test_github_5xx_on_the_pr_and_on_the_status_comment_are_retried_to_the_same_end(make_harness, reference) -> None:
    h = make_harness(backoff=(0.0,))
    h.fake.inject("POST", rf"^/repos/{OWNER}/{EDITION}/pulls$", 502)
    h.fake.inject("POST", rf"^/repos/{OWNER}/{EDITION}/issues/\d+/comments$", 503)
    _queue_push(h)
    assert h.drain() == 3  # 502 on the PR, then 503 on the status comment, then done
    _assert_same(final_state(h), reference)
    h.fake.validation_errors.clear()  # the injected 5xx answers are not GitHub's schema for success


def test_a_github_timeout_is_retried_to_the_same_end(make_harness, reference) -> None:
    h = make_harness(backoff=(0.0,), client_timeout=2)
    h.fake.inject("GET", rf"^/repos/{OWNER}/{EDITION}/pulls$", 504, delay=4)
    _queue_push(h)
    assert h.drain() == 2
    row = h.app.state.db.connection().execute("SELECT attempts, state FROM jobs").fetchone()
    assert row == (2, "done")
    _assert_same(final_state(h), reference)


def test_a_clone_failure_is_retried_to_the_same_end(make_harness, reference) -> None:
    h = make_harness(backoff=(30.0,))
    now = [1_000_000.0]
    h.app.state.queue.clock = lambda: now[0]
    upstream = h.fake.root / "repos" / OWNER / f"{UPSTREAM}.git"
    _queue_push(h)
    upstream.rename(upstream.with_name("away.git"))
    assert h.drain() == 1 and h.pulls_of() == []
    upstream.with_name("away.git").rename(upstream)
    now[0] += 31
    assert h.drain() == 1
    _assert_same(final_state(h), reference)


def test_a_command_killed_after_its_push_is_finished_by_the_restart_with_its_notes(make_harness) -> None:
    h = make_harness()
    pr, _, _ = e2e.synced(h)
    h.fake.set_permission(OWNER, EDITION, "translator", "write")
    payload = h.comment("translator", pr.number, f"/amts retranslate {HYB}#25")
    assert h.deliver("issue_comment", payload).status_code == 202
    crashed = _crash_worker(h, "after_push")
    assert crashed.returncode == -signal.SIGKILL and "killed after_push" in crashed.stdout
    head = h.fake.branch_sha(OWNER, EDITION, BRANCH)
    assert head != pr.head.sha  # the re-translation is on GitHub, its notes not yet in the PR
    assert "re-translation requested" not in h.pulls_of()[0].body
    assert h.app.state.queue.recover() == 1 and h.drain() == 1
    body = h.pulls_of()[0].body
    assert "re-translation requested" in body and "by @translator" in body
    assert h.fake.branch_sha(OWNER, EDITION, BRANCH) == head  # nothing committed twice
    replies = [c.body for c in h.fake.comments(OWNER, EDITION, pr.number) if c.body.startswith("> /amts")]
    assert len(replies) == 1 and f"done in commit {head[:10]}" in replies[0]  # not "nothing changed"
    assert h.reactions(pr.number, payload["comment"]["id"]) == ["eyes", "rocket"]
