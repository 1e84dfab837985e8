"""Trust: a sync never makes an edition worse, and every change it makes is accounted for."""

from __future__ import annotations

import subprocess
import sys

import git

from bot.sync import runner
from bot.sync.plan import _apply_fixes, plan_file, render_file
from bot.sync.replay import build_replay
from bot.sync.report import build_report
from bot.sync.runner import SyncOptions, run_sync
from bot.translate.factory import make_engine, memory_from_commit
from tests.conftest import ROOT

SAMPLE = ROOT / "examples" / "r2-hybridize"
HYB = "chapter_computational-performance/hybridize.md"


def tm_factory(lang="zh"):
    return lambda _repo, base: make_engine("tm", memory_from_commit(base, "_origin", "en", lang), lang)


def identity(t: str) -> str:
    return t


# -- issue 12 item 11: a fix holding a backslash is literal text, not a regex template ----------------------------

def test_trivial_fix_with_a_backslash_is_applied_literally():
    text, n = _apply_fixes(r"设 $\mathbf{xx}$ 为输入。", [(r"$\mathbf{xx}$", r"$\mathbf{x}$")])
    assert (text, n) == (r"设 $\mathbf{x}$ 为输入。", 1)


def test_latex_typo_fix_plans_and_renders_without_error():
    origin = "# T\n\nLet $\\mathbf{xx}$ be the input vector here.\n"
    new = "# T\n\nLet $\\mathbf{x}$ be the input vector here.\n"
    edition = "# T\n\n设 $\\mathbf{xx}$ 为输入向量。\n"
    plan = plan_file("a.md", origin, new, edition)
    out = render_file(plan, {}, identity)
    assert "\\mathbf{x}$" in out.edition_text and "\\mathbf{xx}" not in out.edition_text
    assert plan.requests == []


# -- one file's unexpected failure fails that file only --------------------------------------------------------

def _two_file_replay(tmp_path):
    """The sample range plus a second chapter file (a copy under another name) so a run has two files."""
    upstream, edition = build_replay(SAMPLE, tmp_path)
    for repo in (upstream, edition):
        r = git.Repo(repo)
        for src in sorted(repo.rglob("hybridize*.md")):
            dst = src.with_name(src.name.replace("hybridize", "hybridize2"))
            dst.write_bytes(src.read_bytes())
            r.git.add(str(dst))
        r.git.commit("-qm", "second file")
    return upstream, edition


def test_an_unexpected_error_in_one_file_fails_that_file_and_the_others_sync(tmp_path, monkeypatch):
    upstream, edition = _two_file_replay(tmp_path)
    real_render = runner.render_file

    def render(plan, *a, **kw):  # fault injection: a defect that only this file triggers
        if plan.path.endswith("hybridize2.md"):
            raise ValueError("boom in one file")
        return real_render(plan, *a, **kw)

    monkeypatch.setattr(runner, "render_file", render)
    result = run_sync(SyncOptions(str(upstream), str(edition), "zh"), tm_factory())
    by_path = {j.path: j for j in result.jobs}
    bad, good = by_path[HYB.replace("hybridize", "hybridize2")], by_path[HYB]
    assert bad.status == "failed" and "boom in one file" in bad.error and bad.outcome is None
    assert good.status in ("synced", "partial") and result.commit
    tree = git.Repo(edition).commit("amts/sync-zh").tree
    bad_path = HYB.replace("hybridize", "hybridize2")
    assert (tree / bad_path).data_stream.read() == (edition / bad_path).read_bytes()  # left as it was
    assert (tree / HYB).data_stream.read() != (edition / HYB).read_bytes()
    report = build_report(result)
    assert any(f["flag"].startswith("failed: rendering failed") and f["path"] == bad_path for f in report["flags"])


def test_cli_exits_1_and_names_the_failed_file(tmp_path):
    upstream, edition = _two_file_replay(tmp_path)
    # A file that cannot be planned: its edition text is not parseable D2L markdown (unclosed fence).
    bad = edition / HYB.replace("hybridize", "hybridize2")
    bad.write_text(bad.read_text(encoding="utf-8") + "\n```python\nx = 1\n", encoding="utf-8")
    git.Repo(edition).git.commit("-qam", "broken file")
    out = subprocess.run([sys.executable, "-m", "bot", "sync", "--upstream", str(upstream), "--edition",
                          str(edition), "--lang", "zh"], capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    assert "hybridize2.md" in out.stdout and "FAILED" in out.stdout and "Traceback" not in out.stderr
    tree = git.Repo(edition).commit("amts/sync-zh").tree
    assert (tree / HYB).data_stream.read() != (edition / HYB).read_bytes()


# -- the rolling branch checked out in the edition working copy --------------------------------------------------

def test_sync_refuses_when_its_branch_is_checked_out(tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    repo = git.Repo(edition)
    repo.git.branch("amts/sync-zh")
    repo.git.checkout("amts/sync-zh")
    head = repo.head.commit.hexsha
    out = subprocess.run([sys.executable, "-m", "bot", "sync", "--upstream", str(upstream), "--edition",
                          str(edition), "--lang", "zh"], capture_output=True, text=True)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "checked out" in out.stderr
    assert repo.head.commit.hexsha == head and not repo.is_dirty(untracked_files=True)
    dry = subprocess.run([sys.executable, "-m", "bot", "sync", "--upstream", str(upstream), "--edition",
                          str(edition), "--lang", "zh", "--dry-run"], capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
