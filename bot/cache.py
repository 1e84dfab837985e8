"""Alignments and translation-memory entries cached by content, so a sync costs O(changed files).

Aligning an English file with its translation (blocks, then sentences) is the expensive step of a sync:
the translation memory of the whole zh book aligns 124 file pairs (~4 s) while planning a one-line change
takes a fraction of that. Both results are pure functions of the two texts, the languages, the edition's
extra frameworks and the aligner's code, so they are kept in SQLite under exactly that key:

* ``align``: the block pairs of ``bot.align.blocks.align`` for (origin blob, translation blob);
* ``tm``: the paragraph and sentence pairs (translation-memory entries) of one file pair.

Keys are the git blob ids of the two texts (what ``git hash-object`` prints; read from the tree when the
text comes from a commit, so a hit reads no file at all) plus a fingerprint of the code that computed
the value (the source of the aligner, parser and this module, and the versions of the libraries they use).
Nothing expires by time: a changed file or a changed aligner is simply a different key, and old rows are
never wrong, only unused. A cold or missing cache gives the same results, only slower; a cache that cannot
be opened (read-only home, full disk) is replaced by an in-memory one for the run.

Concurrent runs (the App's worker, a CLI run, CI jobs sharing ``$AMTS_CACHE``) are safe: WAL mode, one
connection per thread, one short transaction per write, and values that two writers can only compute
identically (a key names its inputs and its code), so the last write wins harmlessly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_NAME = "amts-cache.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
"""
#: What decides an alignment or a memory entry: every file (code and data, such as the aligner's lexicon)
#: under these package folders, and this module. Editing any of them changes every key.
_PACKAGES = ("bot.align", "bot.markdown")
_MODULES = ("bot.cache", "bot.messages")
_LIBRARIES = ("markdown-it-py", "rapidfuzz")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the files under ``_PACKAGES``, the source of ``_MODULES`` and the versions of ``_LIBRARIES``."""
    h = hashlib.sha256()
    files: list[Path] = []
    for name in _PACKAGES:
        root = Path(import_module(name).__file__ or "").parent
        files += sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for name in _MODULES:
        try:
            files.append(Path(import_module(name).__file__ or ""))
        except ImportError:
            continue
    for path in files:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for lib in _LIBRARIES:
        try:
            h.update(f"{lib}={version(lib)}\0".encode())
        except PackageNotFoundError:
            h.update(f"{lib}=?\0".encode())
    return h.hexdigest()[:16]


def blob_id(text: str) -> str:
    """The git blob id of ``text`` (UTF-8), as ``git hash-object`` computes it."""
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def cache_key(*parts: object) -> str:
    """One key for a value computed from ``parts`` (blob ids, languages, options) by today's code."""
    raw = json.dumps([code_fingerprint(), *parts], ensure_ascii=False, sort_keys=True, default=sorted)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class Cache:
    """A content-addressed store of JSON values in one SQLite file (``path=None``: in memory only).

    ``stats`` counts ``hit:<namespace>`` and ``miss:<namespace>`` (a miss is a value computed in this run),
    so callers and tests can see what a run really computed."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.stats: Counter[str] = Counter()
        self._local = threading.local()
        self._memory: dict[tuple[str, str], bytes] = {}
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._connection().executescript(_SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            assert self.path is not None
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    def get(self, namespace: str, key: str) -> Any | None:
        if self.path is None:
            raw = self._memory.get((namespace, key))
        else:
            try:
                row = self._connection().execute("SELECT value FROM entries WHERE namespace = ? AND key = ?",
                                                 (namespace, key)).fetchone()
            except sqlite3.Error as e:  # a locked or damaged file must not fail the sync: a miss, recomputed
                log.warning("cache %s: could not read %s/%s: %s", self.path, namespace, key[:12], e)
                return None
            raw = row[0] if row else None
        if raw is None:
            return None
        try:
            return json.loads(zlib.decompress(raw))
        except (zlib.error, ValueError):
            return None  # a damaged row is a miss; the value is recomputed and stored again

    def put(self, namespace: str, key: str, value: Any) -> None:
        raw = zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)
        if self.path is None:
            self._memory[(namespace, key)] = raw
            return
        try:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR REPLACE INTO entries (namespace, key, value) VALUES (?, ?, ?)",
                         (namespace, key, raw))
            conn.execute("COMMIT")
        except sqlite3.Error as e:  # a full disk or a locked file must not fail the sync: the value is known
            log.warning("cache %s: could not store %s/%s: %s", self.path, namespace, key[:12], e)
            try:
                self._connection().execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def get_or_compute(self, namespace: str, key: str, compute: Callable[[], Any]) -> Any:
        value = self.get(namespace, key)
        if value is not None:
            self.stats[f"hit:{namespace}"] += 1
            return value
        self.stats[f"miss:{namespace}"] += 1
        value = compute()
        self.put(namespace, key, value)
        return value

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def open_cache(directory: str | Path | None = None) -> Cache:
    """The cache in ``directory`` (default ``$AMTS_CACHE``, else ``~/.cache/amts``); in memory when the
    directory cannot hold it, with a warning: the run is then correct, only slower."""
    root = Path(directory) if directory is not None else Path(
        os.environ.get("AMTS_CACHE") or Path.home() / ".cache" / "amts")
    try:
        return Cache(root / FILE_NAME)
    except (OSError, sqlite3.Error) as e:
        log.warning("cache %s unusable (%s): this run keeps its cache in memory", root, e)
        return Cache(None)


# -- the cached computations -------------------------------------------------------------------------

def cached_alignment(cache: Cache | None, source, translated, extra_frameworks: Iterable[str] = ("paddle",),
                     terms: Mapping[str, str] | None = None, blob_ids: tuple[str, str] | None = None):
    """``bot.align.blocks.align(source, translated, extra_frameworks, terms)`` through the cache.
    ``blob_ids``: the git blob ids of the two texts when the caller has them (else they are hashed)."""
    from bot.align.blocks import Alignment, BlockPair, align

    extra = tuple(extra_frameworks)
    if cache is None:
        return align(source, translated, extra, terms)
    ids = blob_ids or (blob_id(source.render()), blob_id(translated.render()))
    key = cache_key("align", *ids, sorted(extra), sorted((terms or {}).items()))
    rows = cache.get_or_compute("align", key, lambda: [[list(p.src), list(p.tgt), p.score, p.confidence]
                                                        for p in align(source, translated, extra, terms).pairs])
    # a row is [src, tgt, score, confidence]; rows written before confidence existed lack it (read as 1.0)
    return Alignment(source, translated, tuple(BlockPair(tuple(r[0]), tuple(r[1]), *r[2:4]) for r in rows))


def memory_entries(origin: str, translation: str, src_lang: str, lang: str,
                   extra_frameworks: Iterable[str] = ("paddle",), cache: Cache | None = None,
                   blob_ids: tuple[str, str] | None = None) -> list[tuple[str, str]]:
    """Translation-memory entries of one file pair: paragraph pairs, then sentence pairs (empty when a text
    cannot be parsed: an unparsable file teaches nothing; the sync reports it where it matters). The block
    alignment goes through ``cache``: the sync has usually just aligned the same pair to plan it."""
    from bot.align.textpairs import text_pairs
    from bot.markdown.blocks import MarkdownError, parse

    try:
        source, translated = parse(origin), parse(translation, lenient=True)
    except MarkdownError:
        return []
    alignment = cached_alignment(cache, source, translated, extra_frameworks, None, blob_ids)
    return [(p.src, p.tgt) for granularity in ("paragraph", "sentence")
            for p in text_pairs(alignment, src_lang, lang, granularity)]


def cached_memory_entries(cache: Cache | None, origin_id: str, translation_id: str, read: Callable[[], tuple[str, str]],
                          src_lang: str, lang: str, extra_frameworks: Iterable[str] = ("paddle",)
                          ) -> list[tuple[str, str]]:
    """``memory_entries`` of the file pair whose blob ids are given; ``read`` returns the two texts and is
    called only on a miss."""
    extra = tuple(extra_frameworks)

    def compute() -> list[list[str]]:
        origin, translation = read()
        return [list(e) for e in memory_entries(origin, translation, src_lang, lang, extra, cache,
                                                (origin_id, translation_id))]

    if cache is None:
        return [(s, t) for s, t in compute()]
    key = cache_key("tm", origin_id, translation_id, src_lang, lang, sorted(extra))
    return [(s, t) for s, t in cache.get_or_compute("tm", key, compute)]
