"""The bilingual lexicon: learned from aligned pairs, written and read back, used as evidence, built by the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.align.blocks import align
from bot.align.lexicon import (
    DEFAULT_PATH,
    default_lexicon,
    en_units,
    ibm1_table,
    read_lexicon,
    tgt_units,
    train_dice,
    train_ibm1,
    write_lexicon,
)
from bot.align.sentalign import AlignParams, align_block
from bot.markdown.blocks import parse
from tests.conftest import DATA

PAIRS = [
    ("The gradient of the loss is computed.", "计算损失的梯度。"),
    ("We compute the gradient with autograd.", "我们用自动微分计算梯度。"),
    ("The loss decreases during training.", "训练期间损失下降。"),
    ("Training the network takes time.", "训练网络需要时间。"),
    ("The network has three layers.", "该网络有三层。"),
    ("Each network layer has weights.", "每个网络层都有权重。"),
    ("The weights of the loss function.", "损失函数的权重。"),
    ("Random weights are a bad start.", "随机权重是一个糟糕的开始。"),
] * 2


def test_units_skip_markup_and_stop_words():
    assert en_units("The `gradients` of $f$ in :numref:`sec_x` are computed") == {"computed"}
    assert en_units("Networks and layers") == {"network", "layer"}
    assert tgt_units("计算$x$梯度") == {"计算", "梯度"}


def test_units_are_the_regex_definitions():
    """``en_units`` and ``tgt_units`` are written for speed (a byte table, one match per Han run); they must give
    the sets their regex definitions give, on English, Chinese, mixed and non-ASCII text."""
    import re

    from bot.align.lexicon import _WIDE, _content_word, _plain

    _EN_WORD = re.compile(r"[A-Za-z][A-Za-z]+")
    _WIDE_BIGRAM = re.compile(f"(?=({_WIDE}{_WIDE}))")  # a zero-width match at each bigram start
    _WIDE_SINGLE = re.compile(f"(?<!{_WIDE}){_WIDE}(?!{_WIDE})")

    texts = ["The quick brown foxes jump, over 3 lazy dogs' Models: a b ab abc.", "Café naïve résumé déjà-vu x1y2z",
             "计算$x$梯度，我们用softmax回归模型训练。一",
             "回想一下 :numref:`sec_x`讨论了如何使用Amazon SageMaker的GPU。",
             "ｆｕｌｌ宽 αβγ Straße ΣΩ 日本語のテキスト、カタカナ", "", "a", "中"]
    for text in texts:
        plain = _plain(text)
        assert en_units(text) == {c for w in _EN_WORD.findall(plain) if (c := _content_word(w))}
        assert tgt_units(text) == set(_WIDE_BIGRAM.findall(plain)) | set(_WIDE_SINGLE.findall(plain))
    assert en_units("Café résumé naïve") == {"caf", "sum"}  # an accent ends a word; "na", "ve" are too short


def test_dice_learns_the_obvious_words_and_roundtrips(tmp_path):
    lex = train_dice(PAIRS, min_count=2, max_share=0.6)
    assert "梯度" in lex.forward["gradient"] and "网络" in lex.forward["network"]
    assert lex.overlap(en_units("the network gradient"), tgt_units("网络的梯度")) > 0.7
    assert lex.overlap(en_units("the network gradient"), tgt_units("随机权重是一个糟糕的开始")) == 0.0
    path = tmp_path / "lex.txt"
    write_lexicon(lex, path, note="test")
    assert read_lexicon(path).forward == lex.forward


def test_ibm1_agrees_on_the_obvious_words():
    lex = train_ibm1(PAIRS, iterations=5, min_count=2, max_share=0.6)
    assert "梯度" in lex.forward["gradient"]
    assert lex.method == "ibm1"


def test_ibm1_table_is_nltks():
    """The EM written out over dicts gives nltk's IBMModel1 table, value for value (same start, NULL, sum order)."""
    from nltk.translate import AlignedSent, IBMModel1

    bitext = [(sorted(tgt_units(t)), sorted(en_units(e))) for e, t in PAIRS[:8]]
    ours = ibm1_table(bitext, 3)
    theirs = IBMModel1([AlignedSent(units, words) for units, words in bitext], 3).translation_table
    pairs = [(u, w) for u, row in ours.items() for w in row]
    assert len(pairs) > 100 and {(u, w): ours[u][w] for u, w in pairs} == {(u, w): theirs[u][w] for u, w in pairs}
    assert len({round(v, 6) for row in ours.values() for v in row.values()}) > 10  # EM moved the uniform start


def test_the_shipped_lexicon_is_there_and_sane():
    lex = default_lexicon()
    assert lex is not None and DEFAULT_PATH.is_file() and len(lex) > 1000
    assert "梯度" in lex.forward["gradient"]


def test_words_keep_a_zh_only_paragraph_from_shifting_its_neighbours():
    """Two English paragraphs, the translation adds a note between them: without words the lengths invite a
    2-1 or a shift; with the lexicon each paragraph finds its own translation and the note stays 0-1."""
    en = parse("The gradient of the loss tells us how to change the weights of the network.\n\n"
               "Training the network for longer lowers the loss on the training data.\n")
    zh = parse("损失的梯度告诉我们如何改变网络的权重。\n\n注：本节的代码在所有框架上运行。\n\n"
               "训练网络更长时间会降低训练数据上的损失。\n")
    pairs = align(en, zh).pairs
    assert [p.relation for p in pairs] == ["1-1", "0-1", "1-1"]
    assert pairs[1].tgt == (1,)


def test_sentence_beads_use_words():
    # d2l-zh chapter_optimization/adadelta: the translation drops the second sentence
    en = ("For a concise implementation we simply use the `adadelta` algorithm from the `Trainer` class. "
          "This yields the following one-liner for a much more compact invocation.")
    zh = "为了简洁实现，我们只需使用高级API中的Adadelta算法。"
    beads = align_block(en, zh, "en", "zh")
    assert [b.relation for b in beads] == ["1-1", "1-0"]


def test_cli_builds_a_lexicon_from_an_edition(tmp_path):
    out = tmp_path / "lex.txt"
    result = subprocess.run([sys.executable, "-m", "bot", "lexicon", "build", str(DATA / "gold" / "corpus"),
                             "-o", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lex = read_lexicon(out)
    assert len(lex) > 100 and "梯度" in lex.forward.get("gradient", {})
    bad = subprocess.run([sys.executable, "-m", "bot", "lexicon", "build", str(tmp_path / "nope"), "-o", str(out)],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and "Traceback" not in bad.stderr


def test_a_sentence_the_neighbour_translates_is_merged_not_dropped():
    # d2l-zh chapter_natural-language-processing-pretraining/word2vec (EN 65, ZH 30): zh merges "Let us choose
    # "loves" as the center word …" into the next sentence, whose words it translates. Leaving it unpaired costs
    # that evidence (omission_cost); without it (and without the group word weight) the aligner drops it (1-0).
    stem = DATA / "gold" / "corpus" / "chapter_natural-language-processing-pretraining" / "word2vec"
    en = next(b.text for b in parse(Path(f"{stem}_origin.md").read_text(encoding="utf-8")).blocks if b.start == 65)
    zh = next(b.text for b in parse(Path(f"{stem}.md").read_text(encoding="utf-8")).blocks if b.start == 30)
    beads = align_block(en, zh, "en", "zh")
    assert [b.relation for b in beads] == ["1-1", "1-1", "2-1"]
    assert beads[2].src_text.startswith('Let us choose "loves"') and beads[2].score > 0.5
    without = align_block(en, zh, "en", "zh", params=AlignParams(omission_cost=0.0, group_lexical_scale=0.0))
    assert [b.relation for b in without] == ["1-1", "1-1", "1-0", "1-1"]


def test_the_chinese_lexicon_is_used_on_chinese_only():
    """The shipped lexicon is English→Chinese: on Japanese (kanji with kana) or Korean its Han bigrams find few or
    none of the words, and the missing evidence read as disagreement: a whole-book d2l-ja sync kept 86 blocks as
    unsure pairs (d2l-ja introduction: 87 of 156 pairs under 0.5 confidence with it, 28 without)."""
    from bot.align.blocks import _is_chinese
    from bot.align.gold import load_gold

    zh = parse("# 引言\n\n机器学习是一门研究计算机如何从经验中学习的学科。我们在本书中使用深度学习框架。\n")
    ja = parse("# はじめに\n\n機械学習は、コンピュータが経験から学習する方法を研究する分野です。"
               "本書では深層学習を使います。\n")
    ko = parse("# 소개\n\n머신러닝은 컴퓨터가 경험으로부터 학습하는 방법을 연구하는 분야입니다.\n")
    assert [_is_chinese(d) for d in (zh, ja, ko)] == [True, False, False]
    files = load_gold(DATA / "gold" / "ja", DATA / "gold" / "ja" / "corpus", "ja")
    assert files
    for f in files:
        default, plain = align(f.source, f.translated), align(f.source, f.translated, lexicon=None)
        assert [(p.src, p.tgt, p.score) for p in default.pairs] == [(p.src, p.tgt, p.score) for p in plain.pairs]
    zh_file = load_gold(DATA / "gold", DATA / "gold" / "corpus", "zh")[0]
    with_words = align(zh_file.source, zh_file.translated)
    assert [p.score for p in with_words.pairs] != [p.score for p in align(zh_file.source, zh_file.translated,
                                                                          lexicon=None).pairs]
