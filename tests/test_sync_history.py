"""Issue 9: a translation that follows an upstream version newer than its origin file (and older than the new
English) is synced from that version: only what changed since is applied (``bot.sync.history``)."""

from __future__ import annotations

import git

from bot.sync.plan import plan_file, render_file
from bot.sync.replay import commit_files
from bot.sync.runner import SyncOptions, run_sync
from bot.translate.factory import make_engine, memory_from_commit

OLD = "# T\n\nWe train the model for 5 epochs with a learning rate of 0.1. It converges quickly.\n"
MID = "# T\n\nWe train the model for 10 epochs with a learning rate of 0.1. It converges quickly.\n"
NEW = "# T\n\nWe train the model for 10 epochs with a learning rate of 0.05. It converges quickly.\n"
ZH = "# 标题\n\n我们用0.1的学习率训练模型10个迭代周期。它收敛得很快。\n"


def identity(t: str) -> str:
    return t


def test_without_history_a_partly_updated_translation_is_kept_for_review():
    plan = plan_file("x.md", OLD, NEW, ZH)
    out = render_file(plan, {}, identity)
    (u,) = [u for u in out.units if u.action != "keep"]
    assert u.action == "kept-review" and "edition-ahead-partial" in u.flags
    assert out.edition_text == ZH and out.origin_text == OLD


def test_the_version_the_translation_follows_is_found_and_only_the_change_since_is_applied():
    """The Chinese has the 10 epochs of ``MID`` and still the 0.1 that ``NEW`` changed: it was made from ``MID``.
    ``MID`` -> ``NEW`` changes one number, which is replaced verbatim: nothing sent, the human sentence kept."""
    read = []
    plan = plan_file("x.md", OLD, NEW, ZH, history=lambda: read.append(1) or [("c3new", NEW), ("c2mid", MID)])
    out = render_file(plan, {}, identity)
    (u,) = [u for u in out.units if u.action != "keep"]
    assert plan.requests == [] and read == [1]
    assert out.edition_text == ZH.replace("0.1", "0.05")
    assert "upstream's English of c2mid" in u.notes[0] and "has 10" in u.notes[0] and "still has 0.1" in u.notes[0]
    assert "edition-ahead-partial" not in u.flags and out.origin_text == NEW


def test_a_version_the_translation_does_not_fully_follow_is_not_taken():
    """``MID`` also changed the second sentence, which the Chinese does not vouch for: not complete evidence."""
    mid = MID.replace("It converges quickly.", "It converges within minutes.")
    plan = plan_file("x.md", OLD, NEW, ZH, history=lambda: [("c2mid", mid)])
    out = render_file(plan, {}, identity)
    (u,) = [u for u in out.units if u.action != "keep"]
    assert u.action == "kept-review" and out.edition_text == ZH and out.origin_text == OLD


def test_when_nothing_tells_that_version_from_the_new_english_the_block_is_kept_with_the_smaller_diff():
    """``MID`` -> ``NEW`` only rewords (no anchor): the translation may follow either; the reviewer decides, and
    the English diff shown is what changed since ``MID``."""
    new = MID.replace("It converges quickly.", "Training then converges fast.")
    plan = plan_file("x.md", OLD, new, ZH, history=lambda: [("c2mid", MID)])
    out = render_file(plan, {}, identity)
    (u,) = [u for u in out.units if u.action != "keep"]
    assert u.action == "kept-review" and "edition-ahead-partial" in u.flags and plan.requests == []
    assert "upstream's English of c2mid" in u.notes[0] and out.edition_text == ZH
    assert "5" not in u.english_diff and "Training then" in u.english_diff


def test_a_sync_reads_upstream_history_from_the_real_repository(tmp_path):
    upstream, edition = tmp_path / "upstream", tmp_path / "edition"
    commit_files(upstream, {"chapter_x/a.md": OLD}, "old")
    commit_files(upstream, {"chapter_x/a.md": MID}, "more epochs")
    mid_sha = git.Repo(upstream).head.commit.hexsha
    commit_files(upstream, {"chapter_x/a.md": NEW}, "smaller rate")
    commit_files(edition, {"chapter_x/a_origin.md": OLD, "chapter_x/a.md": ZH}, "translate")
    result = run_sync(SyncOptions(str(upstream), str(edition), "zh"),
                      lambda _r, base: make_engine("tm", memory_from_commit(base, "_origin", "en", "zh"), "zh"))
    (job,) = result.jobs
    (u,) = [u for u in job.outcome.units if u.action != "keep"]
    assert f"upstream's English of {mid_sha[:10]}" in u.notes[0]
    tree = git.Repo(edition).commit("amts/sync-zh").tree
    assert (tree / "chapter_x/a.md").data_stream.read().decode() == ZH.replace("0.1", "0.05")
    assert (tree / "chapter_x/a_origin.md").data_stream.read().decode() == NEW


def test_the_history_replay_benchmark_counts_rebased_blocks(tmp_path):
    """``benchmarks/replay_history.py`` syncs a replay folder against a real upstream repository's history."""
    from benchmarks.replay_history import replay

    en = tmp_path / "en"
    for message, text in (("old", OLD), ("more epochs", MID), ("smaller rate", NEW)):
        commit_files(en, {"chapter_x/a.md": text}, message)
    folder = tmp_path / "zh-to-master"
    for name, text in (("edition/chapter_x/a.md", ZH), ("edition/chapter_x/a_origin.md", OLD),
                       ("after/chapter_x/a.md", NEW)):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    out = replay(str(en), git.Repo(en).head.commit.hexsha, folder)
    assert (out["rebased"], out["partial"], out["sent"], out["replaced"], out["dup"]) == (1, 0, 0, 0, 0)


def test_a_block_on_an_unsure_alignment_is_not_rebased():
    from dataclasses import replace

    from bot.align.blocks import align

    def unsure(*args, **kwargs):
        found = align(*args, **kwargs)
        return replace(found, pairs=tuple(replace(p, confidence=0.1) for p in found.pairs))

    plan = plan_file("x.md", OLD, NEW, ZH, aligner=unsure, history=lambda: [("c2mid", MID)])
    out = render_file(plan, {}, identity)
    (u,) = [u for u in out.units if u.action != "keep"]
    assert u.action == "kept-review" and out.edition_text == ZH and out.origin_text == OLD
