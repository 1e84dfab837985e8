"""Webhook intake under load: 200 deliveries sent concurrently on loopback to the real App server
(uvicorn in a subprocess, the real ``create_app``), valid, badly signed and duplicate mixed.

The worker runs a trivial handler (it records each job it runs), because this measures the door, not
the sync. Two rounds, each on a fresh state database:

1. steady: all 200 at once -> every delivery answered, latency p50/p99, exactly the valid unique ones
   processed (each once);
2. restart: the same mix spread over ~1 s while the server is stopped (SIGTERM, graceful) and started
   again mid-stream on the same database. A delivery that meets a closed port is sent again with the
   same ``X-GitHub-Delivery`` (what a manual redelivery does); none may be lost or run twice.

Run: ``.venv/bin/python benchmarks/bench_webhooks.py`` (prints the numbers; exit 1 if a check fails).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret"
UPSTREAM = "d2l-ai/d2l-en"
N, BAD, DUP_ID, DUP_EVENT = 200, 40, 30, 10  # -> 120 valid unique deliveries
TARGET_P99 = 1.0


# -- the server side (subprocess) ------------------------------------------------------------------------


def serve(port: int, db: Path) -> None:
    import uvicorn

    from bot.github.app import AppSettings, create_app
    from bot.github.events import Routing

    def record(job) -> None:  # the trivial handler: note that the job ran (not unique: doubles would show)
        time.sleep(0.01)  # slower than the intake, so a backlog is queued when the server restarts
        with sqlite3.connect(db, timeout=30) as conn:
            conn.execute("INSERT INTO processed (job, delivery, pid) VALUES (?, ?, ?)", (job.id, job.delivery,
                                                                                          os.getpid()))

    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS processed (job INTEGER, delivery TEXT, pid INTEGER)")
    settings = AppSettings([SECRET.encode()], Routing(UPSTREAM, "master", ("d2l-ai/d2l-zh",)), db,
                           poll_seconds=0.05)
    uvicorn.run(create_app(settings, record), host="127.0.0.1", port=port, log_level="warning",
                timeout_graceful_shutdown=10)


# -- the client side ------------------------------------------------------------------------------------------


@dataclass
class Delivery:
    id: str
    body: bytes
    signature: str
    valid_unique: bool  # the first copy of a correctly signed push event
    kind: str
    latency: float | None = None  # of the attempt that was answered
    total: float | None = None  # from the first attempt
    status: int | None = None
    attempts: int = 0


def make_deliveries(seed: int) -> list[Delivery]:
    import hashlib
    import hmac

    rnd = random.Random(seed)

    def payload(after: str) -> bytes:
        return json.dumps({"ref": "refs/heads/master", "before": "0" * 40, "after": after, "deleted": False,
                           "repository": {"full_name": UPSTREAM, "clone_url": "https://github.com/d2l-ai/d2l-en.git"},
                           "pusher": {"name": "bench"}, "installation": {"id": 1}}).encode()

    def sign(body: bytes, secret: str) -> str:
        return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    valid = [Delivery(str(uuid.uuid4()), b := payload(uuid.uuid4().hex + "0" * 8), sign(b, SECRET), True, "valid")
             for _ in range(N - BAD - DUP_ID - DUP_EVENT)]
    out = list(valid)
    for d in rnd.sample(valid, DUP_ID):  # the same delivery again (a redelivery)
        out.append(Delivery(d.id, d.body, d.signature, False, "duplicate id"))
    for d in rnd.sample(valid, DUP_EVENT):  # the same push under a new delivery id
        out.append(Delivery(str(uuid.uuid4()), d.body, d.signature, False, "duplicate event"))
    for _ in range(BAD):
        b = payload(uuid.uuid4().hex + "0" * 8)
        out.append(Delivery(str(uuid.uuid4()), b, sign(b, "wrong-secret"), False, "bad signature"))
    rnd.shuffle(out)
    return out


async def post(port: int, d: Delivery) -> int:
    """One HTTP/1.1 request on its own connection, by hand: the benchmark measures the server, and
    httpx's pool costs more CPU than the server itself at 200 concurrent connections."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = (f"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                f"User-Agent: GitHub-Hookshot/bench\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: {d.id}\r\n"
                f"X-Hub-Signature-256: {d.signature}\r\nContent-Length: {len(d.body)}\r\nConnection: close\r\n\r\n")
        writer.write(head.encode() + d.body)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    if not answer.startswith(b"HTTP/1.1 "):
        raise ConnectionError("no HTTP answer")
    return int(answer.split(b" ", 2)[1])


async def send(port: int, d: Delivery, delay: float) -> None:
    await asyncio.sleep(delay)
    start = time.perf_counter()
    while True:
        d.attempts += 1
        t0 = time.perf_counter()
        try:
            status = await post(port, d)
        except (OSError, ConnectionError):  # server restarting: redeliver with the same id
            await asyncio.sleep(0.05)
            continue
        if status >= 500:
            await asyncio.sleep(0.05)
            continue
        d.latency, d.total, d.status = time.perf_counter() - t0, time.perf_counter() - start, status
        return


class Server:
    def __init__(self, port: int, db: Path) -> None:
        self.port, self.db = port, db
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", "--port", str(self.port),
                                      "--db", str(self.db)], cwd=ROOT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return time.perf_counter() - t0
            except httpx.TransportError:
                time.sleep(0.02)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
            self.proc = None

    def drained(self, timeout: float = 30) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            jobs = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5).json()["jobs"]
            if jobs["queued"] == 0 and jobs["running"] == 0:
                return jobs
            time.sleep(0.05)
        raise RuntimeError("queue did not drain")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Round:
    name: str
    deliveries: list[Delivery]
    wall: float = 0.0
    restart_gap: float = 0.0
    backlog: int = 0  # jobs accepted by the first server and still queued when it stopped
    processed: list[str] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)
    queue: dict = field(default_factory=dict)


async def fire(port: int, deliveries: list[Delivery], spread: float) -> None:
    await asyncio.gather(*(send(port, d, random.uniform(0, spread)) for d in deliveries))


def run_round(name: str, restart: bool, seed: int) -> Round:
    tmp = Path(tempfile.mkdtemp(prefix="amts-bench-"))
    db = tmp / "amts.sqlite3"
    port = free_port()
    server = Server(port, db)
    server.start()
    rnd = Round(name, make_deliveries(seed))

    async def main() -> None:
        task = asyncio.create_task(fire(port, rnd.deliveries, 1.0 if restart else 0.0))
        if restart:
            await asyncio.sleep(0.4)
            t0 = time.perf_counter()
            await asyncio.to_thread(server.stop)
            with sqlite3.connect(db) as conn:
                rnd.backlog = conn.execute("SELECT COUNT(*) FROM jobs WHERE state != 'done'").fetchone()[0]
            await asyncio.to_thread(server.start)
            rnd.restart_gap = time.perf_counter() - t0
        await task

    t0 = time.perf_counter()
    asyncio.run(main())
    rnd.wall = time.perf_counter() - t0
    rnd.queue = server.drained()
    server.stop()
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT delivery, pid FROM processed ORDER BY rowid").fetchall()
    rnd.processed, rnd.pids = [r[0] for r in rows], [r[1] for r in rows]
    return rnd


def report(r: Round) -> bool:
    lat = sorted(d.latency for d in r.deliveries if d.latency is not None)
    total = sorted(d.total for d in r.deliveries if d.total is not None)
    answered = sum(d.status is not None for d in r.deliveries)
    expected = {d.body for d in r.deliveries if d.valid_unique}  # one job per distinct push event
    event_of = {d.id: d.body for d in r.deliveries}
    by_kind: dict[str, dict[int, int]] = {}
    for d in r.deliveries:
        by_kind.setdefault(d.kind, {}).setdefault(d.status or 0, 0)
        by_kind[d.kind][d.status or 0] += 1

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

    p99 = pct(lat, 99)
    events = [event_of[i] for i in r.processed]
    processed_once = len(events) == len(set(events))
    exact = set(events) == expected
    print(f"\n== {r.name} ==")
    print(f"deliveries sent: {len(r.deliveries)}  answered: {answered}  wall: {r.wall:.2f} s"
          + (f"  (server down/up gap {r.restart_gap:.2f} s)" if r.restart_gap else ""))
    print("answers by kind: " + "; ".join(f"{k} {dict(sorted(v.items()))}" for k, v in sorted(by_kind.items())))
    print(f"latency of the answered attempt: p50 {statistics.median(lat) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
          f"max {lat[-1] * 1000:.1f} ms (target p99 < {TARGET_P99 * 1000:.0f} ms)")
    retried = sum(d.attempts > 1 for d in r.deliveries)
    print(f"including redeliveries after refused connections: p99 {pct(total, 99) * 1000:.1f} ms; "
          f"deliveries redelivered: {retried}")
    print(f"valid unique events: {len(expected)}  jobs processed: {len(events)}  distinct events: {len(set(events))}"
          f"  exactly the valid unique ones: {exact}  each once: {processed_once}  queue: {r.queue}")
    per_process = [r.pids.count(pid) for pid in dict.fromkeys(r.pids)]
    print(f"jobs run per server process: {per_process}"
          + (f"; queued when the first server stopped: {r.backlog}" if r.restart_gap else ""))
    return answered == len(r.deliveries) and p99 < TARGET_P99 and exact and processed_once


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--port", type=int)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.serve:
        serve(args.port, args.db)
        return 0
    ok = report(run_round("steady: 200 concurrent deliveries", restart=False, seed=1))
    ok &= report(run_round("restart mid-stream (SIGTERM + start on the same database)", restart=True, seed=2))
    print("\nresult:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
