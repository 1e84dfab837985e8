"""BLEU/chrF: our numbers are exactly what the sacrebleu command prints for the same lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.quality import Scores, score_corpus, score_sentence, tokenizer_for

SACREBLEU = Path(sys.executable).with_name("sacrebleu")

# Real lines: raw Amazon Translate output (hyp) and the human post-edit (ref) of d2l-zh
# chapter_natural-language-processing-pretraining/word2vec.md. Text from 《动手学深度学习》
# (https://github.com/d2l-ai/d2l-zh), CC BY-SA 4.0.
ZH_HYP = [
    "自然语言是用来表达意义的复杂系统。在这个系统中，单词是含义的基本单位。",
    "由于任何两个不同单词的单热矢量之间的余弦相似性为 0，因此单热向量无法编码单词之间的相似之处。",
    "在下面，我们将介绍这两种模型及其训练方法。",
]
ZH_REF = [
    "自然语言是用来表达人脑思维的复杂系统。在这个系统中，词是意义的基本单元。",
    "由于任意两个不同词的独热向量之间的余弦相似度为0，所以独热向量不能编码词之间的相似性。",
    "下面，我们将介绍这两种模式及其训练方法。",
]
EN_HYP = ["The cat sat on the mat.", "Deep learning is a subset of machine learning."]
EN_REF = ["The cat is sitting on the mat.", "Deep learning is part of machine learning."]


def cli(hyps: list[str], refs: list[str], tok: str, tmp_path: Path) -> dict[str, dict]:
    if not SACREBLEU.exists():
        pytest.skip(f"the sacrebleu command is not installed next to {sys.executable}")
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("\n".join(hyps) + "\n", encoding="utf-8")
    ref.write_text("\n".join(refs) + "\n", encoding="utf-8")
    command = [str(SACREBLEU), str(ref), "-i", str(hyp), "-tok", tok, "-m", "bleu", "chrf", "-w", "4"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {d["name"]: d for d in json.loads(out)}


@pytest.mark.parametrize(("lang", "hyps", "refs"), [("zh", ZH_HYP, ZH_REF), ("en", EN_HYP, EN_REF),
                                                    ("ja", ZH_HYP, ZH_REF)])
def test_corpus_scores_equal_the_cli(lang, hyps, refs, tmp_path):
    ours = score_corpus(hyps, refs, lang)
    theirs = cli(hyps, refs, tokenizer_for(lang), tmp_path)
    assert round(ours.bleu, 4) == theirs["BLEU"]["score"]
    assert round(ours.chrf, 4) == theirs["chrF2"]["score"]
    assert ours.bleu_signature == theirs["BLEU"]["signature"]
    assert ours.chrf_signature == theirs["chrF2"]["signature"]


def test_the_brief_command_at_default_precision(tmp_path):
    """`sacrebleu REF -i HYP -tok zh -m bleu chrf` as written (one decimal)."""
    if not SACREBLEU.exists():
        pytest.skip(f"the sacrebleu command is not installed next to {sys.executable}")
    (tmp_path / "h").write_text("\n".join(ZH_HYP) + "\n", encoding="utf-8")
    (tmp_path / "r").write_text("\n".join(ZH_REF) + "\n", encoding="utf-8")
    out = subprocess.run([str(SACREBLEU), str(tmp_path / "r"), "-i", str(tmp_path / "h"), "-tok", "zh",
                          "-m", "bleu", "chrf"], capture_output=True, text=True, check=True).stdout
    printed = {d["name"]: d["score"] for d in json.loads(out)}
    ours = score_corpus(ZH_HYP, ZH_REF, "zh")
    assert round(ours.bleu, 1) == printed["BLEU"] and round(ours.chrf, 1) == printed["chrF2"]


def test_tokenizers():
    assert tokenizer_for("zh") == "zh"
    assert tokenizer_for("ja") == tokenizer_for("ko") == "char"  # MeCab is not a dependency
    assert {tokenizer_for(x) for x in ("tr", "vi", "pt", "en")} == {"13a"}
    assert "tok:zh" in score_corpus(ZH_HYP, ZH_REF, "zh").bleu_signature
    assert "tok:char" in score_corpus(ZH_HYP, ZH_REF, "ko").bleu_signature


def test_zh_bleu_ignores_spacing_but_not_characters():
    assert score_corpus(["我们 在 这里 。"], ["我们在这里。"], "zh").bleu == pytest.approx(100.0)
    assert score_corpus(["我们在那里。"], ["我们在这里。"], "zh").bleu < 100.0


def test_sentence_scores_use_effective_order():
    s = score_sentence("猫坐在垫子上", "猫坐在垫子上了", "zh")
    assert isinstance(s, Scores) and 0 < s.bleu < 100 and 0 < s.chrf < 100
    assert "eff:yes" in s.bleu_signature
    assert score_sentence("完全一样", "完全一样", "zh").bleu == pytest.approx(100.0)
    assert s.short().startswith("BLEU ") and "chrF" in s.short()


def test_multiline_blocks_score_like_one_line():
    block = "第一行\n第二行"
    assert score_sentence(block, "第一行第二行", "zh").bleu == pytest.approx(100.0)


def test_scores_are_frozen():
    s = score_sentence("a b c d", "a b c d", "en")
    with pytest.raises(AttributeError):
        s.bleu = 0  # type: ignore[misc]


def test_bad_input_gives_one_clear_message():
    with pytest.raises(ValueError, match="2 translations but 1 references"):
        score_corpus(["a", "b"], ["a"], "en")
    with pytest.raises(ValueError, match="no segments"):
        score_corpus([], [], "en")
    with pytest.raises(TypeError, match="lists of segments"):
        score_corpus("a b", "a b", "en")  # type: ignore[arg-type]
