"""The block model: lossless, gold-compatible boundaries, keys, and clear errors."""

from __future__ import annotations

import csv

import pytest

from bot.markdown.blocks import Kind, MarkdownError, parse
from tests.conftest import CORPORA, DATA, GOLD, TEAM_GOLD_BLOCKS, Corpus

SAMPLE = DATA / "zh" / "approx-training_origin.md"


def test_round_trip_sample_is_byte_identical():
    for path in (DATA / "zh").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert parse(text).render() == text


@pytest.mark.parametrize("corpus", CORPORA, ids=str)
def test_round_trip_every_corpus_file(corpus: Corpus):
    files = sorted(corpus.root.rglob("*.md"))
    assert len(files) > (800 if corpus.full else 50)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert parse(text).render() == text, path


def test_round_trip_keeps_crlf_leading_blank_lines_and_missing_final_newline():
    text = "\n\n# T\r\n:label:`x`\r\n\r\nSome *prose*\r\nwrapped.\r\n\r\n\r\n```python\ncode\n\n```\nno newline"
    doc = parse(text)
    assert doc.render() == text
    assert [b.kind for b in doc.blocks] == [Kind.HEADING, Kind.PARAGRAPH, Kind.CODE, Kind.PARAGRAPH]


@pytest.mark.parametrize("name", TEAM_GOLD_BLOCKS)
def test_block_spans_and_kinds_match_gold(name):
    rows = list(csv.DictReader((GOLD / "blocks" / name).open(encoding="utf-8"), delimiter="\t"))
    stem = name.removesuffix(".tsv")
    for side, suffix in (("en", "_origin.md"), ("zh", ".md")):
        doc = parse((GOLD / "corpus" / (stem + suffix)).read_text(encoding="utf-8"))
        mine = {(b.start, b.end): b.kind for b in doc.blocks}
        gold = {(int(r[f"{side}_start"]), int(r[f"{side}_end"])): r["kind"] for r in rows if r[f"{side}_start"]}
        assert set(mine) == set(gold)
        gold_kind = {"prose": {Kind.PARAGRAPH, Kind.BLOCKQUOTE}}
        for span, kind in gold.items():
            assert mine[span] in (gold_kind[kind] if kind in gold_kind else {Kind(kind)}), (side, span)


def test_d2l_constructs():
    text = (
        "## Sec\n:label:`sec_a`\n\n"
        "```{.python .input}\n#@tab pytorch, mxnet\nx = 1  # one\n```\n\n"
        "$$y = x$$\n:eqlabel:`eq_y`\n\n"
        "![A figure](../img/a.svg)\n:width:`400px`\n\n:label:`fig_a`\n\n"
        ":begin_tab:`pytorch`\nText in a tab.\n\n```bash\npip install\n```\n:end_tab:\n\n"
        "```toc\n:maxdepth: 2\n\nintro\n```\n\n"
        "* item one\n* item two\n\n"
        ":Caption of a table\n:label:`tab_x`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "> quoted\n\n<!-- comment -->\n\n[Discussions](https://discuss.d2l.ai/t/1)\n"
    )
    doc = parse(text)
    kinds = [b.kind for b in doc.blocks]
    assert kinds == [Kind.HEADING, Kind.CODE, Kind.MATH, Kind.FIGURE, Kind.TAB, Kind.TOC, Kind.LIST, Kind.TABLE,
                     Kind.TABLE, Kind.BLOCKQUOTE, Kind.HTML, Kind.OTHER]
    heading, code, math, figure, tab = doc.blocks[:5]
    assert heading.level == 2 and heading.labels == ("sec_a",)
    assert code.tabs == ("pytorch", "mxnet") and code.info == "{.python .input}"
    assert math.labels == ("eq_y",)
    assert [m.name for m in figure.marks] == ["width", "label"] and figure.end == 15  # blank line before label
    assert tab.tabs == ("pytorch",) and [c.kind for c in tab.children] == [Kind.PARAGRAPH, Kind.CODE]
    assert tab.children[1].start == 20
    assert doc.render() == text


def test_embedded_equation_stays_in_its_paragraph():
    text = "We have\n\n$$a = b$$\n\nand also inline\n$$c\n\n= d$$\nwhich continues.\n"
    doc = parse(text)
    assert [b.kind for b in doc.blocks] == [Kind.PARAGRAPH, Kind.MATH, Kind.PARAGRAPH]
    assert doc.blocks[2].start == 5 and doc.blocks[2].end == 9


def test_keys_ignore_wrapping_and_code_loose_key_ignores_comments_and_strings():
    a = parse("Some words\nwrapped   here.\n").blocks[0]
    b = parse("Some words wrapped here.\n").blocks[0]
    assert a.key == b.key
    en = parse('```python\n# Load data\nx = load("train")  # comment\n```\n').blocks[0]
    zh = parse('```python\n# 加载数据\nx = load("训练")  # 注释\n```\n').blocks[0]
    other = parse('```python\nx = load(train)\n```\n').blocks[0]
    assert en.key != zh.key and en.loose_key == zh.loose_key
    assert other.loose_key != en.loose_key


@pytest.mark.parametrize("text, line, what", [
    ("Text\n\n```python\nx = 1\n", 3, "never closed"),
    ("Text\n\n$$x\n\n= 1\n", 3, "`$$` equation is never closed"),
    ("Intro\n\n:begin_tab:`mxnet`\nText\n", 3, "without `:end_tab:`"),
])
def test_unclosed_constructs_raise_with_line(text, line, what):
    with pytest.raises(MarkdownError) as info:
        parse(text)
    assert info.value.line == line and what in str(info.value)
