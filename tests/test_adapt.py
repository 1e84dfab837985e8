"""In-document lexicon adaptation (``bot/align/adapt.py``): a document's own words, learned from its confident
sentence beads, and used where its English holds them."""

from __future__ import annotations

from bot.align.adapt import ADAPT_MIN_SCORE, adapt_lexicon
from bot.align.blocks import align
from bot.align.lexicon import Lexicon, en_units, train_dice
from bot.align.sentalign import align_block
from bot.align.textpairs import document_lexicon, text_pairs
from bot.markdown.blocks import parse

#: A lexicon that knows the machine-learning words of the document below and none of its banking words.
BASE = Lexicon({"gradient": {"梯度": 0.9}, "loss": {"损失": 0.9}, "computed": {"计算": 0.8},
                "network": {"网络": 0.9}, "training": {"训练": 0.9}, "weight": {"权重": 0.9},
                "layer": {"层": 0.5, "网络": 0.1}}, "ibm1")

BEADS = [("The bank approved loans for applicants with a stable income.", "银行批准了收入稳定的申请人的贷款。"),
         ("Other applicants were turned away.", "其他申请人被拒之门外。"),
         ("Loans are paid back every month.", "贷款每月偿还。"),
         ("The gradient of the loss is computed.", "计算损失的梯度。"),
         ("Each network layer has weights.", "每个网络层都有权重。"),
         ("Training the network takes time.", "训练网络需要时间。"),
         ("The loss decreases during training.", "训练期间损失下降。"),
         ("Random weights are a bad start.", "随机权重是一个糟糕的开始。")]


def test_a_word_seen_in_two_beads_is_learned_with_the_bigrams_nothing_known_explains():
    adapted = adapt_lexicon(BASE, BEADS)
    assert adapted.base is BASE and adapted.lexicon is not BASE
    assert adapted.words == {"applicant", "loan"}
    assert adapted.lexicon.forward["applicant"] == {"申请": 1.0, "请人": 1.0}  # "其他申请人", "的申请人"
    assert adapted.lexicon.forward["loan"] == {"贷款": 1.0}
    assert "bank" not in adapted.lexicon.forward  # one bead: no co-occurrence to learn from
    assert adapted.lexicon.forward["gradient"] == BASE.forward["gradient"]  # known words are left as they are
    assert all(adapted.lexicon.forward[w].keys().isdisjoint({"梯度", "损失", "训练"}) for w in adapted.words)
    assert adapted.units == {u for w in adapted.words for u in adapted.lexicon.forward[w]}
    # The known beads alone teach nothing.
    nothing = adapt_lexicon(BASE, BEADS[2:])
    assert nothing.lexicon is BASE and nothing.base is None and not nothing.words


def test_extended_tables_are_those_of_the_whole_lexicon():
    base = train_dice([(e, t) for e, t in BEADS * 3], min_count=2, max_share=0.9)
    extra = {"newword": {"新词": 0.5, "梯度": 0.2}, "other": {"梯度": 0.3}}
    fast, whole = base.extended(extra), Lexicon({**base.forward, **extra}, base.method)
    assert fast.forward == whole.forward and fast.backward == whole.backward
    assert fast._known == whole._known and fast._images == whole._images
    assert fast.backward["梯度"] >= {"newword", "other"} and base.backward.get("新词") is None  # base untouched


def test_the_adapted_lexicon_is_used_only_where_the_english_holds_a_learned_word():
    adapted = adapt_lexicon(BASE, BEADS)
    assert adapted.lexicon_for(["Banks ask applicants for a stable income."]) is adapted.lexicon
    assert adapted.lexicon_for(["The gradient of the loss.", "Each layer."]) is BASE
    assert en_units("applicants") == {"applicant"}


LAST_EN = "We might grant loans to all applicants wearing Oxfords. The gradient of the loss is computed."
LAST_ZH = "我们可能会向所有穿牛津鞋的申请人发放贷款。这听起来有些荒唐可笑，但确实如此。计算损失的梯度。"
DOC_EN = "# Credit\n\n" + " ".join(e for e, _ in BEADS) + "\n\n" + LAST_EN + "\n"
DOC_ZH = "# 信用\n\n" + "".join(t for _, t in BEADS) + "\n\n" + LAST_ZH + "\n"
WANTED = ("We might grant loans to all applicants wearing Oxfords.", "我们可能会向所有穿牛津鞋的申请人发放贷款。")


def test_a_document_teaches_the_words_that_place_a_zh_only_sentence():
    """The last paragraph's zh adds a sentence the English does not have. The base lexicon knows none of the words
    of the first English sentence, so lengths alone pair it with that zh-only sentence and leave its translation
    0-1; the paragraphs before it teach "loan" and "applicant", and with them it finds its translation."""
    plain = align_block(LAST_EN, LAST_ZH, "en", "zh", lexicon=BASE)
    assert WANTED not in [(b.src_text, b.tgt_text) for b in plain]
    alignment = align(parse(DOC_EN), parse(DOC_ZH), lexicon=BASE)
    adapted = document_lexicon(alignment, "en", "zh", BASE)
    assert adapted is not None and {"loan", "applicant"} <= adapted.words
    assert "贷款" in adapted.lexicon.forward["loan"]
    beads = align_block(LAST_EN, LAST_ZH, "en", "zh", lexicon=adapted.lexicon_for([LAST_EN]))
    aside = "这听起来有些荒唐可笑，但确实如此。"
    assert [(b.relation, b.src_text, b.tgt_text) for b in beads][:2] == [("1-1", *WANTED), ("0-1", "", aside)]
    # text_pairs does the same when asked to adapt (off by default), and only then
    adapted_pairs = [(p.src, p.tgt) for p in text_pairs(alignment, "en", "zh", lexicon=BASE, adapt=True)]
    plain_pairs = [(p.src, p.tgt) for p in text_pairs(alignment, "en", "zh", lexicon=BASE)]
    assert WANTED in adapted_pairs and WANTED not in plain_pairs
    assert adapted_pairs[0] == plain_pairs[0] == ("Credit", "信用")  # no learned word: aligned as before
    assert ADAPT_MIN_SCORE == 0.8


def test_no_lexicon_no_adaptation():
    alignment = align(parse(DOC_EN), parse(DOC_ZH), lexicon=None)
    assert document_lexicon(alignment, "en", "zh", None) is None
    assert text_pairs(alignment, "en", "zh", lexicon=None, adapt=True) == text_pairs(alignment, "en", "zh",
                                                                                      lexicon=None)
