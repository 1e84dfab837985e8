"""Bad input on the command line: one line naming the file or option, exit 2, never a traceback, never a
half-written file; and runs that do nothing say so instead of printing an empty table.

Table-driven over real git repositories built from the shipped r2 sample (examples/r2-hybridize).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import git
import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.sync.replay import build_replay
from tests.conftest import ROOT

SAMPLE = ROOT / "examples" / "r2-hybridize"
HYB = "chapter_computational-performance/hybridize.md"
HYB_ORIGIN = "chapter_computational-performance/hybridize_origin.md"


def _commit(repo: Path, message: str) -> None:
    r = git.Repo(repo)
    r.git.add("-A")
    r.git.commit("-q", "-m", message)


def _append(repo: Path, path: str, data: bytes) -> None:
    with open(repo / path, "ab") as handle:
        handle.write(data)
    _commit(repo, f"edit {path}")


@dataclass
class Case:
    name: str
    #: (tmp, upstream, edition) -> argv
    argv: Callable[[Path, Path, Path], list[str]]
    needles: tuple[str, ...]  # all must be in the one error line
    code: int = 2
    env: dict[str, str] | None = None


def _non_utf8_edition(t: Path, up: Path, ed: Path) -> list[str]:
    _append(ed, HYB, b"\nbad \xff byte\n")
    return ["sync", "--upstream", str(up), "--edition", str(ed), "--lang", "zh"]


def _non_utf8_upstream(t: Path, up: Path, ed: Path) -> list[str]:
    _append(up, HYB, b"\nbad \xff byte\n")
    return ["sync", "--upstream", str(up), "--edition", str(ed), "--lang", "zh"]


def _rename_onto_existing(t: Path, up: Path, ed: Path) -> list[str]:
    other = "chapter_computational-performance/other.md"
    (ed / other).write_text("# 另一个\n\n已经有的文件。\n", encoding="utf-8")
    _commit(ed, "an edition file where upstream will move hybridize")
    git.Repo(up).git.mv(HYB, other)
    _commit(up, "move hybridize")
    return ["sync", "--upstream", str(up), "--edition", str(ed), "--lang", "zh"]


def _no_region(t: Path, up: Path, ed: Path) -> list[str]:
    tmx = t / "pairs.tmx"
    tmx.write_text("<tmx/>", encoding="utf-8")
    return ["parallel-data", "push", str(tmx), "--name", "d2l", "--bucket", "b"]


def _no_region_terms(t: Path, up: Path, ed: Path) -> list[str]:
    terms = t / "TERMINOLOGY.md"
    terms.write_text("深度学习，deep learning\n", encoding="utf-8")
    return ["terminology", "push", str(terms), "--name", "d2l", "--lang", "zh"]


def _flat(t: Path, up: Path, ed: Path) -> list[str]:
    flat = t / "flat"
    flat.mkdir()
    (flat / "a.md").write_text("# 标题\n", encoding="utf-8")
    (flat / "a_origin.md").write_text("# Title\n", encoding="utf-8")
    return ["parallel-data", "build", str(flat), "--lang", "zh", "-o", str(t / "out.tmx")]


NO_AWS = {"AWS_CONFIG_FILE": "/nonexistent", "AWS_DEFAULT_REGION": "", "AWS_REGION": "", "AWS_PROFILE": ""}

CASES = [
    Case("sync --lang xx", lambda t, up, ed: ["sync", "--upstream", str(up), "--edition", str(ed), "--lang", "xx"],
         ("--lang", "'xx'")),
    Case("align --sentences --lang fr", lambda t, up, ed: ["align", "--sentences", "--lang", "fr", str(up / HYB),
                                                           str(ed / HYB)], ("--lang", "'fr'")),
    Case("parallel-data build --lang xx", lambda t, up, ed: ["parallel-data", "build", str(ed), "--lang", "xx",
                                                             "-o", str(t / "out.tmx")], ("--lang", "'xx'")),
    Case("parallel-data build -o <directory>", lambda t, up, ed: ["parallel-data", "build", str(ed), "--lang", "zh",
                                                                  "-o", str(t)], ("--output", "directory")),
    Case("parallel-data build on a flat folder", _flat, ("no X.md", "flat")),
    Case("sync with a non-UTF-8 edition file", _non_utf8_edition, (HYB, "UTF-8")),
    Case("sync with a non-UTF-8 upstream file", _non_utf8_upstream, (HYB, "UTF-8")),
    Case("parallel-data push without a region", _no_region, ("region", "--region"), env=NO_AWS),
    Case("terminology push without a region", _no_region_terms, ("region", "--region"), env=NO_AWS),
    Case("sync --config without the edition", lambda t, up, ed: ["sync", "--upstream", str(up), "--edition", str(ed),
                                                                 "--lang", "zh", "--config", str(t / "none.yml")],
         ("none.yml",)),
]


@pytest.fixture
def repos(tmp_path: Path) -> tuple[Path, Path]:
    return build_replay(SAMPLE, tmp_path / "repos")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_line_and_exit_2(case: Case, repos, tmp_path: Path, monkeypatch) -> None:
    up, ed = repos
    for k, v in (case.env or {}).items():
        if v:
            monkeypatch.setenv(k, v)
        else:
            monkeypatch.delenv(k, raising=False)
    argv = case.argv(tmp_path, up, ed)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file() and ".git" not in p.parts}
    result = CliRunner().invoke(app, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case.code, result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert len(errors) == 1, result.output
    for needle in case.needles:
        assert needle in errors[0], (needle, errors[0])
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert {p for p in after if p not in before or after[p] != before[p]} <= {p for p in after if ".git" in str(p)}


def test_rename_onto_a_path_the_edition_has_is_reported_not_a_crash(repos, tmp_path: Path) -> None:
    up, ed = repos
    argv = _rename_onto_existing(tmp_path, up, ed)
    result = CliRunner().invoke(app, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert f"skipped {HYB}" in result.output and "other.md" in result.output and "already" in result.output
    assert result.exit_code == 0  # skipped with its reason, like a file deleted upstream
    assert git.Repo(ed).heads[0].name and "amts/sync-zh" not in [h.name for h in git.Repo(ed).heads]


def test_an_unparseable_upstream_file_prints_its_reason(repos) -> None:
    up, ed = repos
    _append(up, HYB, b"\n```python\nnever closed\n")
    result = CliRunner().invoke(app, ["sync", "--upstream", str(up), "--edition", str(ed), "--lang", "zh"])
    assert result.exit_code == 1, result.output
    failed = [ln for ln in result.output.splitlines() if "FAILED" in ln]
    assert len(failed) == 1 and HYB in failed[0] and "cannot parse" in failed[0], result.output
    assert "code fence ``` is never closed" in failed[0]  # the reason, on the console


# -- silent no-ops say what happened ------------------------------------------------------------------


def test_sync_with_nothing_to_do_says_so(repos) -> None:
    up, ed = repos
    args = ["sync", "--upstream", str(up), "--edition", str(ed), "--lang", "zh"]
    assert CliRunner().invoke(app, args).exit_code == 0
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0
    assert "nothing to sync" in again.output and "up to date" in again.output
    assert "┏" not in again.output  # no empty table


def test_sync_with_paths_matching_nothing_says_so(repos) -> None:
    up, ed = repos
    result = CliRunner().invoke(app, ["sync", "--upstream", str(up), "--edition", str(ed), "--lang", "zh",
                                      "--paths", "chapter_nope/*.md"])
    assert result.exit_code == 2 and "--paths" in result.output and "chapter_nope/*.md" in result.output


def test_sync_after_init_without_a_commit_says_to_commit(tmp_path: Path) -> None:
    up, ed = build_replay(SAMPLE, tmp_path / "repos")
    (ed / HYB_ORIGIN).unlink()
    _commit(ed, "an edition without origin files")
    assert CliRunner().invoke(app, ["init", str(ed), "--upstream", f"{up}@HEAD~1"]).exit_code == 0
    assert (ed / HYB_ORIGIN).is_file()
    result = CliRunner().invoke(app, ["sync", "--upstream", str(up), "--edition", str(ed), "--lang", "zh"])
    assert result.exit_code == 2
    assert "not committed" in result.output and HYB_ORIGIN in result.output and "git commit" in result.output


# -- the safety net: whatever slips through is one line too ---------------------------------------------


def test_an_unexpected_error_is_one_line_with_exit_3_and_the_traceback_on_request(tmp_path: Path) -> None:
    script = ("import sys\nfrom bot.cli import app\n"
              "@app.command('boom')\ndef boom():\n    raise KeyError('surprise')\n"
              "app(['boom'])\n")
    env = {k: v for k, v in os.environ.items() if k != "AMTS_DEBUG"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT)
    assert out.returncode == 3
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "KeyError" in out.stderr and "AMTS_DEBUG=1" in out.stderr
    debug = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env=env | {"AMTS_DEBUG": "1"}, cwd=ROOT)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


# -- sync --config uses the edition's engine ------------------------------------------------------------


def _new_paragraph(up: Path) -> None:
    """An upstream change that needs a translation: a paragraph the edition has never seen."""
    _append(up, HYB, b"\nCompilers can also fuse operators, which saves memory traffic on every step.\n")


def test_sync_with_config_uses_the_editions_engine(aws_env, repos, tmp_path: Path) -> None:
    up, ed = repos
    _new_paragraph(up)
    config = tmp_path / "amts.yml"
    config.write_text("version: 1\nupstream: {repo: d2l-ai/d2l-en, branch: master, lang: en}\n"
                      "editions:\n  zh: {repo: d2l-ai/d2l-zh, lang: zh, engine: aws, budget_chars: 100000}\n"
                      "engines:\n  aws: {region: us-east-1}\n", encoding="utf-8")
    report = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["sync", "--upstream", str(up), "--edition", str(ed), "--lang", "zh",
                                      "--config", str(config), "--report", str(report)])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["engine"] == "aws" and data["chars_billed"] > 0
    assert data["chars_billed"] == aws_env.translate.billed_chars  # the configured engine did the work
    # the command line still wins over the config
    up2, ed2 = build_replay(SAMPLE, tmp_path / "again")
    _new_paragraph(up2)
    billed = aws_env.translate.billed_chars
    result = CliRunner().invoke(app, ["sync", "--upstream", str(up2), "--edition", str(ed2), "--lang", "zh",
                                      "--config", str(config), "--engine", "tm", "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text(encoding="utf-8"))["engine"] == "tm"
    assert aws_env.translate.billed_chars == billed


def test_align_refuses_an_unknown_language_even_without_sentences(tmp_path: Path) -> None:
    """`--lang` is checked whether or not sentences are asked for (it was silently accepted)."""
    result = CliRunner().invoke(app, ["align", "--lang", "xx", str(SAMPLE / "before" / HYB),
                                      str(SAMPLE / "zh" / HYB)])
    assert result.exit_code == 2 and "'xx' is not a supported language" in result.output
    assert "Traceback" not in result.output


def test_origin_suffix_and_extra_framework_have_help_and_the_align_table_no_empty_column() -> None:
    runner = CliRunner()
    for command in (["sync", "--help"], ["parallel-data", "build", "--help"], ["learn", "--help"]):
        text = runner.invoke(app, command).output
        assert "Origin files are X<suffix>.md" in text and "Frameworks only the edition has" in text, command
    text = runner.invoke(app, ["align", "--help"]).output
    assert "Frameworks only the edition has" in text
    table = runner.invoke(app, ["align", str(SAMPLE / "before" / HYB), str(SAMPLE / "zh" / HYB)]).output
    top = next(line for line in table.splitlines() if line.startswith("┏"))
    assert top.count("┳") == 4  # src, tgt, kind, rel, score: no untitled sixth column without --sentences
