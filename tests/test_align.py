"""Block alignment against the gold, and the `amts align` command."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from bot.align.blocks import align
from bot.markdown.blocks import parse
from tests.conftest import DATA, GOLD, TEAM_GOLD_BLOCKS

GOLD_BLOCKS = GOLD / "blocks"


def mapped_ranges(en, zh, alignment):
    out = {}
    for p in alignment.pairs:
        rng = (zh.blocks[p.tgt[0]].start, zh.blocks[p.tgt[-1]].end) if p.tgt else None
        for i in p.src:
            out[en.blocks[i].start] = rng
    return out


@pytest.mark.parametrize("name", TEAM_GOLD_BLOCKS)
def test_block_alignment_matches_gold(name):
    stem = name.removesuffix(".tsv")
    en = parse((GOLD / "corpus" / f"{stem}_origin.md").read_text(encoding="utf-8"))
    zh = parse((GOLD / "corpus" / f"{stem}.md").read_text(encoding="utf-8"))
    mine = mapped_ranges(en, zh, align(en, zh))
    rows = [r for r in csv.DictReader((GOLD_BLOCKS / name).open(encoding="utf-8"), delimiter="\t") if r["en_start"]]
    hits = sum(mine.get(int(r["en_start"])) == ((int(r["zh_start"]), int(r["zh_end"])) if r["zh_start"] else None)
               for r in rows)
    assert hits / len(rows) >= 0.99, (hits, len(rows))


def test_sample_alignment_is_complete_and_monotone():
    en = parse((DATA / "zh" / "approx-training_origin.md").read_text(encoding="utf-8"))
    zh = parse((DATA / "zh" / "approx-training.md").read_text(encoding="utf-8"))
    a = align(en, zh)
    src = [i for p in a.pairs for i in p.src]
    tgt = [j for p in a.pairs for j in p.tgt]
    assert src == list(range(len(en.blocks))) and tgt == list(range(len(zh.blocks)))
    assert all(p.relation == "1-1" for p in a.pairs)


def test_extra_framework_cells_are_0_1_and_merges_are_found():
    en = parse("# T\n\nFirst English paragraph with $x$ and 3 items.\n\nSecond one, with `code` here.\n\n"
               "```python\nx = 1\n```\n")
    zh = parse("# 标题\n\n第一段，含有$x$和3个项目。第二段，这里有`code`。\n\n```python\nx = 1\n```\n\n"
               "```{.python .input}\n#@tab paddle\nimport paddle\n```\n")
    rel = [p.relation for p in align(en, zh).pairs]
    assert rel == ["1-1", "2-1", "1-1", "0-1"]


def test_low_confidence_pairs_are_flagged():
    en = parse("A long English paragraph that talks about $a$, $b$ and $c$ for a while, in detail.\n")
    zh = parse("短。\n")
    (pair,) = align(en, zh).pairs
    assert pair.relation == "1-1" and pair.low_confidence


def test_cli_align_json_shape():
    out = subprocess.run([sys.executable, "-m", "bot", "align", str(DATA / "zh" / "approx-training_origin.md"),
                          str(DATA / "zh" / "approx-training.md"), "--json", "--sentences"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    pairs = json.loads(out.stdout)["pairs"]
    first = pairs[0]
    assert first["src"] == [1, 2] and first["tgt"] == [1, 2] and first["relation"] == "1-1"
    assert {"kind", "score", "sentences"} <= set(first)
    prose = [p for p in pairs if p["kind"] == "paragraph"]
    assert prose[0]["sentences"][0]["src"].startswith("Recall our discussions")
    assert prose[0]["sentences"][0]["tgt"].startswith("回想一下")


def test_slide_marked_equation_pairs_with_the_bare_equation():
    # d2l-zh wraps some display equations in a slide marker, (**$$…$$**) or [**$$…$$**]: the parser sees a
    # paragraph, but it is the translation of the English $$ block (chapter_multilayer-perceptrons/mlp).
    en = parse("Given an element $x$, the function is defined as:\n\n$$\\operatorname{ReLU}(x) = \\max(x, 0).$$\n\n"
               "Informally, the ReLU function retains only positive elements.\n")
    zh_text = ("给定元素$x$，ReLU函数被定义为：\n\n(**$$\\operatorname{ReLU}(x) = \\max(x, 0).$$**)\n\n"
               "通俗地说，ReLU函数仅保留正元素。\n")
    zh = parse(zh_text)
    a = align(en, zh, lexicon=None)
    assert [(p.src, p.tgt) for p in a.pairs] == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]
    assert a.pairs[1].score == 1.0  # an anchor, like any equation both sides share
    other = parse(zh_text.replace("(**$$", "[**$$").replace("$$**)", "$$**]"))
    assert [p.relation for p in align(en, other, lexicon=None).pairs] == ["1-1"] * 3


def test_a_paragraph_with_a_role_the_english_lacks_is_not_merged_into_a_group():
    # chapter_multilayer-perceptrons/mlp: the translator added a paragraph (with its own :numref: and :cite:)
    # after the translation of an English paragraph; it is zh-only, not the second half of a 1-2 split.
    en = parse("This MLP has 4 inputs, 3 outputs, and its hidden layer contains 5 hidden units. "
               "Every input influences every neuron in the hidden layer.\n\n## Next\n")
    zh = parse("这个多层感知机有4个输入，3个输出，其隐藏层包含5个隐藏单元。每个输入都会影响隐藏层中的每个神经元。\n\n"
               "然而，正如 :numref:`subsec_parameterization-cost-fc-layers`所说，全连接层的参数开销可能很高 "
               ":cite:`Zhang.Tay.Zhang.ea.2021`。\n\n## 下一节\n")
    assert [p.relation for p in align(en, zh, mixed_groups=True).pairs] == ["1-1", "0-1", "1-1"]


def test_group_bead_word_evidence_weighs_like_the_beads_it_replaces():
    """ZH folds "each example is a grid of pixels" into its sentence on colour channels: the gold 2-2 bead.
    With one word weight per bead, two wrong 1-1 beads earn twice its bonus and win (group_lexical_scale 0)."""
    from bot.align.gold import load_gold
    from bot.align.sentalign import AlignParams, align_block

    gold_dir = DATA / "gold"
    (f,) = [g for g in load_gold(gold_dir, gold_dir / "corpus")
            if g.name == "chapter_convolutional-neural-networks/index"]
    en = next(b.text for b in f.source.blocks if b.start == 4)
    zh = next(b.text for b in f.translated.blocks if b.start == 4)
    first_gold = next(r for r in f.sentences if r.en_start == 4)
    beads = align_block(en, zh, "en", "zh")
    assert first_gold.relation == "2-2" and beads[0].relation == "2-2"
    assert " ".join(beads[0].src_text.split()) == " ".join(first_gold.en.split())
    flat = align_block(en, zh, "en", "zh", params=AlignParams(group_lexical_scale=0.0))
    assert [b.relation for b in flat[:2]] == ["1-1", "1-1"]


def _gold_block(name, en_start, zh_start):
    from bot.align.gold import load_gold

    gold_dir = DATA / "gold"
    (f,) = [g for g in load_gold(gold_dir, gold_dir / "corpus") if g.name == name]
    en = next(b.text for b in f.source.blocks if b.start == en_start)
    zh = next(b.text for b in f.translated.blocks if b.start == zh_start)
    return f, en, zh


def test_second_pass_pairs_a_condensed_sentence_instead_of_dropping_it():
    """zh condenses "These insights will move you from *end user* to *power user*, giving you the tools ..." to
    a third of its length: ~14 nats of Gale–Church. One DP glues the previous zh sentence's tail to its neighbour
    (1-2) and drops the English (1-0); between the anchors the bounded length cost lets the words decide: two 1-1."""
    from bot.align.sentalign import AlignParams, align_block

    f, en, zh = _gold_block("chapter_deep-learning-computation/index", 22, 15)
    gold = [r.relation for r in f.sentences if r.en_start == 22]
    one_pass = align_block(en, zh, "en", "zh", params=AlignParams(anchor_score=2.0))
    two_pass = align_block(en, zh, "en", "zh")
    assert [b.relation for b in one_pass] == ["1-1", "1-1", "1-1", "1-2", "1-0", "1-1"]
    assert [b.relation for b in two_pass] == gold == ["1-1"] * 6
    assert two_pass[4].src_text.startswith("These insights") and two_pass[4].tgt_text.startswith("这些知识")
    # the condensed pair is kept, but reported as low-confidence (its score still sees the full length gap)
    assert two_pass[4].score < 0.5 < min(b.score for b in two_pass[:4])


def test_second_pass_keeps_anchored_blocks_and_contradicting_tokens():
    """A block realigned around its anchors keeps its gold 2-2 bead (the same beads as one pass); and a bounded length
    cost is refused to a 1-1 whose invariant tokens disagree (`conv_arch` only in the English): the gold 1-2 stays."""
    from bot.align.sentalign import AlignParams, align_block

    _, en, zh = _gold_block("chapter_convolutional-neural-networks/index", 4, 4)
    first = align_block(en, zh, "en", "zh", params=AlignParams(anchor_score=2.0))
    assert align_block(en, zh, "en", "zh") == first
    f, en, zh = _gold_block("chapter_convolutional-modern/vgg", 108, 103)
    beads = align_block(en, zh, "en", "zh")
    gold = [r.relation for r in f.sentences if r.en_start == 108]
    assert [b.relation for b in beads] == gold == ["1-1", "1-2", "1-1"]
