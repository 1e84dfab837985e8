"""Block groups of ``align(..., mixed_groups=True)``: code cells split per framework, text glued to an equation,
and the evidence a group part needs (the tuning gold cases they come from are named in each test)."""

from __future__ import annotations

from bot.align.blocks import _features, align, code_group_score, split_glued_equation
from bot.align.lexicon import Lexicon
from bot.markdown.blocks import parse


def cell(tabs: str, code: str) -> str:
    return "```{.python .input}\n" + (f"#@tab {tabs}\n" if tabs else "") + code + "```\n"


TRAIN = 'def train_2d(trainer, steps=20):  #@save\n    """Optimize."""\n    x1, x2 = -5, -2\n    return x1, x2\n'
SHOW = 'def show_trace_2d(f, results):  #@save\n    """Show the trace."""\n    d2l.plt.plot(*zip(*results))\n'
SHOW_PT = SHOW.replace("d2l.plt.plot(*zip(*results))", "d2l.plt.plot(*zip(*results), indexing='ij')")
TRAIN_ZH = TRAIN.replace('"""Optimize."""', '"""用定制的训练机优化2D目标函数"""')
SHOW_ZH = SHOW.replace('"""Show the trace."""', '"""显示优化过程中2D变量的轨迹"""')
SHOW_PT_ZH = SHOW_PT.replace('"""Show the trace."""', '"""显示优化过程中2D变量的轨迹"""')
#: the English document's own framework cells, so that it names mxnet, pytorch and tensorflow
IMPORTS_EN = cell("mxnet", "from mxnet import np\n") + "\n" + cell("pytorch", "import torch\n") + "\n" + \
    cell("tensorflow", "import tensorflow as tf\n")
IMPORTS_ZH = IMPORTS_EN + "\n" + cell("paddle", "import paddle\n")


def relations(en: str, zh: str, mixed: bool = True) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    a = align(parse(en), parse(zh), lexicon=None, mixed_groups=mixed)
    return [(p.relation, p.src, p.tgt) for p in a.pairs]


def test_a_tab_all_cell_split_per_function_and_framework_is_one_group():
    # optimization/gd EN 149-174: one `#@tab all` cell with two functions; zh: train_2d for three frameworks,
    # show_trace_2d for mxnet/tensorflow and a PyTorch variant, then a paddle cell with both (zh-only).
    en = "# Gradient descent\n\n" + IMPORTS_EN + "\n" + cell("all", TRAIN + "\n" + SHOW)
    zh = ("# 梯度下降\n\n" + IMPORTS_ZH + "\n" + cell("mxnet, pytorch, tensorflow", TRAIN_ZH) + "\n"
          + cell("mxnet, tensorflow", SHOW_ZH) + "\n" + cell("pytorch", SHOW_PT_ZH) + "\n"
          + cell("paddle", TRAIN_ZH + "\n" + SHOW_ZH.replace("*results)", "*results), dtype='float32'")))
    rel = relations(en, zh)
    assert ("1-3", (4,), (5, 6, 7)) in rel
    assert ("0-1", (), (8,)) in rel  # the paddle cell stays the edition's own
    # the sync default forms no code group: the English cell pairs with one of the three
    assert [r for r in relations(en, zh, mixed=False) if r[0] != "1-1" and r[1] and r[2]] == []


def test_an_anchored_tab_all_cell_takes_the_per_framework_variant_after_it():
    # linear-networks/image-classification-dataset EN 110-124: zh keeps the cell for mxnet and tensorflow (same
    # code: an anchor) and adds a PyTorch variant that also shows PIL images; the paddle cell after them is 0-1.
    show = ('def show_images(imgs, num_rows, num_cols):  #@save\n    """Plot a list of images."""\n'
            "    for i, (ax, img) in enumerate(zip(axes, imgs)):\n        ax.imshow(d2l.numpy(img))\n"
            "    return axes\n")
    variant = show.replace("        ax.imshow(d2l.numpy(img))\n", "        if torch.is_tensor(img):\n"
                           "            ax.imshow(img.numpy())\n        else:\n            ax.imshow(img)\n")
    en = IMPORTS_EN + "\n" + cell("all", show)
    zh = IMPORTS_ZH + "\n" + cell("mxnet, tensorflow", show) + "\n" + cell("pytorch", variant) + "\n" + \
        cell("paddle", variant.replace("torch", "paddle"))
    assert relations(en, zh)[-2:] == [("1-2", (3,), (4, 5)), ("0-1", (), (6,))]
    assert relations(en, zh, mixed=False)[-3:] == [("1-1", (3,), (4,)), ("0-1", (), (5,)), ("0-1", (), (6,))]


def test_a_cell_for_a_framework_the_english_document_lacks_is_never_a_part():
    # Cells for frameworks the English file has no code for are the edition's own (0-1), like its paddle cells
    # (tuning gold: the zh-only tensorflow cells of bahdanau-attention and encoder-decoder).
    imports = cell("mxnet", "from mxnet import np\n") + "\n" + cell("pytorch", "import torch\n")
    en = imports + "\n" + cell("all", SHOW)
    zh = imports + "\n" + cell("mxnet, pytorch", SHOW_ZH) + "\n" + cell("tensorflow", SHOW_PT_ZH)
    assert relations(en, zh)[-2:] == [("1-1", (2,), (2,)), ("0-1", (), (3,))]


def test_a_neighbour_cell_without_evidence_of_its_own_is_not_taken():
    # A zh-only PyTorch cell after the anchored cell that defines another function is not a version of it.
    other = SHOW.replace("show_trace_2d", "plot_contour")
    en = IMPORTS_EN + "\n" + cell("all", SHOW)
    zh = IMPORTS_EN + "\n" + cell("mxnet, tensorflow", SHOW_ZH) + "\n" + cell("pytorch", other)
    assert relations(en, zh)[-2:] == [("1-1", (3,), (3,)), ("0-1", (), (4,))]


def code_feats(*cells: str) -> list:
    return _features(parse("\n".join(cells)), frozenset({"paddle"}), {}, 1)


def test_code_group_score_needs_evidence_beyond_similar_code():
    one, mx, pt = code_feats(cell("all", SHOW), cell("mxnet", SHOW), cell("pytorch", SHOW_PT))
    assert code_group_score(one, [mx, pt], frozenset({"paddle"})) is not None
    # the same similar code, but the parts define a name the one cell does not: no evidence, no group
    renamed = [f for f in code_feats(cell("mxnet", SHOW.replace("show_trace_2d", "show_it")),
                                     cell("pytorch", SHOW_PT.replace("show_trace_2d", "show_it")))]
    assert code_group_score(one, renamed, frozenset({"paddle"})) is None
    # each framework's version must reproduce the one cell: two pieces both for mxnet double it
    (twice,) = code_feats(cell("mxnet", SHOW))
    assert code_group_score(one, [mx, twice], frozenset({"paddle"})) is None


EQ1 = "$$\\begin{aligned}\nP(D_1 = 1) &= 0.011485.\n\\end{aligned}\n$$"
EQ2 = "$$P(H = 1 \\mid D_1 = 1) = 0.1306.$$"


def test_text_glued_to_an_equation_makes_a_2_1_group():
    # preliminaries/probability EN 319-327: zh glues "Thus, we get" (因此，我们得到) to the equation's closing line.
    en = f"{EQ1}\n\nThus, we get\n\n{EQ2}\n"
    zh = f"{EQ1}\n因此，我们得到\n\n{EQ2}\n"
    assert relations(en, zh) == [("2-1", (0, 1), (0,)), ("1-1", (2,), (1,))]
    assert relations(en, zh, mixed=False) == [("1-1", (0,), (0,)), ("1-0", (1,), ()), ("1-1", (2,), (1,))]
    # only the same equation: glued text after another equation is no evidence for the English paragraph
    other = f"{EQ1.replace('0.011485', '0.5')}\n因此，我们得到\n\n{EQ2}\n"
    assert ("2-1", (0, 1), (0,)) not in relations(en, other)


def test_split_glued_equation():
    assert split_glued_equation(f"{EQ1}\n因此，我们得到") == (EQ1, "因此，我们得到")
    assert split_glued_equation(EQ1) is None
    assert split_glued_equation("$$x = 1$$\n**)") is None  # a slide marker's closing brackets are not text
    assert split_glued_equation("Text before $$x = 1$$") is None


#: a tiny lexicon: enough known words for the part evidence (``PART_EVIDENCE``) of the lists below
LEXICON = Lexicon({"network": {"网络": 1.0}, "first": {"第一": 1.0}, "large": {"大型": 1.0},
                   "repeating": {"重复": 1.0}, "block": {"重复": 1.0}, "convolve": {"卷积": 1.0},
                   "input": {"输入": 1.0}, "architecture": {"架构": 1.0}, "dominant": {"主导": 1.0},
                   "competition": {"竞赛": 1.0}, "model": {"模型": 1.0}, "greedy": {"贪心": 1.0},
                   "search": {"搜索": 1.0}, "sequence": {"序列": 1.0}, "optimal": {"最优": 1.0},
                   "probability": {"概率": 1.0}, "example": {"例子": 1.0}, "token": {"词元": 1.0}})


def test_a_list_with_math_the_translator_added_is_still_a_group_part():
    # convolutional-modern/index EN 15-23: zh splits the sentence into 这些模型包括： and a list of the models
    # whose NiN item explains it with $1\times 1$ convolutions, math the English never has.
    en = parse("Each of these networks was briefly a dominant architecture in the competition.\n\n"
               "These models include AlexNet, the first large network; VGG, which uses repeating blocks; "
               "and NiN, which convolves whole networks patch-wise over inputs.\n")
    zh = parse("这些网络都曾是竞赛中的主导架构。\n\n这些模型包括：\n\n"
               "- AlexNet，第一个大型网络；\n- VGG，使用重复块；\n"
               "- NiN，用$1\\times 1$卷积层在输入上逐块卷积整个网络。\n")
    pairs = [(p.src, p.tgt) for p in align(en, zh, lexicon=LEXICON).pairs]
    assert pairs == [((0,), (0,)), ((1,), (1, 2))]


def test_a_part_whose_math_another_english_block_has_is_not_a_group_part():
    # recurrent-modern/beam-search EN 58-68: zh moves a paragraph (with its $\prod$) after the example; its
    # words overlap the example's, but its math is in another English block: it translates that one.
    prod = "$\\prod_{t} P(y_t)$"
    en = parse(f"So what can go wrong with greedy search? The optimal sequence maximises {prod}.\n\n"
               "![A figure.](../img/a.svg)\n\n"
               "Let us illustrate it with an example: greedy search selects the token with the highest "
               "probability in the output sequence.\n")
    zh = parse("![一个图。](../img/a.svg)\n\n举个例子：贪心搜索在输出序列中选择概率最高的词元。\n\n"
               f"那么贪心搜索的问题是什么？最优序列应使{prod}最大，贪心搜索的概率与词元序列。\n")
    pairs = [(p.src, p.tgt) for p in align(en, zh, lexicon=LEXICON, mixed_groups=True).pairs]
    assert ((2,), (1, 2)) not in pairs and ((2,), (1,)) in pairs


def test_a_block_naming_code_its_partner_lacks_is_not_a_group_part():
    # d2l-zh 842481d (human sync, before): a zh-only slide block after the paragraph it sums up names `randn`, which
    # the English paragraph never does. Math the translator adds inside a translation is its own (the test
    # above); an inline code span is the edition naming code: it stays a block of its own (1-1 + 0-1).
    en = parse("Sometimes we want to construct tensors with elements randomly sampled from a probability "
               "distribution, for example a standard Gaussian distribution.\n\n" + cell("", "np.random.normal(0, 1)\n"))
    zh = parse("有时我们想从某个概率分布中随机采样来得到张量中每个元素的值，例如标准高斯分布。\n\n"
               ":begin_slide:\n要生成带有高斯分布的随机矩阵，我们可以使用`randn`。\n:end_slide:\n\n"
               + cell("", "np.random.normal(0, 1)\n"))
    lexicon = Lexicon({"distribution": {"分布": 1.0}, "gaussian": {"高斯": 1.0}, "random": {"随机": 1.0},
                       "randomly": {"随机": 1.0}, "sample": {"采样": 1.0}, "sampled": {"采样": 1.0},
                       "tensor": {"张量": 1.0}, "probability": {"概率": 1.0}})
    for mixed in (False, True):
        pairs = [(p.src, p.tgt) for p in align(en, zh, lexicon=lexicon, mixed_groups=mixed).pairs]
        assert ((0,), (0,)) in pairs and ((), (1,)) in pairs, (mixed, pairs)
