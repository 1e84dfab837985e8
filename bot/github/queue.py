"""A persistent job queue in SQLite (the ``jobs`` table of store.py) and the worker thread that drains it.

Life of a job: ``queued`` -> ``running`` -> ``done``; a handler exception (``JobError`` for a job that
ran but did not finish its work, e.g. one edition's clone failed) sends it back to ``queued`` with a
back-off until ``max_attempts``, then ``failed``, kept with its error for the operator (``/healthz``,
``amts jobs``). A redelivery of a failed event (same delivery id or same semantic key) queues the
failed job again (``requeue_failed``): the operator's "Redeliver" button is the manual retry.

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
from bot.messages import clip

log = logging.getLogger("amts.github.queue")


@dataclass(frozen=True)
class QueuedJob:
    id: int | str  # str: an RQ job id (redis_queue.py)
    kind: str
    payload: dict[str, Any]
    delivery: str
    attempts: int  # including this one


class JobError(Exception):
    """The job ran but did not finish its work (a transient git or network failure, say): retry it."""


#: what ``/healthz`` and ``amts jobs`` show of a job's error (the table keeps up to 2,000 characters)
ERROR_SHOWN = 300


@dataclass(frozen=True)
class JobInfo:
    """One job as the operator sees it."""

    id: int | str
    kind: str
    state: str
    attempts: int
    delivery: str
    not_before: float
    updated: float
    error: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "state": self.state, "attempts": self.attempts,
                "delivery": self.delivery, "not_before": self.not_before, "updated": self.updated,
                "error": clip(self.error, ERROR_SHOWN)}


class JobQueue:
    def __init__(self, db: Database, max_attempts: int = 3, backoff: Sequence[float] = (30.0, 120.0, 600.0),
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.max_attempts = max_attempts
        self.backoff = tuple(backoff)
        self.clock = clock  # back-off is measured on it (tests move it instead of sleeping)
        self._wake = threading.Event()

    # -- producer side ----------------------------------------------------------------------------
    def put(self, tx: sqlite3.Connection, kind: str, payload: Mapping[str, Any], delivery: str) -> int:
        """Queue a job inside the caller's transaction (so "seen" and "queued" commit together)."""
        now = self.clock()
        cur = tx.execute(
            "INSERT INTO jobs (kind, payload, delivery, state, created, updated) VALUES (?, ?, ?, 'queued', ?, ?)",
            (kind, json.dumps(payload, ensure_ascii=False, sort_keys=True), delivery, now, now))
        return int(cur.lastrowid or 0)

    def requeue_failed(self, tx: sqlite3.Connection, delivery: str, key: str | None) -> int | None:
        """A redelivered event whose job ``failed``: queue that job again with fresh attempts (inside the
        caller's transaction). Returns its id, or None when its job is not failed (done, queued, running,
        or none at all), so a redelivery of work that succeeded or is under way still runs nothing."""
        row = tx.execute(
            "SELECT id FROM jobs WHERE state = 'failed' AND (delivery = ? OR delivery IN "
            "(SELECT delivery FROM semantic_keys WHERE key = ?)) ORDER BY id DESC LIMIT 1",
            (delivery, key or "")).fetchone()
        if row is None:
            return None
        tx.execute("UPDATE jobs SET state = 'queued', attempts = 0, not_before = 0, updated = ? WHERE id = ?",
                   (self.clock(), row[0]))
        return int(row[0])

    def notify(self) -> None:
        """Wake the worker now instead of at its next poll."""
        self._wake.set()

    # -- consumer side ----------------------------------------------------------------------------
    def claim(self, now: float | None = None) -> QueuedJob | None:
        now = self.clock() if now is None else now
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
            tx.execute("UPDATE jobs SET state = 'done', updated = ?, error = '' WHERE id = ?", (self.clock(), job.id))

    def retry_or_fail(self, job: QueuedJob, error: str) -> str:
        """Back to ``queued`` after a delay, or ``failed`` when attempts are used up; returns the state."""
        now = self.clock()
        if job.attempts >= self.max_attempts:
            state, not_before = "failed", now
        else:
            state = "queued"
            not_before = now + self.backoff[min(job.attempts - 1, len(self.backoff) - 1)] if self.backoff else now
        with self.db.transaction() as tx:
            tx.execute("UPDATE jobs SET state = ?, not_before = ?, updated = ?, error = ? WHERE id = ?",
                       (state, not_before, now, clip(error, 2000), job.id))
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

    def jobs(self, states: Sequence[str] = ("failed",), limit: int = 20) -> list[JobInfo]:
        """The newest jobs in ``states`` (for ``/healthz`` and ``amts jobs``)."""
        marks = ", ".join("?" for _ in states)
        rows = self.db.connection().execute(
            f"SELECT id, kind, state, attempts, delivery, not_before, updated, error FROM jobs WHERE state IN "
            f"({marks}) ORDER BY id DESC LIMIT ?", (*states, limit)).fetchall()
        return [JobInfo(*row) for row in rows]

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
        except JobError as e:  # the handler says what failed; no traceback needed
            state = self.queue.retry_or_fail(job, str(e))
            log.error("job %d (%s) did not finish on attempt %d (%s); now %s", job.id, job.kind, job.attempts,
                      clip(str(e), ERROR_SHOWN), state)
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
