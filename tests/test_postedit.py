"""Post-edit rules: each rule on real raw-MT snippets, idempotence, and corpus-wide properties
(protected markup byte-identical, only typography changes, no new violations).

Snippets are quoted from d2l-zh's raw Amazon Translate output (``corpus/d2l-zh-raw-mt``), its human
post-edit and STYLE_GUIDE.md: 《动手学深度学习》 (https://github.com/d2l-ai/d2l-zh) by Aston Zhang,
Zachary C. Lipton, Mu Li, Alexander J. Smola and contributors, CC BY-SA 4.0.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.sync.postedit import (
    RULES,
    document_violations,
    postedit,
    postedit_document,
    protected_spans,
    rules_for,
    split_blocks,
    violations,
)
from tests.conftest import CORPORA, Corpus

#: corpus-wide properties run over the bundled raw MT (tests/data/corpus) and, when present, the team's whole one
over_corpora = pytest.mark.parametrize("corpus", CORPORA, ids=str)


def rules(text: str, lang: str = "zh") -> Counter[str]:
    return Counter(v.rule for v in violations(text, lang))


# --------------------------------------------------------------------------------------------------
# One test per rule, on real snippets


def test_emphasis_space_repairs_broken_emphasis():
    raw = "将单词映射到实际矢量的技术称为 * 词嵌入 *。近年来，单词嵌入已逐渐成为自然语言处理的基本知识。"
    assert rules(raw)["emphasis-space"] == 1
    assert postedit(raw, "zh") == \
        "将单词映射到实际矢量的技术称为*词嵌入*。近年来，单词嵌入已逐渐成为自然语言处理的基本知识。"
    assert postedit("我们将这些值称为矢量的 * 元素 *（* 条目 * 或 * 组件 *）。", "zh") == \
        "我们将这些值称为矢量的*元素*（*条目*或*组件*）。"


def test_emphasis_space_bold_in_a_list_item_keeps_the_marker():
    raw = " * ** 训练错误：**\n训练模型的数据上的误差。"
    assert postedit(raw, "zh") == " * **训练错误：**\n训练模型的数据上的误差。"


def test_emphasis_is_left_alone_when_pairing_is_ambiguous():
    # A stray "*" (odd count) makes pairing a guess: nothing is changed around the asterisks.
    raw = "Python 是一种 * 解释性语言 *。当评估上述 `fancy_func` 函数时，它会按顺序执行组成函数主体的操作 *。"
    out = postedit(raw, "zh")
    assert "* 解释性语言 *" in out and "操作 *。" in out
    assert "Python是一种" in out and "上述`fancy_func`函数" in out


def test_no_space_removed_where_bold_would_stop_rendering():
    # "**…：**这" is not right-flanking in CommonMark: the space after the bold stays.
    out = postedit(" * ** 测试误差：** 这是在未看到的测试集上发生的错误。", "zh")
    assert out == " * **测试误差：** 这是在未看到的测试集上发生的错误。"
    assert [v.fixable for v in violations(out, "zh")] == [False]


def test_zh_space_latin():
    raw = "我们训练 Resnet 上的时尚 MNist 数据集, 就像以前一样."
    assert rules(raw)["zh-space-latin"] == 4
    assert postedit(raw, "zh") == "我们训练Resnet上的时尚MNist数据集，就像以前一样。"


def test_zh_space_number():
    raw = "我们创建了一个包含全部 0 的长度 $N$ 矢量"
    assert rules(raw)["zh-space-number"] == 2
    assert postedit(raw, "zh") == "我们创建了一个包含全部0的长度$N$矢量"


def test_zh_space_math():
    raw = "对于向量 $\\mathbf{x}, \\mathbf{y} \\in \\mathbb{R}^d$，它们的余弦相似性是它们之间角度的余弦值： "
    assert rules(raw)["zh-space-math"] == 1
    assert postedit(raw, "zh") == \
        "对于向量$\\mathbf{x}, \\mathbf{y} \\in \\mathbb{R}^d$，它们的余弦相似性是它们之间角度的余弦值："


def test_zh_space_code():
    raw = "当评估上述 `fancy_func` 函数时，它会按顺序执行"
    assert rules(raw)["zh-space-code"] == 2
    assert postedit(raw, "zh") == "当评估上述`fancy_func`函数时，它会按顺序执行"


def test_zh_role_space_keeps_one_space_before_and_none_after():
    raw = "在 :numref:`chap_linear` 中，我们引入了 softmax 回归 (:numref:`sec_softmax`)，从头开始实现算法"
    found = rules(raw)
    assert found["zh-role-space"] == 1 and found["zh-space-role"] == 1
    assert postedit(raw, "zh") == \
        "在 :numref:`chap_linear`中，我们引入了softmax回归（ :numref:`sec_softmax`），从头开始实现算法"
    assert postedit("因此，:eqref:`eq_skip-gram-grad` 中的跳过图模型", "zh") == \
        "因此， :eqref:`eq_skip-gram-grad`中的跳过图模型"
    assert postedit("力，使用和蒙特卡洛树抽样  :cite:`Silver.Huang.Maddison.ea.2016`", "zh") == \
        "力，使用和蒙特卡洛树抽样 :cite:`Silver.Huang.Maddison.ea.2016`"


def test_role_at_line_start_needs_no_space():
    text = ":numref:`fig_x` 所示的模型\n:label:`sec_x`"
    assert postedit(text, "zh") == ":numref:`fig_x`所示的模型\n:label:`sec_x`"


def test_zh_paren():
    assert postedit("# 字嵌入 (word2vec)\n:label:`sec_word2vec`", "zh") == \
        "# 字嵌入（word2vec）\n:label:`sec_word2vec`"
    raw = ("word2vec 工具包含两种模型，分别是 * 跳过克 * :cite:`Mikolov.Sutskever.Chen.ea.2013` "
           "和 * 连续字包 * (CBOW)")
    assert postedit(raw, "zh") == \
        "word2vec工具包含两种模型，分别是*跳过克* :cite:`Mikolov.Sutskever.Chen.ea.2013`和*连续字包*（CBOW）"


def test_zh_paren_keeps_shapes_calls_and_slide_markers():
    shape = "例外：所有表示形状的括号和逗号用英文半角，例如“(批量大小, 词数)”而不是“（批量大小，词数）”"
    assert postedit(shape, "zh") == shape and not violations(shape, "zh")
    slides = "如下是[**卷积层的一个简单应用：**]通过找到像素变化的位置，来(**检测图像中不同颜色的边缘**)。"
    assert postedit(slides, "zh") == slides and not violations(slides, "zh")
    assert postedit("计算 softmax(x) 的值", "zh") == "计算softmax(x)的值"


def test_zh_quote():
    raw = '例如，"猫" 和 "猫科动物" 应在相关情况下出现。'
    assert rules(raw)["zh-quote"] == 2
    assert postedit(raw, "zh") == "例如，“猫”和“猫科动物”应在相关情况下出现。"


def test_zh_punct():
    assert rules("我们训练 Resnet 上的时尚 MNist 数据集, 就像以前一样.")["zh-punct"] == 2
    assert postedit("我们先构造输入张量`X`和核张量`K`, 以验证上述二维互相关运算的输出。", "zh") == \
        "我们先构造输入张量`X`和核张量`K`，以验证上述二维互相关运算的输出。"
    notation = "* $\\mathbb{R}$: 实数集合"  # the notation list keeps its ASCII colon
    assert postedit(notation, "zh") == notation
    assert postedit("标记“&lt;eos&gt;”表示序列结束词元。", "zh") == "标记“&lt;eos&gt;”表示序列结束词元。"


def test_trailing_space():
    raw = "在下面，我们将介绍这两种模型及其训练方法。 "
    assert rules(raw)["trailing-space"] == 1
    assert postedit(raw, "zh") == "在下面，我们将介绍这两种模型及其训练方法。"


def test_double_space_in_any_language():
    en = "them; and (ii) process them once they are inside the computer.  There is no "
    assert rules(en, "en") == Counter({"double-space": 1, "trailing-space": 1})
    assert postedit(en, "en") == "them; and (ii) process them once they are inside the computer. There is no"
    assert postedit("x  y", "pt") == postedit("x  y", "tr") == postedit("x  y", "vi") == "x y"


def test_common_rules_do_not_apply_cjk_spacing():
    text = "我们训练 Resnet 上的时尚 MNist 数据集"
    for lang in ("ja", "ko", "tr", "vi", "pt"):
        assert postedit(text, lang) == text


def test_role_glued_in_other_languages():
    assert postedit("bakınız:numref:`sec_x`", "tr") == "bakınız :numref:`sec_x`"


def test_table_rows_are_left_alone():
    row = "| 1980 | 1 K （波士顿房价）    |"
    assert postedit(row, "zh") == row


def test_stray_dollar_blocks_math_neighbours():
    # Raw MT lost a "$": removing the space before "$x_2" would make pandoc pair the stray dollar
    # with it and turn Chinese text into math.
    raw = ("然后她给你发了一个 $y_1 = \\$350 美元的账单。现在想象一下，"
           "你的朋友聘请了同一个承包商 $x_2 = 2$ 小时，她收到了 $y_2 = \\$250$ 的账单。")
    out = postedit(raw, "zh")
    assert protected_spans(out) == protected_spans(raw)
    assert "承包商 $x_2 = 2$ 小时" in out


def test_code_fences_and_equations_inside_a_block_are_untouched():
    text = "我们先看代码：\n```python\nx = 1  # 中 文 \n```\n其中 $$x  =  1$$ 是 公式"
    out = postedit(text, "zh")
    assert "```python\nx = 1  # 中 文 \n```" in out and "$$x  =  1$$" in out
    assert out.endswith("$$是公式")


def test_link_targets_and_urls_are_untouched():
    raw = "提议使用 [word2vec](https://code.google.com/archive/p/word2vec/) 工具来解决上述问题。"
    assert postedit(raw, "zh") == "提议使用[word2vec](https://code.google.com/archive/p/word2vec/)工具来解决上述问题。"
    bare = "可以查阅人工翻译 http://www.jukuu.com/"
    assert postedit(bare, "zh") == bare  # a bare URL needs the space before it to stay a link


def test_violations_report_position_and_excerpt():
    (v,) = [v for v in violations("第一行\n我们训练 Resnet 上", "zh") if v.column == 5]
    assert (v.rule, v.line, v.column, v.fixable) == ("zh-space-latin", 2, 5, True)
    assert "训练 Resnet" in v.excerpt and "zh-space-latin" in str(v)


def test_registry():
    assert {"zh", "ja", "ko", "tr", "vi", "pt"} <= set(RULES)
    names = [r.name for r in rules_for("zh")]
    assert len(names) == len(set(names))
    assert {"trailing-space", "double-space", "emphasis-space"} <= set(names)
    with pytest.raises(ValueError, match="no post-edit rules for language 'xx'"):
        postedit("x", "xx")


def test_text_that_cannot_be_masked_is_returned_unchanged():
    text = "中 文\U000f0001"
    assert postedit(text, "zh") == text and violations(text, "zh") == []


def test_idempotent_on_snippets():
    for raw in ("在 :numref:`chap_linear` 中，我们引入了 softmax 回归 (:numref:`sec_softmax`)，",
                "我们将这些值称为矢量的 * 元素 *（* 条目 * 或 * 组件 *）。", '例如，"猫" 和 "猫科动物" 应在',
                "数据集 , 就像以前一样"):
        once = postedit(raw, "zh")
        assert postedit(once, "zh") == once


def test_split_blocks_keeps_fences_and_equations_whole():
    doc = ("# 标题\n\n段落 一\n第二行\n\n```python\nx  = 1\n\ny = 2\n```\n"
           "$$\na\n\nb\n$$\n:eqlabel:`x`\n\n尾 \n")
    blocks = split_blocks(doc)
    assert [(b.kind, b.line) for b in blocks] == [("prose", 1), ("prose", 3), ("code", 6), ("math", 11),
                                                  ("prose", 16), ("prose", 18)]
    assert all(doc[b.start:b.end] == b.text for b in blocks)
    out = postedit_document(doc, "zh")
    assert out == doc.replace("段落 一", "段落一").replace("尾 \n", "尾\n")


# --------------------------------------------------------------------------------------------------
# Whole raw-MT corpus

_TYPO = str.maketrans({"（": "(", "）": ")", "“": '"', "”": '"', "，": ",", "；": ";", "：": ":", "？": "?",
                       "！": "!", "。": "."})


def _skeleton(text: str) -> str:
    """What postedit may not change: everything but whitespace and the ASCII/full-width choice."""
    return re.sub(r"[ \t\u3000]", "", text).translate(_TYPO)


def _raw_mt(corpus: Corpus) -> list[Path]:
    """Raw Amazon Translate outputs (``X.md``; the ``X_origin.md`` beside each is its English source)."""
    files = [p for p in sorted((corpus.root / "d2l-zh-raw-mt").rglob("*.md")) if not p.name.endswith("_origin.md")]
    assert len(files) >= (17 if corpus.full else 7)
    return files


def _corpus_blocks(corpus: Corpus):
    for path in _raw_mt(corpus):
        for block in split_blocks(path.read_text(encoding="utf-8")):
            if block.kind == "prose":
                yield path, block


@over_corpora
def test_protected_spans_are_byte_identical_over_the_raw_mt_corpus(corpus: Corpus):
    inline = re.compile(r"`[^`\n]+`|:[a-z]+:`[^`]*`|\]\([^)\s]*\)")
    checked = 0
    for path, block in _corpus_blocks(corpus):
        out = postedit(block.text, "zh")
        assert protected_spans(out) == protected_spans(block.text), f"{path}:{block.line}"
        # An independent look: code spans, roles and link targets as plain regexes.
        assert Counter(inline.findall(out)) == Counter(inline.findall(block.text)), f"{path}:{block.line}"
        assert out.count("$") == block.text.count("$"), f"{path}:{block.line}"
        checked += 1
    assert checked > (500 if corpus.full else 200)


@over_corpora
def test_only_typography_changes_over_the_raw_mt_corpus(corpus: Corpus):
    for path, block in _corpus_blocks(corpus):
        out = postedit(block.text, "zh")
        assert _skeleton(out) == _skeleton(block.text), f"{path}:{block.line}"
        assert out.count("\n") == block.text.count("\n"), f"{path}:{block.line}"


@over_corpora
def test_no_new_violations_and_idempotent_over_the_raw_mt_corpus(corpus: Corpus):
    fixed = 0
    for path, block in _corpus_blocks(corpus):
        out = postedit(block.text, "zh")
        before, after = rules(block.text), rules(out)
        for rule, n in after.items():
            assert n <= before[rule], f"{path}:{block.line}: {rule} {before[rule]} -> {n}"
        assert postedit(out, "zh") == out, f"{path}:{block.line}"
        fixed += sum(before.values()) - sum(after.values())
    assert fixed > (4000 if corpus.full else 1000)


@over_corpora
def test_code_and_equation_blocks_are_copied_byte_for_byte(corpus: Corpus):
    for path in _raw_mt(corpus):
        doc = path.read_text(encoding="utf-8")
        out = postedit_document(doc, "zh")
        kept = [b.text for b in split_blocks(doc) if b.kind != "prose"]
        assert [b.text for b in split_blocks(out) if b.kind != "prose"] == kept, path
        assert postedit_document(out, "zh") == out, path


@over_corpora
def test_the_human_edition_is_nearly_clean(corpus: Corpus):
    """The rules encode what human post-editors did: the human text has far fewer violations."""
    raw = human = 0
    for path in _raw_mt(corpus):
        raw += len(document_violations(path.read_text(encoding="utf-8"), "zh"))
        edited = (corpus.root / "d2l-zh" / path.relative_to(corpus.root / "d2l-zh-raw-mt")).read_text(encoding="utf-8")
        human += len(document_violations(edited, "zh"))
    assert human * 20 < raw
