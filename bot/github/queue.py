"""A persistent job queue in SQLite (the ``jobs`` table of store.py) and the worker thread that drains it.

Life of a job: ``queued`` -> ``running`` -> ``done``; a handler exception sends it back to ``queued``
with a back-off until ``max_attempts``, then ``failed`` (kept with its error for the operator).

Restart safety: the webhook answers only after its job is committed, so an accepted delivery is never
lost. ``Worker.stop`` lets the job in hand finish before the thread ends, so a graceful restart
(SIGTERM) processes every job exactly once. After a crash (SIGKILL, power loss) a job caught
``running`` is queued again by ``recover`` and runs a second time: handlers are written to be
idempotent for that reason (a sync on an up-to-date branch makes no commit).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.github.store import Database

log = logging.getLogger("amts.github.queue")


@dataclass(frozen=True)
class QueuedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    delivery: str
    attempts: int  # including this one


class JobQueue:
    def __init__(self, db: Database, max_attempts: int = 3, backoff: Sequence[float] = (30.0, 120.0, 600.0)) -> None:
        self.db = db
        self.max_attempts = max_attempts
        self.backoff = tuple(backoff)
        self._wake = threading.Event()

    # -- producer side ----------------------------------------------------------------------------
    def put(self, tx: sqlite3.Connection, kind: str, payload: Mapping[str, Any], delivery: str) -> int:
        """Queue a job inside the caller's transaction (so "seen" and "queued" commit together)."""
        now = time.time()
        cur = tx.execute(
            "INSERT INTO jobs (kind, payload, delivery, state, created, updated) VALUES (?, ?, ?, 'queued', ?, ?)",
            (kind, json.dumps(payload, ensure_ascii=False, sort_keys=True), delivery, now, now))
        return int(cur.lastrowid or 0)

    def notify(self) -> None:
        """Wake the worker now instead of at its next poll."""
        self._wake.set()

    # -- consumer side ----------------------------------------------------------------------------
    def claim(self, now: float | None = None) -> QueuedJob | None:
        now = time.time() if now is None else now
        with self.db.transaction() as tx:
            row = tx.execute("SELECT id, kind, payload, delivery, attempts FROM jobs WHERE state = 'queued' "
                             "AND not_before <= ? ORDER BY id LIMIT 1", (now,)).fetchone()
            if row is None:
                return None
            tx.execute("UPDATE jobs SET state = 'running', attempts = attempts + 1, updated = ? WHERE id = ?",
                       (now, row[0]))
        return QueuedJob(row[0], row[1], json.loads(row[2]), row[3], row[4] + 1)

    def complete(self, job: QueuedJob) -> None:
        with self.db.transaction() as tx:
            tx.execute("UPDATE jobs SET state = 'done', updated = ?, error = '' WHERE id = ?", (time.time(), job.id))

    def retry_or_fail(self, job: QueuedJob, error: str) -> str:
        """Back to ``queued`` after a delay, or ``failed`` when attempts are used up; returns the state."""
        now = time.time()
        if job.attempts >= self.max_attempts:
            state, not_before = "failed", now
        else:
            state = "queued"
            not_before = now + self.backoff[min(job.attempts - 1, len(self.backoff) - 1)] if self.backoff else now
        with self.db.transaction() as tx:
            tx.execute("UPDATE jobs SET state = ?, not_before = ?, updated = ?, error = ? WHERE id = ?",
                       (state, not_before, now, error[:2000], job.id))
        return state

    def recover(self) -> int:
        """After a crash: jobs left ``running`` by a dead worker are queued again. Call before starting
        the worker, never while one runs."""
        with self.db.transaction() as tx:
            n = tx.execute("UPDATE jobs SET state = 'queued', updated = ? WHERE state = 'running'",
                           (time.time(),)).rowcount
        if n:
            log.warning("re-queued %d job(s) interrupted by a crash", n)
        return n

    def counts(self) -> dict[str, int]:
        rows = self.db.connection().execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        return {state: 0 for state in ("queued", "running", "done", "failed")} | dict(rows)

    def wait(self, timeout: float) -> None:
        self._wake.wait(timeout)
        self._wake.clear()


Handler = Callable[[QueuedJob], None]


class Worker:
    """One thread that runs jobs in order. ``drain`` runs them in the caller's thread instead (tests,
    the Action)."""

    def __init__(self, queue: JobQueue, handler: Handler, poll_seconds: float = 0.5) -> None:
        self.queue = queue
        self.handler = handler
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.processed = 0

    def run_one(self) -> bool:
        """Claim and run one ready job; False when none is ready."""
        job = self.queue.claim()
        if job is None:
            return False
        try:
            self.handler(job)
        except Exception as e:  # one bad job must not stop the worker
            state = self.queue.retry_or_fail(job, f"{type(e).__name__}: {e}")
            log.exception("job %d (%s) failed on attempt %d; now %s", job.id, job.kind, job.attempts, state)
        else:
            self.queue.complete(job)
        self.processed += 1
        return True

    def drain(self) -> int:
        """Run every ready job; returns how many ran."""
        n = 0
        while self.run_one():
            n += 1
        return n

    def start(self) -> Worker:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="amts-worker", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Finish the job in hand, then stop."""
        self._stop.set()
        self.queue.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_one():
                    continue
            except sqlite3.Error:
                log.exception("queue database error; retrying")
            self.queue.wait(self.poll_seconds)
