"""The Gale–Church baseline (nltk) that bench_align scores beside the sentence aligner."""

from __future__ import annotations

from bot.align.galechurch import beads_from_links, gale_church, gale_church_block


def test_beads_from_links_rebuilds_groups_and_unpaired_sentences():
    # 1-1, 2-2, a source sentence without a link (1-0), 1-1, a target sentence without a link at the end (0-1)
    links = [(0, 0), (1, 1), (1, 2), (2, 1), (2, 2), (4, 3)]
    assert beads_from_links(links, 5, 5) == [((0,), (0,)), ((1, 2), (1, 2)), ((3,), ()), ((4,), (3,)), ((), (4,))]
    assert beads_from_links([], 1, 2) == [((0,), ()), ((), (0,)), ((), (1,))]


def test_gale_church_covers_both_sides_in_order_with_chinese_aware_lengths():
    src = ["The model is trained on a large dataset of labelled images for many epochs.",
           "It works.",
           "Then we evaluate it on the held-out test set and report the accuracy we obtain."]
    # the second English sentence is merged into the first Chinese one
    tgt = ["该模型在大型标注图像数据集上训练了许多轮，效果很好。", "然后我们在测试集上评估它并报告所得的准确率。"]
    beads = gale_church(src, tgt, "en", "zh")
    assert [(b.src, b.tgt) for b in beads] == [((0, 1), (0,)), ((2,), (1,))]
    assert beads[0].src_text == " ".join(src[:2]) and beads[0].tgt_text == tgt[0]
    # the sentence aligner's length (a Chinese character counts 3.0 instead of 2.4) finds the same beads
    assert [(b.src, b.tgt) for b in gale_church(src, tgt, "en", "zh", lengths="text")] == [((0, 1), (0,)), ((2,), (1,))]


def test_gale_church_block_splits_like_the_sentence_aligner():
    beads = gale_church_block("One sentence here. Another one there.", "这里有一句。那里还有一句。", "en", "zh")
    assert [(b.src, b.tgt) for b in beads] == [((0,), (0,)), ((1,), (1,))]
    assert gale_church([], ["只有译文。"], "en", "zh")[0].relation == "0-1"
