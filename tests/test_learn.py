"""``amts learn``: post-edit distance of a merged review against AMTS's proposal, and the pairs it teaches.

Fixture-only: an edition repository with the hand-written section of tests/test_review_notes.py, synced by a
deterministic engine (the proposal), then a reviewer's commit that rewrites one machine-translated block and
leaves the others (the merge). The per-block scores are checked against the ``sacrebleu`` command itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import git
import pytest

from bot.learn import append_tmx, compare, read_tmx
from bot.sync.replay import init_repo
from bot.sync.runner import SyncOptions, run_sync
from bot.translate.base import TranslationResult
from tests.conftest import SHARED, needs_shared
from tests.test_review_notes import EDITION, NEW, ORIGIN

PATH = "chapter_x/tensors.md"
ORIGIN_PATH = "chapter_x/tensors_origin.md"
SACREBLEU = Path(sys.executable).with_name("sacrebleu")
HUMAN = "第一段关于张量。现在它说的是完全不同的事情。"


class MachineEngine:
    """Always answers (placeholders kept in order): the proposal has machine text a reviewer can fix."""

    name = "fake-mt"

    def estimate(self, requests):
        return sum(len(r.text) for r in requests)

    def translate(self, requests):
        return [TranslationResult(r.id, "机器译文：" + r.text.split(".")[0][:20] +
                                  "".join(f"⟦{i}⟧" for i in range(len(r.originals))), self.name)
                for r in requests]


def _commit_all(repo: git.Repo, message: str) -> str:
    repo.git.add("-A")
    repo.git.commit("-q", "-m", message, "--author", "Reviewer <reviewer@example.org>")
    return repo.head.commit.hexsha


@pytest.fixture
def reviewed(tmp_path: Path) -> tuple[Path, str, str]:
    """(edition repo, proposed sha, merged sha)."""
    up_files, ed_files = tmp_path / "up-files" / "chapter_x", tmp_path / "ed-files" / "chapter_x"
    up_files.mkdir(parents=True)
    ed_files.mkdir(parents=True)
    (up_files / "tensors.md").write_text(ORIGIN, encoding="utf-8")
    (ed_files / "tensors.md").write_text(EDITION, encoding="utf-8")
    (ed_files / "tensors_origin.md").write_text(ORIGIN, encoding="utf-8")
    upstream = init_repo(tmp_path / "upstream", up_files.parent, "old English")
    (upstream / PATH).write_text(NEW, encoding="utf-8")
    _commit_all(git.Repo(upstream), "new English")
    edition = init_repo(tmp_path / "edition", ed_files.parent, "edition")
    result = run_sync(SyncOptions(str(upstream), str(edition), "zh"), lambda *_: MachineEngine())
    assert result.commit
    repo = git.Repo(edition)
    repo.git.checkout("-q", "-b", "review", result.commit)
    text = (edition / PATH).read_text(encoding="utf-8")
    machine = next(line for line in text.splitlines() if line.startswith("第一段关于张量。"))
    assert "机器译文" in machine
    (edition / PATH).write_text(text.replace(machine, HUMAN), encoding="utf-8")
    merged = _commit_all(repo, "Review: translate the first paragraph properly")
    return edition, result.commit, merged


def sacrebleu_sentence(hyps: list[str], refs: list[str], metric: str, tmp: Path) -> list[float]:
    """What the sacrebleu command prints per line (-sl), the independent check of our numbers."""
    (tmp / "hyp.txt").write_text("\n".join(hyps) + "\n", encoding="utf-8")
    (tmp / "ref.txt").write_text("\n".join(refs) + "\n", encoding="utf-8")
    extra = ["--ter-normalized", "--ter-asian-support"] if metric == "ter" else []
    out = subprocess.run([str(SACREBLEU), str(tmp / "ref.txt"), "-i", str(tmp / "hyp.txt"), "-m", metric, "-sl",
                          "-b", "-w", "4", *extra], capture_output=True, text=True, check=True).stdout
    return [float(x) for x in out.split()]


def run_learn(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "learn", *args], capture_output=True, text=True)


def test_learn_json_reproduces_sacrebleu_per_block_and_writes_the_tmx(reviewed, tmp_path: Path) -> None:
    edition, proposed, merged = reviewed
    tmx = tmp_path / "zh.tmx"
    out = run_learn("--edition", str(edition), "--proposed", proposed, "--merged", merged, "--lang", "zh", "--json",
                    "--tmx", str(tmx))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"blocks", "summary", "pairs_added"}
    assert set(data["summary"]) == {"blocks", "edited", "chrf", "ter"}
    blocks = data["blocks"]
    assert blocks and all(set(b) == {"path", "english_blocks", "proposed", "merged", "chrf", "ter", "edited"}
                          for b in blocks)
    edited = [b for b in blocks if b["edited"]]
    assert len(edited) == 1 and edited[0]["merged"].startswith(HUMAN) and edited[0]["english_blocks"] == [1]
    assert data["summary"]["blocks"] == len(blocks) and data["summary"]["edited"] == 1
    untouched = [b for b in blocks if not b["edited"]]
    assert untouched and all(b["chrf"] == 100.0 and b["ter"] == 0.0 for b in untouched)
    hyps = [" ".join(b["proposed"].split("\n")).strip() for b in blocks]
    refs = [" ".join(b["merged"].split("\n")).strip() for b in blocks]
    assert [b["chrf"] for b in blocks] == pytest.approx(sacrebleu_sentence(hyps, refs, "chrf", tmp_path), abs=1e-4)
    assert [b["ter"] for b in blocks] == pytest.approx(sacrebleu_sentence(hyps, refs, "ter", tmp_path), abs=1e-4)
    pairs = read_tmx(tmx, "en", "zh")
    assert data["pairs_added"] == len(pairs) > 0
    assert any(p.tgt == "现在它说的是完全不同的事情。" for p in pairs)  # the reviewer's sentence, aligned
    assert not any("机器译文" in p.tgt for p in pairs if p.src.startswith("It now says"))


def test_learn_appends_only_new_pairs(reviewed, tmp_path: Path) -> None:
    edition, proposed, merged = reviewed
    tmx = tmp_path / "zh.tmx"
    first = compare(git.Repo(edition), proposed, merged, "zh")
    assert append_tmx(tmx, first.pairs, "en", "zh") == len(first.pairs) > 0
    assert append_tmx(tmx, first.pairs, "en", "zh") == 0  # the same merge again teaches nothing new
    assert len(read_tmx(tmx, "en", "zh")) == len(first.pairs)


def test_learn_table_and_bad_input(reviewed, tmp_path: Path) -> None:
    edition, proposed, merged = reviewed
    out = run_learn("--edition", str(edition), "--proposed", proposed, "--merged", merged, "--lang", "zh")
    assert out.returncode == 0 and "1 edited" in out.stdout and "chapter_x/tensors.md#1" in out.stdout
    missing = run_learn("--edition", str(edition), "--proposed", "nope", "--merged", merged, "--lang", "zh")
    assert missing.returncode == 2 and "revision 'nope' not found" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = tmp_path / "bad.tmx"
    bad.write_text("<tmx><body>", encoding="utf-8")
    broken = run_learn("--edition", str(edition), "--proposed", proposed, "--merged", merged, "--lang", "zh",
                       "--tmx", str(bad))
    assert broken.returncode == 2 and "not a readable TMX file" in broken.stderr
    assert bad.read_text(encoding="utf-8") == "<tmx><body>"  # never half-written


@needs_shared
def test_learn_on_real_human_syncs_matches_sacrebleu(tmp_path: Path) -> None:
    """The d2l-tr translator's own sync of ndarray.md as the merged review of AMTS's proposal."""
    from benchmarks.bench_learn import human_sync_repos

    repo, base, proposed, merged = human_sync_repos(SHARED / "corpus" / "human-syncs" / "tr-18096c7-ndarray",
                                                    tmp_path)
    result = compare(repo, proposed, merged, "tr", base=base)
    assert result.blocks and any(b.edited for b in result.blocks)
    hyps = [" ".join(b.proposed.split("\n")).strip() for b in result.blocks]
    refs = [" ".join(b.merged.split("\n")).strip() for b in result.blocks]
    (tmp_path / "hyp.txt").write_text("\n".join(hyps) + "\n", encoding="utf-8")
    (tmp_path / "ref.txt").write_text("\n".join(refs) + "\n", encoding="utf-8")
    for metric, ours in (("chrf", [b.chrf for b in result.blocks]), ("ter", [b.ter for b in result.blocks])):
        out = subprocess.run([str(SACREBLEU), str(tmp_path / "ref.txt"), "-i", str(tmp_path / "hyp.txt"), "-m",
                              metric, "-sl", "-b", "-w", "4"], capture_output=True, text=True, check=True).stdout
        assert ours == pytest.approx([float(x) for x in out.split()], abs=1e-4)
