"""Line numbers as git counts them (only ``\\n`` ends a line) and bounded error messages."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.markdown.blocks import MarkdownError, parse
from bot.markdown.lines import split_lines

ODD = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]


@pytest.mark.parametrize("sep", ODD)
def test_only_newline_ends_a_line(sep: str) -> None:
    text = f"# Title\n\nprose{sep}still the same line\r\n\n```python\nx = 1{sep}```\ny = 2\n```\n\nlast{sep}line\n"
    assert split_lines(text) == text.replace("\r\n", "\n").split("\n")[:-1]
    assert "".join(split_lines(text, keepends=True)) == text
    doc = parse(text)
    assert doc.render() == text
    starts = [(b.kind.value, b.start, b.end) for b in doc.blocks]
    # the code fence holds `x = 1<sep>```` as content (not a closing fence) and closes on line 8
    assert starts == [("heading", 1, 1), ("paragraph", 3, 3), ("code", 5, 8), ("paragraph", 10, 10)]


def test_block_lines_agree_with_git(tmp_path: Path) -> None:
    text = "# T\n\nline\u2028one\n\n```\na\x0c```\n```\n\n## Next\x85section\n\nend\n"
    file = tmp_path / "f.md"
    file.write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "f.md"], check=True)
    numstat = subprocess.run(["git", "-C", str(tmp_path), "diff", "--cached", "--numstat"], check=True,
                             capture_output=True, text=True).stdout
    assert int(numstat.split()[0]) == len(split_lines(text)) == 11  # git's line count is ours
    result = CliRunner().invoke(app, ["blocks", str(file), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["blocks"]
    assert [(r["kind"], r["start"]) for r in rows] == [("heading", 1), ("paragraph", 3), ("code", 5),
                                                        ("heading", 9), ("paragraph", 11)]


def test_a_huge_unclosed_fence_gives_a_short_message(tmp_path: Path) -> None:
    fence = "`" * 20000
    with pytest.raises(MarkdownError) as err:
        parse(f"# T\n\n{fence}python\ncode\n")
    assert len(str(err.value)) < 300 and "more characters" in str(err.value)
    file = tmp_path / "huge.md"
    file.write_text(f"# T\n\n{fence}python\ncode\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["blocks", str(file)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 500 and "huge.md:3" in lines[0]
