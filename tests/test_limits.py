"""Input limits and the linear worst cases of parse, protect and the build gate.

No timings here (benchmarks/bench_scaling.py measures them): these tests check that the inputs that used
to take minutes are handled, and handled right, and that oversized inputs are refused with one line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import git
import pytest

from bot.markdown.blocks import Kind, MarkdownError, parse
from bot.markdown.invariants import check
from bot.markdown.limits import MAX_FILE_BYTES, MAX_LINE_CHARS, TooLargeError, check_limits
from bot.markdown.protect import protect, restore
from bot.sync.replay import init_repo
from tests.conftest import DATA


def _amts(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True)


def test_check_limits_names_the_limit_and_the_line():
    check_limits("a\n" * 1000)
    with pytest.raises(TooLargeError, match="MB limit") as e:
        check_limits(("x" * 999 + "\n") * (MAX_FILE_BYTES // 1000 + 1))
    assert e.value.line == 1
    with pytest.raises(TooLargeError, match="line 3 has") as e:
        check_limits("a\nb\n" + "y" * (MAX_LINE_CHARS + 1) + "\n")
    assert e.value.line == 3
    # Multi-byte text: the file limit is in bytes (UTF-8), as on disk.
    with pytest.raises(TooLargeError):
        check_limits(("中" * 999 + "\n") * (MAX_FILE_BYTES // 2997 + 10))
    check_limits(("中" * 999 + "\n") * (MAX_FILE_BYTES // 2998 - 10))  # 1.7 million characters, just under 5 MB


def test_parse_refuses_oversized_text_like_broken_markdown():
    with pytest.raises(MarkdownError, match="limit for one line"):
        parse("# t\n\n" + "z" * (MAX_LINE_CHARS + 1) + "\n")


@pytest.mark.parametrize("content", ["file", "line"])
def test_cli_refuses_an_oversized_file_with_one_line_and_exit_2(tmp_path, content):
    big = tmp_path / "big.md"
    text = ("word " * 199 + "\n\n") * (MAX_FILE_BYTES // 997 + 10) if content == "file" else \
        "# t\n\n" + "w" * (MAX_LINE_CHARS + 5) + "\n"
    big.write_text(text, encoding="utf-8")
    for args in (["blocks", str(big)], ["check", str(big), str(big)]):
        out = _amts(*args)
        assert out.returncode == 2, out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and str(big) in lines[0] and "limit" in lines[0], out.stderr
        assert "Traceback" not in out.stderr and out.stdout == ""


def test_sync_refuses_an_oversized_upstream_file_and_changes_nothing(tmp_path):
    src = DATA / "zh"
    up_files, ed_files = tmp_path / "up-files" / "ch", tmp_path / "ed-files" / "ch"
    up_files.mkdir(parents=True)
    ed_files.mkdir(parents=True)
    (ed_files / "a.md").write_text((src / "approx-training.md").read_text(encoding="utf-8"), encoding="utf-8")
    (ed_files / "a_origin.md").write_text((src / "approx-training_origin.md").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    (up_files / "a.md").write_text("# A\n\n" + "long " * (MAX_LINE_CHARS // 5 + 10) + "\n", encoding="utf-8")
    upstream = init_repo(tmp_path / "up", up_files.parent, "up")
    edition = init_repo(tmp_path / "ed", ed_files.parent, "ed")
    head = git.Repo(edition).head.commit.hexsha
    out = _amts("sync", "--upstream", str(upstream), "--edition", str(edition), "--lang", "zh")
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "ch/a.md (upstream" in lines[0] and "limit for one line" in lines[0], out.stderr
    repo = git.Repo(edition)
    assert repo.head.commit.hexsha == head and [h.name for h in repo.heads] == ["master"]
    assert not repo.is_dirty(untracked_files=True)


def test_protect_a_long_run_of_backticks_is_text_and_round_trips():
    text = "a " + "`" * 40_000 + " b"
    seg = protect(text)
    assert seg.originals == () and seg.text == text
    assert restore(seg.text, seg) == text


def test_protect_code_spans_and_comments_still_found_among_pathological_runs():
    text = "x `code` " + "<!-- " * 5000 + "<!-- c --> y ``a`b`` " + "`" * 20 + " z"
    seg = protect(text)
    assert "`code`" in seg.originals and "<!-- c -->" in seg.originals and "``a`b``" in seg.originals
    assert restore(seg.text, seg) == text


def test_gate_on_many_blocks_and_a_block_with_many_references():
    refs = " ".join(f":numref:`sec_{i}`" for i in range(20_000))
    body = "\n\n".join(f"Paragraph {i} with $x_{i}$." for i in range(3000))
    paddle = ":begin_tab:`paddle`\nPaddle only :numref:`sec_paddle`.\n:end_tab:\n"
    source = parse(f"# T\n\n{refs}\nsecond line :numref:`sec_last`\n\n{body}\n")
    translated = parse(f"# T\n\n{refs}\n第二行\n\n{body}\n\n{paddle}")
    violations = check(source, translated)
    assert [(v.kind, v.line) for v in violations] == [("reference", 4)]
    assert "sec_last" in violations[0].message
    assert parse(paddle).blocks[0].kind == Kind.TAB


def test_tab_children_get_their_commonmark_kinds_from_the_one_parse():
    text = (":begin_tab:`pytorch`\n- item one\n- item two\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
            "Plain text.\n:end_tab:\n\n:begin_tab:`mxnet`\nGlued paragraph.\n:end_tab:\n")
    doc = parse(text)
    assert [str(c.kind) for c in doc.blocks[0].children] == ["list", "blockquote", "table", "paragraph"]
    assert [str(c.kind) for c in doc.blocks[1].children] == ["paragraph"]
    assert [c.start for c in doc.blocks[0].children] == [2, 5, 7, 11]
    assert doc.render() == text


def test_oversized_file_read_through_the_cli_reader(tmp_path: Path):
    from bot.markdown.io import InputError, read_document

    p = tmp_path / "x.md"
    p.write_text("# t\n\n" + "q" * (MAX_LINE_CHARS + 1) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"x\.md: line 3 has"):
        read_document(p)
