"""The GitHub App's webhook receiver (FastAPI). It only admits and queues; the worker does the work.

``POST /webhook``:

1. the signature over the raw body, checked against every configured secret -> 401 before anything
   else is read (no JSON parsing, no database access). A request without a well-formed
   ``X-Hub-Signature-256`` is refused before its body is read at all; otherwise the body is streamed
   and hashed chunk by chunk with a hard cap of 25 MB (GitHub's own payload cap) -> 413 past it,
   whether the size was announced (``Content-Length``) or not (chunked): an unsigned 100 MB chunked
   body costs the server at most the cap;
2. headers and JSON, leniently (real deliveries drift from GitHub's schemas) -> 400 when unusable;
3. ``route`` (events.py) decides the job; one SQLite transaction records the delivery id and the
   job's semantic key and queues the job. Answers: 202 queued, 200 duplicate or nothing to do. A
   redelivery of an event whose job ``failed`` queues that job again (202 ``requeued``).

GitHub wants an answer within 10 s and never redelivers on its own, hence: answer first, work later,
and never lose an accepted delivery (the transaction commits before the 202).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.github.events import Ignored, Routing, job_to_dict, route
from bot.github.queue import Handler, JobQueue, Worker
from bot.github.signature import SignatureCheck, well_formed
from bot.github.store import Admission, Database, admit, prune

log = logging.getLogger("amts.github.app")

MAX_BODY = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB


@dataclass(frozen=True)
class AppSettings:
    secrets: Sequence[bytes]
    routing: Routing
    db_path: Path
    run_worker: bool = True
    poll_seconds: float = 0.5
    max_attempts: int = 3
    backoff: Sequence[float] = (30.0, 120.0, 600.0)  # seconds before the 2nd, 3rd, ... attempt
    #: jobs on Redis (redis_queue.py, run by ``amts worker`` processes) instead of the SQLite queue
    redis_url: str | None = None

    def __repr__(self) -> str:  # never print the secrets
        return f"AppSettings(routing={self.routing!r}, db_path={str(self.db_path)!r}, secrets=<{len(self.secrets)}>)"


def create_app(settings: AppSettings, handler: Handler) -> FastAPI:
    """The ASGI app. ``app.state`` holds ``db``, ``queue`` and ``worker`` (tests drain the worker by hand
    when ``run_worker`` is off)."""
    if not settings.secrets:
        raise ValueError("at least one webhook secret is required")
    db = Database(settings.db_path)
    if settings.redis_url:
        from bot.github.redis_queue import RedisJobQueue

        queue: JobQueue | RedisJobQueue = RedisJobQueue(settings.redis_url, max_attempts=settings.max_attempts,
                                                        backoff=settings.backoff)
        worker: Worker | None = None  # the workers are `amts worker` processes
    else:
        queue = JobQueue(db, settings.max_attempts, settings.backoff)
        worker = Worker(queue, handler, settings.poll_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        queue.recover()
        prune(db)
        if settings.run_worker and worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    app = FastAPI(title="AMTS GitHub App", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db, app.state.queue, app.state.worker, app.state.handler = db, queue, worker, handler

    def _admit(delivery: str, event: str, job: dict | None, key: str | None) -> tuple[str, int | str | None]:
        """(status, job id): ``new``, ``requeued`` (a failed job, redelivered) or why nothing was queued."""
        with db.transaction() as tx:
            admission = admit(tx, delivery, event, key)
            if admission is Admission.NEW:
                status, job_id = "new", queue.put(tx, job["kind"], job, delivery) if job else None
            else:
                job_id = queue.requeue_failed(tx, delivery, key)
                status = "requeued" if job_id is not None else str(admission)
        if job_id is not None:
            queue.notify()
        return status, job_id

    @app.post("/webhook")
    async def webhook(request: Request) -> JSONResponse:
        header = request.headers.get("x-hub-signature-256")
        if not well_formed(header):
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        raw = await _read_capped(request, SignatureCheck(settings.secrets))
        if raw is None:
            return JSONResponse({"error": f"payload too large (over {MAX_BODY} bytes)"}, status_code=413)
        if not raw.check.matches(header):
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        event = request.headers.get("x-github-event", "")
        delivery = request.headers.get("x-github-delivery", "")
        if not event or not delivery or len(delivery) > 100:
            return JSONResponse({"error": "missing X-GitHub-Event or X-GitHub-Delivery"}, status_code=400)
        try:
            payload = json.loads(raw.body)
        except (UnicodeDecodeError, ValueError):
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        if not isinstance(payload, dict):
            return JSONResponse({"error": "body is not a JSON object"}, status_code=400)
        decision = route(event, payload, settings.routing)
        job = None if isinstance(decision, Ignored) else job_to_dict(decision)
        key = None if isinstance(decision, Ignored) else decision.key
        # One ~0.1 ms SQLite transaction, run on the event loop: measured faster under 200 concurrent
        # deliveries (p99 ~0.15 s vs ~0.3 s) than a hop to the thread pool; the worker's own
        # transactions are as short, so the loop never waits long for the write lock.
        status, job_id = _admit(delivery, event, job, key)
        if status == "requeued":
            log.info("delivery %s (%s): failed job %s queued again", delivery, event, job_id)
            return JSONResponse({"status": "requeued", "job": job_id}, status_code=202)
        if status != "new":
            return JSONResponse({"status": status}, status_code=200)
        if job_id is None:
            assert isinstance(decision, Ignored)
            return JSONResponse({"status": "ignored", "reason": decision.reason}, status_code=200)
        log.info("delivery %s (%s) queued as job %s", delivery, event, job_id)
        return JSONResponse({"status": "queued", "job": job_id}, status_code=202)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """Queue counts and the newest failed jobs with their errors (what an operator acts on)."""
        ok = (worker.alive or not settings.run_worker) if worker is not None else queue.ping()
        readable = ok or worker is not None  # an unreachable Redis has no counts to give
        counts = queue.counts() if readable else {}
        failed = [j.as_dict() for j in queue.jobs(("failed",), limit=10)] if readable else []
        down = "worker stopped" if worker is not None else "redis unreachable"
        return JSONResponse({"status": "ok" if ok else down, "jobs": counts, "failed": failed},
                            status_code=200 if ok else 503)

    return app


@dataclass
class _Body:
    body: bytes
    check: SignatureCheck


async def _read_capped(request: Request, check: SignatureCheck, cap: int = MAX_BODY) -> _Body | None:
    """The body, hashed as it streams in; None as soon as it passes ``cap`` (announced or not). uvicorn
    pauses reading the socket while a chunk waits here, so memory stays within the cap."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        return None
    body = bytearray()
    async for chunk in request.stream():
        if len(body) + len(chunk) > cap:
            return None
        body += chunk
        check.update(chunk)
    return _Body(bytes(body), check)
