"""The content-addressed cache (bot/cache.py) and what it buys: a sync pays for the files that changed.

Every test runs with its own empty $AMTS_CACHE (tests/conftest.py). The edition here is the bundled
sample pair (tests/data/zh) copied into six chapters, each copy made distinct by a trailing comment so
that no two file pairs share a blob (identical files would share cache entries and hide the counting).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import git

from bot.cache import FILE_NAME, Cache, blob_id, cache_key, cached_alignment, open_cache
from bot.markdown.blocks import parse
from bot.sync.replay import _git, commit_files
from bot.sync.runner import SyncOptions, run_sync
from bot.translate.factory import engine_for, memory_from_texts
from bot.translate.tm import LazyMemory, TmEngine
from tests.conftest import DATA, ROOT

ORIGIN = (DATA / "zh" / "approx-training_origin.md").read_text(encoding="utf-8")
TRANSLATION = (DATA / "zh" / "approx-training.md").read_text(encoding="utf-8")
OLD = "Recall our discussions in :numref:`sec_word2vec`."
CHAPTERS = 6


def _path(k: int) -> str:
    return f"chapter_{k}/approx-training.md"


def _copy(text: str, k: int) -> str:
    return text + f"\n<!-- copy {k} -->\n"


def _repos(tmp: Path) -> tuple[Path, Path]:
    """(upstream = the English every copy follows, edition = six translated chapters with origin files)"""
    up, ed = tmp / "up", tmp / "ed"
    up.mkdir()
    ed.mkdir()
    commit_files(up, {_path(k): _copy(ORIGIN, k) for k in range(CHAPTERS)}, "English")
    files = {}
    for k in range(CHAPTERS):
        files[_path(k)] = _copy(TRANSLATION, k)
        files[_path(k)[:-3] + "_origin.md"] = _copy(ORIGIN, k)
    commit_files(ed, files, "edition")
    return up, ed


def _push_one_line(up: Path, k: int, new: str) -> None:
    """An upstream commit that rewords the first sentence of chapter ``k``."""
    text = (up / _path(k)).read_text(encoding="utf-8")
    commit_files(up, {_path(k): text.replace(OLD, new, 1)}, f"reword chapter {k}")


def _rows(namespace: str) -> int:
    db = Path(os.environ["AMTS_CACHE"]) / FILE_NAME
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM entries WHERE namespace = ?", (namespace,)).fetchone()[0]


def _app_sync(up: Path, ed: Path):
    """A sync the way the App and ``amts sync`` run it: ``engine_for`` and ``run_sync`` with their default
    cache ($AMTS_CACHE), nothing passed in."""
    return run_sync(SyncOptions(str(up), str(ed), "zh"),
                    lambda _repo, base: engine_for("tm", base, "_origin", "en", "zh"))


def _branch_file(ed: Path, path: str) -> str:
    with git.Repo(ed) as repo:  # alive while the blob is read (a collected Repo closes its cat-file process)
        return (repo.commit("amts/sync-zh").tree / path).data_stream.read().decode("utf-8")


# -- the store ---------------------------------------------------------------------------------------


def test_values_persist_across_connections_and_the_counters_say_what_was_computed(tmp_path):
    cache = Cache(tmp_path / "c.sqlite3")
    calls = []
    value = cache.get_or_compute("tm", "k1", lambda: calls.append(1) or [["a", "甲"]])
    assert value == [["a", "甲"]] and calls == [1]
    assert cache.get_or_compute("tm", "k1", lambda: calls.append(2) or []) == [["a", "甲"]] and calls == [1]
    assert dict(cache.stats) == {"miss:tm": 1, "hit:tm": 1}
    again = Cache(tmp_path / "c.sqlite3")  # another run: the value is on disk
    assert again.get("tm", "k1") == [["a", "甲"]] and again.get("align", "k1") is None


def test_a_damaged_row_is_a_miss_and_is_stored_again(tmp_path):
    path = tmp_path / "c.sqlite3"
    Cache(path).put("tm", "k", [1, 2])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE entries SET value = ? WHERE key = 'k'", (b"not zlib",))
    cache = Cache(path)
    assert cache.get_or_compute("tm", "k", lambda: [3]) == [3]
    assert Cache(path).get("tm", "k") == [3]


def test_a_cache_that_fails_under_a_running_sync_is_a_miss_not_an_error(tmp_path, caplog):
    """Another process broke the file while this one had it open (here: the table is gone): reads are misses,
    writes are logged, the values are still computed and returned."""
    path = tmp_path / "c.sqlite3"
    cache = Cache(path)
    cache.put("tm", "k", [1])
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE entries")
    assert cache.get("tm", "k") is None
    assert cache.get_or_compute("tm", "k", lambda: [2]) == [2]
    assert "could not read tm/k" in caplog.text and "could not store tm/k" in caplog.text


def test_a_cache_directory_that_cannot_be_used_falls_back_to_memory(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    cache = open_cache(blocker)
    assert cache.path is None
    assert cache.get_or_compute("tm", "k", lambda: ["v"]) == ["v"] and cache.get("tm", "k") == ["v"]


def test_keys_name_every_input():
    a, b, c = blob_id("one"), blob_id("two"), blob_id("three")
    assert blob_id("one") == subprocess.run(["git", "hash-object", "--stdin"], input="one", capture_output=True,
                                            text=True, check=True).stdout.strip()
    keys = {cache_key("tm", a, b, "en", "zh", ["paddle"]), cache_key("tm", a, c, "en", "zh", ["paddle"]),
            cache_key("tm", b, a, "en", "zh", ["paddle"]), cache_key("tm", a, b, "en", "ja", ["paddle"]),
            cache_key("tm", a, b, "en", "zh", []), cache_key("align", a, b, "en", "zh", ["paddle"])}
    assert len(keys) == 6


def test_concurrent_runs_share_one_cache_file(tmp_path):
    """Four processes compute and store overlapping keys at the same time: no error, every value there."""
    script = (
        "import sys\nfrom bot.cache import Cache\n"
        "c = Cache(sys.argv[1])\n"
        "for i in range(60):\n"
        "    k = str(i % 40)\n"
        "    assert c.get_or_compute('tm', k, lambda: [k, 'x' * 2000]) == [k, 'x' * 2000]\n"
    )
    path = tmp_path / "shared.sqlite3"
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=ROOT, stderr=subprocess.PIPE)
             for _ in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    cache = Cache(path)
    assert all(cache.get("tm", str(i)) == [str(i), "x" * 2000] for i in range(40))


def test_a_cached_alignment_is_the_alignment(tmp_path):
    source, translated = parse(ORIGIN), parse(TRANSLATION)
    cache = Cache(tmp_path / "c.sqlite3")
    cold = cached_alignment(cache, source, translated)
    warm = cached_alignment(Cache(tmp_path / "c.sqlite3"), source, translated)
    direct = cached_alignment(None, source, translated)
    assert cold.pairs == warm.pairs == direct.pairs and len(direct.pairs) > 20
    assert warm.source is source and warm.translated is translated


# -- the engine is lazy --------------------------------------------------------------------------------


def test_the_memory_is_built_on_the_first_question_only():
    built = []
    lazy = LazyMemory(lambda: built.append(1) or memory_from_texts([(ORIGIN, TRANSLATION)], "en", "zh"))
    engine = TmEngine(lazy)
    assert engine.translate([]) == [] and bool(lazy) and built == [] and not lazy.built
    assert lazy.exact("Negative Sampling") == "负采样" and built == [1]
    assert len(lazy) > 20 and built == [1]


def test_a_sync_with_nothing_to_do_aligns_nothing(tmp_path):
    up, ed = _repos(tmp_path)
    result = _app_sync(up, ed)
    assert result.jobs == [] and result.commit is None
    assert _rows("tm") == 0 and _rows("align") == 0


def test_a_cosmetic_change_builds_no_memory(tmp_path):
    up, ed = _repos(tmp_path)
    text = (up / _path(2)).read_text(encoding="utf-8")
    commit_files(up, {_path(2): text.replace(OLD, OLD.replace(" in ", "  in "), 1)}, "whitespace")
    result = _app_sync(up, ed)
    assert [u.action for j in result.jobs for u in j.outcome.units if u.action != "keep"] == ["cosmetic"]
    assert _rows("tm") == 0 and _rows("align") == 1  # the changed file was planned; no engine was asked


# -- O(changed files) ----------------------------------------------------------------------------------


def test_each_push_aligns_only_the_files_it_changed(tmp_path):
    """Like the App on three upstream pushes: the first builds the memory of the whole edition, later ones
    align only the file pair whose blobs changed since (the one the last sync rewrote); the pushed file's
    pair is unchanged in the edition, so its alignment for the plan comes from the memory build."""
    up, ed = _repos(tmp_path)
    _push_one_line(up, 0, "Recall what we discussed in :numref:`sec_word2vec`.")
    first = _app_sync(up, ed)
    assert first.commit is not None and [j.path for j in first.jobs] == [_path(0)]
    assert (_rows("tm"), _rows("align")) == (CHAPTERS, CHAPTERS)  # cold: every pair once, the plan's reused

    _push_one_line(up, 3, "Let us recall what we discussed in :numref:`sec_word2vec`.")
    second = _app_sync(up, ed)
    assert second.commit is not None and [j.path for j in second.jobs] == [_path(3)]
    assert (_rows("tm"), _rows("align")) == (CHAPTERS + 1, CHAPTERS + 1)  # chapter 0, rewritten by the first sync

    _push_one_line(up, 5, "We recall what we discussed in :numref:`sec_word2vec`.")
    third = _app_sync(up, ed)
    assert [j.path for j in third.jobs] == [_path(5)]
    assert (_rows("tm"), _rows("align")) == (CHAPTERS + 2, CHAPTERS + 2)  # chapter 3, rewritten by the second


def test_a_warm_cache_gives_the_same_sync_as_no_cache(tmp_path):
    up, ed = _repos(tmp_path)
    _push_one_line(up, 4, "Recall what we discussed in :numref:`sec_word2vec`.")
    uncached = run_sync(SyncOptions(str(up), str(ed), "zh"),
                        lambda _r, base: engine_for("tm", base, "_origin", "en", "zh", cache=Cache(None)), Cache(None))
    text = _branch_file(ed, _path(4))
    assert text != _copy(TRANSLATION, 4) and uncached.commit is not None
    for _ in range(2):  # cold, then warm
        _git(ed, "branch", "-D", "amts/sync-zh")
        cache = open_cache()
        again = run_sync(SyncOptions(str(up), str(ed), "zh"),
                         lambda _r, base, c=cache: engine_for("tm", base, "_origin", "en", "zh", cache=c), cache)
        assert _branch_file(ed, _path(4)) == text
        assert [u.action for u in again.jobs[0].outcome.units] == [u.action for u in uncached.jobs[0].outcome.units]
    assert cache.stats["miss:tm"] == 0 and cache.stats["miss:align"] == 0
    assert cache.stats["hit:tm"] == CHAPTERS and cache.stats["hit:align"] == 1


def test_amts_sync_uses_the_cache_dir_from_the_environment(tmp_path):
    up, ed = _repos(tmp_path)
    _push_one_line(up, 1, "Recall what we discussed in :numref:`sec_word2vec`.")
    env = {**os.environ, "AMTS_CACHE": str(tmp_path / "cli-cache")}
    out = subprocess.run([sys.executable, "-m", "bot", "sync", "--upstream", str(up), "--edition", str(ed),
                          "--lang", "zh"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert out.returncode in (0, 1), out.stderr
    with sqlite3.connect(tmp_path / "cli-cache" / FILE_NAME) as conn:
        counts = dict(conn.execute("SELECT namespace, count(*) FROM entries GROUP BY namespace").fetchall())
    assert counts == {"tm": CHAPTERS, "align": CHAPTERS}
