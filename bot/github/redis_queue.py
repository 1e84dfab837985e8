"""The App's job queue on Redis with RQ: an optional backend for deployments where one worker thread on
one machine is not enough (many installations, many editions). SQLite (queue.py) stays the default.

Why RQ: the App's jobs are plain Python calls with a JSON payload, one queue, retries with back-off
and a failed list for the operator, which is exactly RQ's model (``Retry(max, interval)``,
``FailedJobRegistry``), with Redis as its only moving part. Dramatiq would add a broker abstraction and
middleware we do not use; Celery a much larger framework and configuration surface for the same four
operations.

Division of labour: the webhook receiver stays one process with its SQLite store (deliveries and
semantic keys, so a redelivery still runs nothing twice) and enqueues the job on Redis; any number of
``amts worker --redis URL`` processes, on any machine that reaches Redis and GitHub, run them. The
interface is queue.py's (``put``/``requeue_failed``/``counts``/``jobs``/``recover``/``notify``), so
app.py and ``/healthz`` do not care which backend is in use. Job ids are ``amts-<delivery id>``.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import Any

from redis import Redis
from rq import Queue, Retry, SimpleWorker, get_current_job
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from bot.github.queue import Handler, JobInfo, QueuedJob
from bot.messages import one_line

log = logging.getLogger("amts.github.redis_queue")

KEEP_SECONDS = 7 * 86400  # finished and failed jobs stay visible this long (as the SQLite store keeps them)
_handler: Handler | None = None  # set by ``serve_worker`` in the worker process


def job_id(delivery: str) -> str:
    return "amts-" + re.sub(r"[^A-Za-z0-9_-]", "_", delivery)[:100]


def run_job(kind: str, payload: dict[str, Any], delivery: str) -> None:
    """What an RQ worker runs: the App's handler on the job. Attempts and the last error go into the
    job's ``meta`` (what ``/healthz`` and ``amts jobs`` show); an exception makes RQ retry or fail it."""
    if _handler is None:
        raise RuntimeError("no AMTS handler in this worker: start it with `amts worker`")
    job = get_current_job()
    attempts = int(job.meta.get("attempts", 0)) + 1 if job else 1
    if job is not None:
        job.meta["attempts"] = attempts
        job.save_meta()
    try:
        _handler(QueuedJob(job.id if job else job_id(delivery), kind, payload, delivery, attempts))
    except Exception as e:
        if job is not None:
            job.meta["error"] = one_line(f"{type(e).__name__}: {e}", 2000)
            job.save_meta()
        raise


class RedisJobQueue:
    """queue.py's ``JobQueue`` interface on an RQ queue."""

    def __init__(self, url: str, name: str = "amts", max_attempts: int = 3,
                 backoff: Sequence[float] = (30.0, 120.0, 600.0)) -> None:
        self.url = url
        self.redis = Redis.from_url(url)
        self.queue = Queue(name, connection=self.redis)
        self.max_attempts = max_attempts
        self.backoff = [int(b) for b in backoff][: max(1, max_attempts - 1)] or [0]

    def _retry(self) -> Retry | None:
        return Retry(max=self.max_attempts - 1, interval=self.backoff) if self.max_attempts > 1 else None

    # -- producer side ----------------------------------------------------------------------------
    def put(self, tx: sqlite3.Connection | None, kind: str, payload: Mapping[str, Any], delivery: str) -> str:
        """Enqueue on Redis (inside the caller's SQLite transaction: if Redis refuses, the delivery is not
        recorded either, GitHub sees a 500 and the delivery can be redelivered)."""
        job = self.queue.enqueue(run_job, kind, dict(payload), delivery, job_id=job_id(delivery), retry=self._retry(),
                                 result_ttl=KEEP_SECONDS, failure_ttl=KEEP_SECONDS, job_timeout=3600,
                                 meta={"kind": kind, "delivery": delivery, "attempts": 0},
                                 description=f"{kind} {delivery}")
        return job.id

    def requeue_failed(self, tx: sqlite3.Connection, delivery: str, key: str | None) -> str | None:
        """A redelivery of an event whose job failed: that job runs again with fresh attempts."""
        deliveries = [delivery]
        row = tx.execute("SELECT delivery FROM semantic_keys WHERE key = ?", (key or "",)).fetchone()
        if row is not None:
            deliveries.append(row[0])
        failed = FailedJobRegistry(queue=self.queue)
        for d in deliveries:
            jid = job_id(d)
            if jid in failed.get_job_ids():
                job = Job.fetch(jid, connection=self.redis)
                job.meta["attempts"] = 0
                job.save_meta()
                job.retries_left = self.max_attempts - 1 if self.max_attempts > 1 else None
                job.save()
                failed.requeue(jid)
                return jid
        return None

    def notify(self) -> None:
        """Workers block on Redis; nothing to wake."""

    # -- operator side ----------------------------------------------------------------------------
    def recover(self) -> int:
        """Jobs of a worker that died are RQ's: its started-job registry hands them to the failed list
        when their heartbeat expires (then a redelivery requeues them). Nothing to do at App start."""
        return 0

    def counts(self) -> dict[str, int]:
        return {"queued": self.queue.count + ScheduledJobRegistry(queue=self.queue).count,
                "running": StartedJobRegistry(queue=self.queue).count,
                "done": FinishedJobRegistry(queue=self.queue).count,
                "failed": FailedJobRegistry(queue=self.queue).count}

    def jobs(self, states: Sequence[str] = ("failed",), limit: int = 20) -> list[JobInfo]:
        ids: list[tuple[str, str]] = []
        for state in states:
            if state == "failed":
                ids += [(i, state) for i in FailedJobRegistry(queue=self.queue).get_job_ids(desc=True)]
            elif state == "queued":
                ids += [(i, state) for i in self.queue.job_ids + ScheduledJobRegistry(queue=self.queue).get_job_ids()]
            elif state == "running":
                ids += [(i, state) for i in StartedJobRegistry(queue=self.queue).get_job_ids()]
        out = []
        for (jid, state), job in zip(ids[:limit], Job.fetch_many([i for i, _ in ids[:limit]], connection=self.redis),
                                     strict=True):
            if job is None:
                continue
            ended = job.ended_at or job.enqueued_at
            out.append(JobInfo(jid, str(job.meta.get("kind", "")), state, int(job.meta.get("attempts", 0)),
                               str(job.meta.get("delivery", "")), 0.0, ended.timestamp() if ended else time.time(),
                               str(job.meta.get("error", ""))))
        return out

    def ping(self) -> bool:
        try:
            return bool(self.redis.ping())
        except Exception:  # noqa: BLE001 - health checks answer, they do not raise
            return False


def serve_worker(url: str, handler: Handler, name: str = "amts", burst: bool = False) -> None:
    """Run an RQ worker on ``url`` with ``handler`` until stopped (``burst``: until the queue is empty;
    tests). ``SimpleWorker`` runs jobs in this process, so the handler's GitHub clients and token cache
    live as long as the worker."""
    global _handler
    _handler = handler
    redis = Redis.from_url(url)
    worker = SimpleWorker([Queue(name, connection=redis)], connection=redis)
    worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
