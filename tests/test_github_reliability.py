"""Reliability of the GitHub App: failed jobs are retried and then kept as ``failed`` (never ``done``),
a redelivery runs a failed event again, commands act for the comment's real author, and faults of
GitHub (5xx, timeouts) or git (clone failure) leave nothing half done.

Same harness as test_github_e2e.py: the fake GitHub on 127.0.0.1 (real bare repos, OpenAPI-validated),
the real r2 upstream change, the App's real SQLite queue. Time for the back-off is the queue's clock,
moved by the test instead of slept.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests import test_github_e2e as e2e
from tests.test_github_e2e import BRANCH, EDITION, HYB, OWNER, UPSTREAM, Harness, synced

# the end-to-end harness and its fixtures, shared with test_github_e2e.py
app_key, make_harness, harness = e2e.app_key, e2e.make_harness, e2e.harness


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _upstream_dir(h: Harness) -> Path:
    return h.fake.root / "repos" / OWNER / f"{UPSTREAM}.git"


def _break_upstream(h: Harness) -> Path:
    """The upstream's git repository disappears (a clone/fetch failure, as when the network is down)."""
    hidden = _upstream_dir(h).with_name("hidden.git")
    _upstream_dir(h).rename(hidden)
    return hidden


def _job_row(h: Harness) -> tuple:
    return h.app.state.db.connection().execute(
        "SELECT state, attempts, error, not_before FROM jobs ORDER BY id DESC LIMIT 1").fetchone()


@pytest.fixture
def retrying(make_harness) -> tuple[Harness, Clock]:
    h = make_harness(max_attempts=3, backoff=(30.0, 120.0))
    clock = Clock()
    h.app.state.queue.clock = clock
    return h, clock


def test_a_transient_clone_failure_is_retried_after_the_back_off_and_then_succeeds(retrying) -> None:
    h, clock = retrying
    before, after = h.apply_r2()
    hidden = _break_upstream(h)
    assert h.deliver("push", h.push_payload(before, after)).status_code == 202
    assert h.drain() == 1
    state, attempts, error, not_before = _job_row(h)
    assert (state, attempts) == ("queued", 1)  # not "done": the edition was never synced
    assert "edition zh" in error and f"cannot fetch {OWNER}/{UPSTREAM}" in error
    assert not_before == clock.now + 30.0
    assert h.drain() == 0  # the back-off holds
    hidden.rename(_upstream_dir(h))
    clock.now += 31
    assert h.drain() == 1
    assert _job_row(h)[:3] == ("done", 2, "")
    prs = h.pulls_of()
    assert len(prs) == 1 and prs[0].head.ref == BRANCH


def test_a_job_that_keeps_failing_ends_failed_with_its_error_and_a_redelivery_runs_it_again(retrying) -> None:
    h, clock = retrying
    before, after = h.apply_r2()
    hidden = _break_upstream(h)
    payload = h.push_payload(before, after)
    delivery = "8e2a5b3c-0000-4000-8000-000000000001"
    assert h.deliver("push", payload, delivery=delivery).status_code == 202
    for _ in range(3):
        assert h.drain() == 1
        clock.now += 1000
    assert h.drain() == 0
    state, attempts, error, _ = _job_row(h)
    assert (state, attempts) == ("failed", 3) and "cannot fetch" in error
    health = h.client.get("/healthz").json()
    assert health["jobs"]["failed"] == 1 and health["jobs"]["done"] == 0
    assert "cannot fetch" in health["failed"][0]["error"] and health["failed"][0]["attempts"] == 3
    # the operator sees it from the shell too (exit 1 while a job is failed)
    from bot.cli import app as cli

    result = CliRunner().invoke(cli, ["jobs", "--workdir", str(h.app.state.db.path.parent)])
    assert result.exit_code == 1 and "failed 1" in result.output and "cannot fetch" in result.output
    # GitHub's "Redeliver" keeps the delivery id: the failed job runs again (fresh attempts)
    again = h.deliver("push", payload, delivery=delivery)
    assert again.status_code == 202 and again.json()["status"] == "requeued"
    assert h.deliver("push", payload, delivery=delivery).json()["status"] == "duplicate delivery"  # queued now
    for _ in range(3):
        h.drain()
        clock.now += 1000
    assert _job_row(h)[:2] == ("failed", 3)
    # a fresh delivery of the same push (new id, same semantic key) also runs it again; this time it works
    hidden.rename(_upstream_dir(h))
    fresh = h.deliver("push", payload)
    assert fresh.status_code == 202 and fresh.json()["status"] == "requeued"
    assert h.drain() == 1
    assert h.app.state.queue.counts() == {"queued": 0, "running": 0, "done": 1, "failed": 0}
    assert len(h.pulls_of()) == 1
    # and once done, a redelivery is a duplicate again: nothing runs twice
    assert h.deliver("push", payload, delivery=delivery).json()["status"] == "duplicate delivery"
    assert h.deliver("push", payload).json()["status"] == "duplicate event"
    assert h.drain() == 0


def test_a_command_is_authorised_for_the_fetched_comments_author_not_the_payloads_login(harness: Harness) -> None:
    pr, _, _ = synced(harness)
    harness.fake.set_permission(OWNER, EDITION, "maintainer", "admin")
    harness.fake.set_permission(OWNER, EDITION, "passer-by", "read")
    head, body = pr.head.sha, pr.body
    payload = harness.comment("passer-by", pr.number, f"/amts retranslate {HYB}#25")
    payload["comment"]["user"]["login"] = payload["sender"]["login"] = "maintainer"  # a forged login
    assert harness.deliver("issue_comment", payload).status_code == 202
    assert harness.drain() == 1
    assert harness.fake.branch_sha(OWNER, EDITION, BRANCH) == head
    assert harness.pulls_of()[0].body == body
    assert harness.reactions(pr.number, payload["comment"]["id"]) == ["eyes", "confused"]
    replies = [c.body for c in harness.fake.comments(OWNER, EDITION, pr.number) if c.body.startswith("> /amts")]
    assert len(replies) == 1 and "@passer-by" in replies[0] and "you have read" in replies[0]
    assert "@maintainer" not in replies[0]
