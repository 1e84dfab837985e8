"""The App's state in one SQLite file: deliveries seen, semantic keys seen, the job queue (queue.py), and the
post-edit distance of every block of every merged AMTS pull request (the learning loop, bot/learn.py).

Why SQLite: the App is one process with a worker thread; SQLite in WAL mode gives durable, atomic
"seen this delivery + queue its job" in one transaction without a server, and survives restarts.

Why dedupe: GitHub's signature has no timestamp, so a captured delivery replays cleanly, and manual
redelivery keeps the same ``X-GitHub-Delivery``. Ids are kept ``RETENTION_DAYS`` (GitHub allows
redelivery for 3 days), semantic keys as long.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

RETENTION_DAYS = 7

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, event TEXT NOT NULL, received REAL NOT NULL);
CREATE TABLE IF NOT EXISTS semantic_keys (
    key TEXT PRIMARY KEY, delivery TEXT NOT NULL, received REAL NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    delivery TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    error TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (state, not_before, id);
CREATE TABLE IF NOT EXISTS post_edits (
    repo TEXT NOT NULL, pr INTEGER NOT NULL, edition TEXT NOT NULL, block TEXT NOT NULL, engine TEXT NOT NULL,
    chrf REAL NOT NULL, ter REAL NOT NULL, edited INTEGER NOT NULL, merged_sha TEXT NOT NULL, merged REAL NOT NULL,
    PRIMARY KEY (repo, pr, block));
"""


class Database:
    """One SQLite file, one connection per thread, explicit transactions."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.connection().executescript(_SCHEMA)

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on error): writers never interleave."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass
            self._all.clear()
        self._local = threading.local()


class Admission(StrEnum):
    NEW = "new"
    DUPLICATE_DELIVERY = "duplicate delivery"
    DUPLICATE_KEY = "duplicate event"


def admit(tx: sqlite3.Connection, delivery: str, event: str, key: str | None, now: float | None = None) -> Admission:
    """Record ``delivery`` (and ``key``) inside the caller's transaction; say whether it is new."""
    now = time.time() if now is None else now
    if tx.execute("INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?)", (delivery, event, now)).rowcount == 0:
        return Admission.DUPLICATE_DELIVERY
    if key is not None and tx.execute("INSERT OR IGNORE INTO semantic_keys VALUES (?, ?, ?)",
                                      (key, delivery, now)).rowcount == 0:
        return Admission.DUPLICATE_KEY
    return Admission.NEW


def prune(db: Database, days: float = RETENTION_DAYS, now: float | None = None) -> int:
    """Forget deliveries and keys older than ``days``, and finished jobs; returns rows removed."""
    cutoff = (time.time() if now is None else now) - days * 86400
    with db.transaction() as tx:
        n = tx.execute("DELETE FROM deliveries WHERE received < ?", (cutoff,)).rowcount
        n += tx.execute("DELETE FROM semantic_keys WHERE received < ?", (cutoff,)).rowcount
        n += tx.execute("DELETE FROM jobs WHERE state IN ('done', 'failed') AND updated < ?", (cutoff,)).rowcount
    return n


# --------------------------------------------------------------------------------------------------
# Post-edit distance (the learning loop): kept forever, one row per block of a merged AMTS pull request


@dataclass(frozen=True)
class PostEdit:
    """How much reviewers changed one block AMTS proposed (chrF/TER of the proposal against the merge)."""

    repo: str
    pr: int
    edition: str
    block: str
    engine: str
    chrf: float
    ter: float
    edited: bool
    merged_sha: str
    merged: float  # unix time of the merge


def record_post_edits(db: Database, rows: list[PostEdit]) -> int:
    """Store the rows; a redelivered merge replaces its own rows instead of counting twice."""
    with db.transaction() as tx:
        for r in rows:
            tx.execute("INSERT OR REPLACE INTO post_edits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (r.repo, r.pr, r.edition, r.block, r.engine, r.chrf, r.ter, int(r.edited), r.merged_sha,
                        r.merged))
    return len(rows)


def post_edits(db: Database, edition: str | None = None) -> list[PostEdit]:
    """Every stored row (of ``edition``), oldest merge first."""
    query = "SELECT * FROM post_edits" + (" WHERE edition = ?" if edition else "") + " ORDER BY merged, pr, block"
    rows = db.connection().execute(query, (edition,) if edition else ()).fetchall()
    return [PostEdit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9]) for r in rows]
