"""The sync end to end on real git repositories built from real upstream changes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import git
import pytest

from bot.markdown.blocks import parse
from bot.sync.plan import KEPT_FOR_REVIEW
from bot.sync.replay import build_replay
from bot.sync.report import build_report
from bot.sync.runner import SyncOptions, run_sync
from bot.translate.base import TranslationRequest, TranslationResult
from bot.translate.factory import make_engine, memory_from_commit
from tests.conftest import CORPORA, HISTORY, ROOT, Corpus

SAMPLE = ROOT / "examples" / "r2-hybridize"
HYB = "chapter_computational-performance/hybridize.md"


def tm_factory(lang="zh"):
    return lambda _repo, base: make_engine("tm", memory_from_commit(base, "_origin", "en", lang), lang)


def snapshot(repo_path: Path) -> tuple:
    """Everything a user could see changed in a repository."""
    repo = git.Repo(repo_path)
    files = {p.relative_to(repo_path).as_posix(): p.read_bytes() for p in repo_path.rglob("*")
             if p.is_file() and ".git" not in p.parts}
    return repo.head.commit.hexsha, sorted((h.name, h.commit.hexsha) for h in repo.heads), files


def sync(upstream, edition, factory=None, **kw):
    return run_sync(SyncOptions(str(upstream), str(edition), "zh", **kw), factory or tm_factory())


def branch_file(edition: Path, path: str, branch: str = "amts/sync-zh") -> str:
    # keep the Repo alive while the blob is read: a temporary one closes its cat-file process when collected
    with git.Repo(edition) as repo:
        return (repo.commit(branch).tree / path).data_stream.read().decode("utf-8")


#: Blocks of the sample's new English whose Chinese is re-translated on request (``/amts retranslate``), for
#: the tests that need engine traffic: the sample's own upstream change needs none (see the next test).
FORCED = {HYB: frozenset({25, 30, 31, 43, 53})}


def test_r2_sample_the_edition_is_ahead_so_nothing_is_sent_and_the_chinese_is_kept(tmp_path):
    """d2l-en 550895cb rewords five TensorFlow/PyTorch/MXNet paragraphs; the Chinese already says what the
    new English says (blocks #25, #30, #31: one `torch.jit.script`, EagerTensor) or the change is trivial (#53
    "Note, though that" -> "Note that"; #43 ``tf.keras Sequential`` -> `` `tf.keras.Sequential` ``, the same words
    in another notation, which the Chinese already writes): 0 characters, Chinese byte-identical,
    origin updated, every block accounted for."""
    upstream, edition = build_replay(SAMPLE, tmp_path)
    before = (edition / HYB).read_text(encoding="utf-8")
    result = sync(upstream, edition)
    report = build_report(result)
    assert result.commit is not None
    assert git.Repo(edition).commit("amts/sync-zh").message.startswith("amts: sync zh with upstream@")
    units = result.jobs[0].outcome.units
    by_new = {u.new[0]: u for u in units if u.new}
    assert [j for j, u in sorted(by_new.items()) if u.action == "edition-ahead"] == [25, 30, 31]
    assert by_new[53].action == "cosmetic" and "trivial source change" in by_new[53].flags
    assert by_new[43].action == "cosmetic" and "trivial source change" in by_new[43].flags
    assert any("already writes" in n and "`tf.keras.Sequential`" in n for n in by_new[43].notes)
    assert report["chars_sent"] == 0
    assert branch_file(edition, HYB) == before
    assert branch_file(edition, HYB.replace(".md", "_origin.md")) == (upstream / HYB).read_text(encoding="utf-8")
    assert (edition / HYB).read_text(encoding="utf-8") == before


def test_r2_report_shape_and_pr_description(tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    out = subprocess.run([sys.executable, "-m", "bot", "sync", "--upstream", f"{upstream}@HEAD", "--edition",
                          str(edition), "--lang", "zh", "--report", str(tmp_path / "r.json")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["upstream_sha"] == git.Repo(upstream).head.commit.hexsha
    assert data["chars_sent"] == 0
    (f,) = data["files"]
    ahead = [b for b in f["blocks"] if b["action"] == "edition-ahead"]
    assert len(ahead) == 3 and all(b["old_lines"] and b["new_lines"] and b["english_diff"] for b in ahead)
    assert f["new_violations"] == []
    flags = {x["flag"] for x in data["flags"]}
    assert "trivial source change" in flags and "edition-ahead" not in flags  # complete evidence: nothing to review
    assert all("already follows the new English" in b["notes"][0] for b in ahead)
    body = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert body.startswith("<!-- amts:pr-body -->") and "English change" in body
    assert "3 edition ahead of its origin (#25, #30, #31)" in body and "No block needs a closer look" in body
    assert "BLEU" not in body  # tm found no translation for the changed sentences: nothing to score
    assert "characters sent: " in out.stdout


def test_dry_run_changes_nothing_and_prints_the_plan(tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    before = snapshot(edition)
    out = subprocess.run([sys.executable, "-m", "bot", "sync", "--upstream", str(upstream), "--edition",
                          str(edition), "--lang", "zh", "--dry-run"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "plan (dry run)" in out.stdout and "edition-ahead 3" in out.stdout
    assert snapshot(edition) == before


class FailingEngine:
    """A real engine that cannot translate segments mentioning TensorFlow (as if the service failed)."""

    name = "flaky"

    def estimate(self, requests):
        return sum(len(r.text) for r in requests)

    def translate(self, requests: list[TranslationRequest]) -> list[TranslationResult]:
        out = []
        for r in requests:
            if "TensorFlow" in r.source:
                out.append(TranslationResult(r.id, None, self.name, error="ServiceUnavailableException"))
            else:
                out.append(TranslationResult(r.id, "译文" + "".join(f"⟦{i}⟧" for i in range(len(r.originals))),
                                             self.name, chars_billed=len(r.text)))
        return out


def test_engine_failures_leave_those_blocks_and_their_english_as_they_were(tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    old_edition = (edition / HYB).read_text(encoding="utf-8")
    old_origin = (edition / HYB.replace(".md", "_origin.md")).read_text(encoding="utf-8")
    result = sync(upstream, edition, factory=lambda *_: FailingEngine(), force=FORCED)
    units = result.jobs[0].outcome.units
    failed = [u for u in units if u.status == "failed"]
    done = [u for u in units if u.action == "retranslate" and u.status == "ok"]
    assert failed and done
    new_edition = branch_file(edition, HYB)
    new_origin = branch_file(edition, HYB.replace(".md", "_origin.md"))
    old_blocks, origin_blocks = parse(old_edition).blocks, parse(old_origin).blocks
    for u in failed:
        assert old_blocks[u.old_edition[0]].text in new_edition  # translation kept
        assert origin_blocks[u.old_origin[0]].text in new_origin  # old English kept: retried next time
    for u in done:
        assert "译文" in u.text and u.text in new_edition
    report = build_report(result)
    assert sum(f["flag"].startswith("failed") for f in report["flags"]) == len(failed)


def test_killed_run_leaves_the_edition_repository_as_it_was(tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    before = snapshot(edition)
    script = textwrap.dedent(f"""
        import os, signal
        import bot.sync.runner as runner
        real = runner.write_atomic
        def dying(path, text):
            real(path, text)
            os.kill(os.getpid(), signal.SIGKILL)  # killed right after the first file is written
        runner.write_atomic = dying
        from bot.translate.factory import make_engine
        runner.run_sync(runner.SyncOptions({str(upstream)!r}, {str(edition)!r}, "zh"),
                        lambda *_: make_engine("tm"))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert snapshot(edition) == before
    # The next run recovers (the killed run's worktree removed, directory and registration) and succeeds.
    assert sync(upstream, edition).commit is not None
    assert len(git.Repo(edition).git.worktree("list").splitlines()) == 1  # nothing of the killed run is left


def test_dirty_tree_and_missing_revision_are_refused_with_one_line(tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    (edition / HYB).write_text("changed\n", encoding="utf-8")
    for args, message in (
        (["--upstream", str(upstream)], "uncommitted changes"),
        (["--upstream", f"{upstream}@deadbeef"], "revision 'deadbeef' not found"),
        (["--upstream", str(tmp_path / "nope")], "no such directory"),
    ):
        out = subprocess.run([sys.executable, "-m", "bot", "sync", *args, "--edition", str(edition), "--lang", "zh"],
                             capture_output=True, text=True)
        assert out.returncode == 2 and message in out.stderr, out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert "amts/sync-zh" not in [h.name for h in git.Repo(edition).heads]


def test_budget_refuses_before_anything_is_sent(tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    calls = []

    class Counting(FailingEngine):
        def translate(self, requests):
            calls.append(len(requests))
            return super().translate(requests)

    with pytest.raises(Exception, match="budget"):
        sync(upstream, edition, budget_chars=10, factory=lambda *_: Counting(), force=FORCED)
    assert calls == []


def test_second_sync_is_a_no_op_and_rolls_on_the_same_branch(tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    first = sync(upstream, edition)
    second = sync(upstream, edition)
    assert first.commit and second.commit is None and second.jobs == []


def test_r1_typo_sends_nothing_and_only_updates_the_origin(tmp_path):
    upstream, edition = build_replay(HISTORY / "r1-small-typo", tmp_path)
    path = "chapter_computational-performance/index.md"
    before = (edition / path).read_text(encoding="utf-8")
    result = sync(upstream, edition)
    report = build_report(result)
    assert report["chars_sent"] == 0
    assert branch_file(edition, path) == before
    assert branch_file(edition, path.replace(".md", "_origin.md")) == (upstream / path).read_text()
    assert any(f["flag"] == "trivial source change" for f in report["flags"])


def test_r3_rename_new_code_cells_and_gate(tmp_path):
    upstream, edition = build_replay(HISTORY / "r3-attention-subset", tmp_path)
    result = sync(upstream, edition)
    report = build_report(result)
    renamed = [f for f in report["files"] if f["renamed"]]
    assert [(f["path"], f["upstream_path"]) for f in renamed] == [
        ("chapter_attention-mechanisms/nadaraya-waston.md", "chapter_attention-mechanisms/nadaraya-watson.md")]
    tree = git.Repo(edition).commit("amts/sync-zh").tree
    assert tree / "chapter_attention-mechanisms/nadaraya-watson.md"
    with pytest.raises(KeyError):
        tree / "chapter_attention-mechanisms/nadaraya-waston.md"
    # 19 upstream cells are new (85 over the whole r3 range): the edition already had most (it added TensorFlow
    # cells itself), some in its own older version (updated in place, never added twice).
    units = [u for j in result.jobs for u in j.outcome.units]
    new_cells = [u for u in units if u.action in ("insert-copy", "already-in-edition") and not u.old_origin
                 or "edition-only cell updated to upstream's new cell" in u.flags]
    assert len(new_cells) == 19
    code_requests = [r for j in result.jobs for r in j.plan.requests if r.source.lstrip().startswith("```")]
    assert code_requests == []
    assert all(f["new_violations"] == [] for f in report["files"])


def test_r3_whitespace_only_commit_sends_nothing(tmp_path):
    upstream, edition = build_replay(HISTORY / "r3-attention-subset", tmp_path)
    repo = git.Repo(upstream)
    commit = repo.git.log("--format=%H", "--grep=Representing Single Text with RNNs").split()[0]
    assert sync(upstream.as_posix() + f"@{commit}~1", edition).commit
    result = sync(upstream.as_posix() + f"@{commit}", edition)
    report = build_report(result)
    assert report["chars_sent"] == 0
    assert {u.action for j in result.jobs for u in j.outcome.units} <= {"keep", "cosmetic"}


def test_init_writes_origin_files(tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    (edition / HYB.replace(".md", "_origin.md")).unlink()
    (edition / "chapter_computational-performance" / "extra.md").write_text("# 额外\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "bot", "init", str(edition), "--upstream", f"{upstream}@HEAD~1"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "written: 1" in out.stdout and "without upstream counterpart: 1" in out.stdout
    origin = (edition / HYB.replace(".md", "_origin.md")).read_text(encoding="utf-8")
    assert origin == (SAMPLE / "before" / HYB).read_text(encoding="utf-8")
    assert os.path.exists(edition / HYB)


@pytest.mark.parametrize("corpus", CORPORA, ids=str)
def test_whole_book_sync_from_the_zh_origins_to_en_v0_17_0(tmp_path, corpus: Corpus):
    """The Chinese edition (the whole book: 124 files; the bundled subset: 8) synced to English v0.17.0:
    nothing crashes, kept blocks stay byte-identical, fully synced files end with origin == upstream,
    failures are reported, not hidden."""
    from bot.sync.replay import init_repo

    if corpus.full:
        book_en, book_zh = corpus.root / "book" / "d2l-en-v0.17.0", corpus.root / "book" / "d2l-zh"
    else:
        book_en, book_zh = corpus.root / "d2l-en", corpus.root / "d2l-zh"
    upstream = init_repo(tmp_path / "up", book_en, "v0.17.0")
    edition = init_repo(tmp_path / "zh", book_zh, "zh")
    result = sync(upstream, edition)
    report = build_report(result)
    assert len(result.jobs) > (80 if corpus.full else 4) and result.commit
    tree = git.Repo(edition).commit("amts/sync-zh").tree
    for job in result.jobs:
        if job.outcome is None:  # the file failed as a whole: reported below, left as it was
            assert job.status == "failed" and job.error
            continue
        new_path = job.upstream_path if job.renamed else job.path
        text = (tree / new_path).data_stream.read().decode()
        old = parse((edition / job.path).read_text(encoding="utf-8"))
        for u in job.outcome.units:
            if u.action == "keep" and u.old_edition:
                assert old.blocks[u.old_edition[0]].text in text
        if job.status == "synced" and not any(u.action in KEPT_FOR_REVIEW for u in job.outcome.units):
            new_origin = (tree / new_path.replace(".md", "_origin.md")).data_stream.read().decode()
            assert new_origin == (upstream / job.upstream_path).read_text(encoding="utf-8")
    failed = [f for f in report["flags"] if f["flag"].startswith("failed")]
    assert len(failed) == sum(u.status == "failed" for j in result.jobs if j.outcome for u in j.outcome.units) + sum(
        j.outcome is None for j in result.jobs)
    assert sum(bool(f.get("new_violations")) for f in report["files"]) <= 0.05 * len(report["files"])
