"""The build gate and the two CLI commands of the foundation."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.markdown.blocks import parse
from bot.markdown.invariants import check
from tests.conftest import CORPORA, DATA, Corpus

EN = DATA / "zh" / "approx-training_origin.md"
ZH = DATA / "zh" / "approx-training.md"


def amts(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True)


def test_a_file_against_itself_is_clean():
    doc = parse(EN.read_text(encoding="utf-8"))
    assert check(doc, doc) == []


def test_the_human_translation_of_the_sample_is_clean():
    assert check(parse(EN.read_text(encoding="utf-8")), parse(ZH.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("damage, kind", [
    (lambda t: t.replace(":eqref:`eq_skip-gram-softmax`", "", 1), "reference"),
    (lambda t: t.replace(":label:`sec_approx_train`", ":label:`sec_other`"), "mark"),
    (lambda t: t.replace("\\log", "\\ln", 1), "equation"),
])
def test_each_kind_of_damage_is_reported(damage, kind):
    en = EN.read_text(encoding="utf-8")
    zh = ZH.read_text(encoding="utf-8")
    broken = damage(zh)
    assert broken != zh
    violations = check(parse(en), parse(broken))
    assert violations and {v.kind for v in violations} == {kind}


def test_code_changes_are_reported_but_translated_comments_and_extra_frameworks_are_allowed():
    en = "```python\n# add\nx = a + b\n```\n\nText.\n"
    zh_comment = "```python\n# 相加\nx = a + b\n```\n\n文本。\n"
    zh_paddle = zh_comment + "\n```{.python .input}\n#@tab paddle\nimport paddle\n```\n"
    zh_code = "```python\n# 相加\nx = a - b\n```\n\n文本。\n"
    assert check(parse(en), parse(zh_comment)) == []
    assert check(parse(en), parse(zh_paddle)) == []
    assert [v.kind for v in check(parse(en), parse(zh_paddle), extra_frameworks=())] == ["code"]
    assert [v.kind for v in check(parse(en), parse(zh_code))] == ["code"]


def test_tab_and_toc_structure():
    en = ":begin_tab:`mxnet`\nA\n:end_tab:\n\n```toc\n:maxdepth: 2\n\nintro\nprelim\n```\n"
    zh = ":begin_tab:`pytorch`\nA\n:end_tab:\n\n```toc\n:maxdepth: 2\n\nintro\n```\n"
    kinds = sorted(v.kind for v in check(parse(en), parse(zh)))
    assert kinds == ["tab", "toc"]


@pytest.mark.parametrize("corpus", CORPORA, ids=str)
def test_corpus_pairs_self_check_clean(corpus: Corpus):
    origins = sorted((corpus.root / "d2l-zh").rglob("*_origin.md"))
    assert len(origins) >= 8
    for origin in origins:
        doc = parse(origin.read_text(encoding="utf-8"))
        assert check(doc, doc) == []


def test_cli_blocks_json_shape():
    out = amts("blocks", str(EN), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["path"] == str(EN)
    first = data["blocks"][0]
    assert set(first) == {"index", "kind", "start", "end", "key"}
    assert first["kind"] == "heading" and first["start"] == 1 and first["end"] == 2


def test_cli_check_exit_codes(tmp_path):
    assert amts("check", str(EN), str(ZH)).returncode == 0
    broken = tmp_path / "x.md"
    broken.write_text(ZH.read_text(encoding="utf-8").replace(":eqref:`eq_skip-gram-log`", "", 1), encoding="utf-8")
    out = amts("check", str(EN), str(broken), "--json")
    assert out.returncode == 1
    violations = json.loads(out.stdout)["violations"]
    assert violations and violations[0]["kind"] == "reference"


@pytest.mark.parametrize("content, message", [
    (b"```python\nx = 1\n", "never closed"),
    (b"$$x\n", "never closed"),
    (b":begin_tab:`mxnet`\ntext\n", "without `:end_tab:`"),
    (b"", "empty file"),
    (b"\x00\x01binary", "binary file"),
    (b"caf\xe9\n", "not UTF-8"),
    (None, "no such file"),
])
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path, content, message):
    path = tmp_path / "bad.md"
    if content is not None:
        path.write_bytes(content)
    before = sorted(tmp_path.iterdir())
    for args in (("blocks", str(path)), ("check", str(path), str(EN)), ("check", str(EN), str(path))):
        out = amts(*args)
        assert out.returncode == 2
        assert message in out.stderr and "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
    assert sorted(tmp_path.iterdir()) == before
