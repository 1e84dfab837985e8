"""`amts evaluate`: paired prose blocks, scores equal to the sacrebleu command, the study table, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli_evaluate import evaluate
from bot.evaluate import (
    STUDY_PUBLISHED,
    FileInput,
    Pairing,
    dump_lines,
    evaluate_documents,
    evaluate_files,
    pair_blocks,
    run_study,
    segments_of,
    words_only,
)
from bot.markdown.blocks import parse
from bot.quality import score_corpus, score_parts
from tests.conftest import CORPUS  # has the study's five articles (the team's ../shared/corpus copies)

SACREBLEU = Path(sys.executable).with_name("sacrebleu")

# Real text, shortened: raw Amazon Translate output (HYP) and the human edition (REF) of d2l-zh
# chapter_natural-language-processing-applications/sentiment-analysis-and-dataset.md. Text from
# 《动手学深度学习》 (https://github.com/d2l-ai/d2l-zh), CC BY-SA 4.0.
HYP = """# 情绪分析和数据集
:label:`sec_sentiment`

随着在线社交媒体和评论平台的激增，已经记录了大量有意见的数据，这些数据在支持决策过程方面具有巨大潜力。
*情绪分析 *
研究人们在制作的文本中的情绪，例如产品评论、博客评论和论坛讨论。

```{.python .input}
from d2l import mxnet as d2l
import os
```

##  阅读数据集

首先，在路径 `../data/aclImdb` 中下载并提取此 IMDB 评论数据集。

接下来，阅读训练和测试数据集。每个例子都是评论及其标签：1 表示 “正面”，0 表示 “负面”。

## 摘要

* 情绪分析研究人们在他们制作的文本中的情绪。
* 预处理后，我们可以将 IMDB 评论数据集加载到带有词汇的数据迭代器中。
"""
REF = """# 情感分析及数据集
:label:`sec_sentiment`

随着在线社交媒体和评论平台的快速发展，大量评论的数据被记录下来。这些数据具有支持决策过程的巨大潜力。
*情感分析*（sentiment analysis）研究人们在文本中
（如产品评论、博客评论和论坛讨论等）“隐藏”的情绪。

```{.python .input}
from d2l import mxnet as d2l
import os
```

```{.python .input}
#@tab paddle
from d2l import paddle as d2l
import os
```

##  读取数据集

首先，下载并提取路径`../data/aclImdb`中的IMDb评论数据集。

接下来，读取训练和测试数据集。
每个样本都是一个评论及其标签：1表示“积极”，0表示“消极”。

## 小结

* 情感分析研究人们在文本中的情感。
* 经过预处理后，我们可以使用词表将IMDb评论数据集加载到数据迭代器中。
"""


def make_app() -> typer.Typer:
    """The command as ``bot/cli.py`` registers it (``app.command()(evaluate)``), with a second command
    so typer keeps the ``evaluate`` sub-command name, as in ``amts evaluate``."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(evaluate)

    @app.command()
    def other() -> None:  # pragma: no cover - only there to keep sub-commands
        pass

    return app


def run(*args: str):
    return CliRunner().invoke(make_app(), ["evaluate", *args])


def sacrebleu_cli(ref: Path, hyp: Path, tok: str, width: int | None = None) -> tuple[str, str]:
    """BLEU and chrF exactly as the command prints them (``-b``: scores only, as a JSON list)."""
    if not SACREBLEU.exists():
        pytest.skip(f"the sacrebleu command is not installed next to {sys.executable}")
    command = [str(SACREBLEU), str(ref), "-i", str(hyp), "-tok", tok, "-m", "bleu", "chrf", "-b"]
    if width is not None:
        command += ["-w", str(width)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    bleu, chrf = json.loads(out)
    return f"{bleu:.{width or 1}f}", f"{chrf:.{width or 1}f}"


@pytest.fixture
def sample(tmp_path: Path) -> tuple[Path, Path]:
    """Two directories paired by relative path, with an ``X_origin.md`` that must be skipped."""
    hyp, ref = tmp_path / "hyp", tmp_path / "ref"
    for root, text in ((hyp, HYP), (ref, REF)):
        (root / "chapter_a").mkdir(parents=True)
        (root / "chapter_a" / "sentiment.md").write_text(text, encoding="utf-8")
        (root / "top.md").write_text(text.split("```")[0], encoding="utf-8")
        (root / "chapter_a" / "sentiment_origin.md").write_text("# Sentiment\n", encoding="utf-8")
    return hyp, ref


# --------------------------------------------------------------------------------------------------
# The numbers are sacrebleu's


def test_numbers_equal_the_sacrebleu_cli_on_the_dumped_lines(sample, tmp_path):
    hyp, ref = sample
    dump = tmp_path / "dump"
    result = run("--hyp", str(hyp), "--ref", str(ref), "--lang", "zh", "--json", "--dump", str(dump))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ours = data["corpus"]
    theirs = sacrebleu_cli(dump / "ref.txt", dump / "hyp.txt", "zh", width=2)
    assert (f"{ours['bleu']:.2f}", f"{ours['chrf']:.2f}") == theirs
    for f in data["files"]:
        per_file = sacrebleu_cli(dump / "files" / f"{f['path']}.ref.txt", dump / "files" / f"{f['path']}.hyp.txt",
                                 "zh", width=2)
        assert (f"{f['bleu']:.2f}", f"{f['chrf']:.2f}") == per_file
    assert "tok:zh" in data["signature"]["bleu"]
    assert sum(f["segments"] for f in data["files"]) == ours["segments"]
    assert len((dump / "hyp.txt").read_text(encoding="utf-8").splitlines()) == ours["segments"]


def test_the_brief_command_at_its_default_precision(sample, tmp_path):
    """`sacrebleu REF -i HYP -tok zh -m bleu chrf -b` exactly as documented prints one decimal."""
    hyp, ref = sample
    report = evaluate_files(hyp, ref, "zh")
    dump_lines(report, tmp_path / "d")
    theirs = sacrebleu_cli(tmp_path / "d" / "ref.txt", tmp_path / "d" / "hyp.txt", "zh")
    assert (f"{report.scores.bleu:.1f}", f"{report.scores.chrf:.1f}") == theirs


def test_study_numbers_equal_the_sacrebleu_cli(tmp_path):
    table = run_study(CORPUS)
    for name, report in (("raw", table.raw), ("postedit", table.postedited)):
        dump_lines(report, tmp_path / name)
        theirs = sacrebleu_cli(tmp_path / name / "ref.txt", tmp_path / name / "hyp.txt", "zh", width=2)
        assert (f"{report.scores.bleu:.2f}", f"{report.scores.chrf:.2f}") == theirs
        for f in report.files:
            files = tmp_path / name / "files"
            theirs = sacrebleu_cli(files / f"{f.path}.ref.txt", files / f"{f.path}.hyp.txt", "zh", width=2)
            assert (f"{f.scores.bleu:.2f}", f"{f.scores.chrf:.2f}") == theirs
    # The command's --dump writes the same lines, and its JSON carries the same numbers (0-1 scale).
    result = run("--study", "--corpus", str(CORPUS), "--json", "--dump", str(tmp_path / "cli"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (tmp_path / "cli" / "raw" / "hyp.txt").read_bytes() == (tmp_path / "raw" / "hyp.txt").read_bytes()
    assert data["corpus"]["bleu"] == pytest.approx(table.raw.scores.bleu / 100, abs=1e-6)
    assert [r["bleu_postedit"] for r in data["rows"]] == pytest.approx(
        [r.postedited.scores.bleu / 100 for r in table.rows], abs=1e-6)


# Same block structure: paired by position, numbers exactly sacrebleu's on the paragraph lines.
# Paragraphs of d2l-zh approx-training.md (REF) and a rewording of them (HYP), one line each.
SAME_REF = ["在 :numref:`sec_word2vec`中，我们讨论了跳元模型和连续词袋模型。",
            "回想一下，跳元模型的主要思想是使用softmax运算来计算基于给定的中心词$w_c$生成上下文字$w_o$的概率。",
            "由于softmax运算的性质，上下文词可以是词表$\\mathcal{V}$中的任意项。",
            "为了降低上述计算复杂度，本节将介绍两种近似训练方法：负采样和分层softmax。"]
SAME_HYP = ["在 :numref:`sec_word2vec` 中，我们讨论了跳元模型和连续词袋模型。",
            "略。",  # a drastically short line: by length alone it would pair with nothing
            "由于 softmax 运算的性质，上下文词可以是词汇表 $\\mathcal{V}$ 中的任何项。",
            "为了降低计算复杂度，本节介绍两种近似训练方法：负采样和分层 softmax。"]


def _same_structure_file(paragraphs: list[str]) -> str:
    code = "```{.python .input}\nfrom d2l import torch as d2l\n```"
    return "# 近似训练\n:label:`sec_approx_train`\n\n" + "\n\n".join([paragraphs[0], code, *paragraphs[1:]]) + "\n"


def test_equal_block_structure_pairs_by_position_and_reproduces_sacrebleu_exactly(tmp_path):
    hyp, ref = tmp_path / "hyp.md", tmp_path / "ref.md"
    hyp.write_text(_same_structure_file(SAME_HYP), encoding="utf-8")
    ref.write_text(_same_structure_file(SAME_REF), encoding="utf-8")
    report = evaluate_files(hyp, ref, "zh")
    (f,) = report.files
    assert f.positional and (f.unpaired_hyp, f.unpaired_ref) == (0, 0)
    assert [s.hyp for s in f.segments] == ["近似训练", *SAME_HYP]
    assert [s.ref for s in f.segments] == ["近似训练", *SAME_REF]
    # sacrebleu on the file's own lines (heading text and paragraphs), written by hand, not by --dump
    (tmp_path / "h.txt").write_text("近似训练\n" + "\n".join(SAME_HYP) + "\n", encoding="utf-8")
    (tmp_path / "r.txt").write_text("近似训练\n" + "\n".join(SAME_REF) + "\n", encoding="utf-8")
    theirs = sacrebleu_cli(tmp_path / "r.txt", tmp_path / "h.txt", "zh", width=10)
    assert (f"{report.scores.bleu:.10f}", f"{report.scores.chrf:.10f}") == theirs
    assert (f"{f.scores.bleu:.10f}", f"{f.scores.chrf:.10f}") == theirs
    direct = score_corpus(["近似训练", *SAME_HYP], ["近似训练", *SAME_REF], "zh")
    assert (report.scores.bleu, report.scores.chrf) == (direct.bleu, direct.chrf)
    # The aligner alone leaves the short line unpaired; positional pairing is what scores it.
    groups = pair_blocks(parse(hyp.read_text(encoding="utf-8")), parse(ref.read_text(encoding="utf-8")),
                         positional=False)
    assert any(not g.ref or not g.hyp or len(g.hyp) > 1 for g in groups)


def test_different_block_structure_is_not_paired_by_position(sample):
    hyp, ref = sample
    report = evaluate_files(hyp / "chapter_a" / "sentiment.md", ref / "chapter_a" / "sentiment.md", "zh")
    assert not report.files[0].positional  # REF has a paddle cell HYP lacks


def test_one_sacrebleu_pass_gives_each_part_and_the_whole_exactly():
    parts = [(SAME_HYP[:2], SAME_REF[:2]), (SAME_HYP[2:], SAME_REF[2:])]
    per_part, whole = score_parts(parts, "zh")
    for (h, r), sc in zip(parts, per_part, strict=True):
        alone = score_corpus(h, r, "zh")
        assert (sc.bleu, sc.chrf, sc.bleu_signature) == (alone.bleu, alone.chrf, alone.bleu_signature)
    alone = score_corpus(SAME_HYP, SAME_REF, "zh")
    assert (whole.bleu, whole.chrf) == (alone.bleu, alone.chrf)
    with pytest.raises(ValueError):
        score_parts([(SAME_HYP, SAME_REF[:1])], "zh")


# --------------------------------------------------------------------------------------------------
# The study table


def test_study_table_prints_five_rows_and_the_average():
    result = run("--study", "--corpus", str(CORPUS))
    assert result.exit_code == 0, result.output
    rows = [ln for ln in result.stdout.splitlines() if ln.startswith("| ")]
    by_name = {ln.split("|")[1].strip(): [c.strip() for c in ln.split("|")[2:-1]] for ln in rows}
    assert set(STUDY_PUBLISHED) <= set(by_name)
    for name, published in STUDY_PUBLISHED.items():
        cells = by_name[name]
        assert cells[0] == f"{published:.3f}"
        raw, post = float(cells[1]), float(cells[2])
        assert 0.3 < raw < 0.9 and 0.3 < post < 0.9
        assert int(cells[5]) >= 15  # segments: every article has more prose than that
    assert by_name["average"][0] == "0.536"
    assert float(by_name["average"][1]) == pytest.approx(
        sum(float(by_name[n][1]) for n in STUDY_PUBLISHED) / 5, abs=0.001)
    assert "tok:zh" in result.stdout


def test_study_pairing_through_each_sides_origin_agrees():
    """The raw MT of machine-translation-and-dataset was made from an older X_origin.md; pairing through
    both origins (with an English-English hop) gives the same segments as pairing the Chinese texts."""
    direct = json.loads(run("--study", "--corpus", str(CORPUS), "--json").stdout)
    source = json.loads(run("--study", "--corpus", str(CORPUS), "--json", "--origins").stdout)
    assert source["pairing"] == "source"
    assert [r["segments"] for r in direct["rows"]] == [r["segments"] for r in source["rows"]]
    assert [r["bleu"] for r in direct["rows"]] == [r["bleu"] for r in source["rows"]]


def test_study_without_a_corpus_is_one_clear_line(tmp_path):
    result = run("--study", "--corpus", str(tmp_path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--corpus" in result.stderr


# --------------------------------------------------------------------------------------------------
# Files and directories


def test_directory_pair(sample):
    hyp, ref = sample
    result = run("--hyp", str(hyp), "--ref", str(ref), "--lang", "zh", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [f["path"] for f in data["files"]] == ["chapter_a/sentiment.md", "top.md"]  # no *_origin.md
    sentiment = data["files"][0]
    # heading, paragraph, heading, 2 paragraphs, heading, list; the paddle cell and code are not scored
    assert sentiment["segments"] == 7
    assert sentiment["unpaired_hyp"] == sentiment["unpaired_ref"] == 0
    assert data["pairing"] == "direct" and data["lang"] == "zh"
    assert set(data) >= {"files", "corpus", "signature"}
    assert set(data["files"][0]) >= {"path", "segments", "bleu", "chrf"}


def test_file_pair_prints_a_table(sample):
    hyp, ref = sample
    result = run("--hyp", str(hyp / "top.md"), "--ref", str(ref / "top.md"), "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert re.search(r"^top\.md\s+2\s+\d+\.\d\d\s+\d+\.\d\d", result.stdout, re.M)
    assert "corpus" in result.stdout and "tok:zh" in result.stdout


def test_pairing_through_a_common_source_matches_direct(sample, tmp_path):
    src = tmp_path / "src.md"
    src.write_text("# Sentiment Analysis and the Dataset\n:label:`sec_sentiment`\n\n"
                   "With the proliferation of online social media and review platforms, a plethora of opinionated "
                   "data has been logged. *Sentiment analysis* studies people's sentiments in their produced text, "
                   "such as product reviews, blog comments, and forum discussions.\n", encoding="utf-8")
    hyp, ref = sample
    direct = evaluate_files(hyp / "top.md", ref / "top.md", "zh")
    through = evaluate_files(hyp / "top.md", ref / "top.md", "zh", src=src)
    assert through.pairing == Pairing.SOURCE
    assert [(s.hyp, s.ref) for s in through.segments] == [(s.hyp, s.ref) for s in direct.segments]


def test_postedit_rewrites_the_hypothesis_only(sample):
    hyp, ref = sample
    raw = evaluate_files(hyp, ref, "zh")
    post = evaluate_files(hyp, ref, "zh", postedit=True)
    assert [s.ref for s in raw.segments] == [s.ref for s in post.segments]
    assert "1 表示 “正面”" in " ".join(s.hyp for s in raw.segments)
    assert "1表示“正面”" in " ".join(s.hyp for s in post.segments)


# --------------------------------------------------------------------------------------------------
# Pairing details


def test_an_inserted_note_is_not_scored_against_its_neighbour():
    """The aligner merges an extra paragraph into its neighbour (1-2) because it compares lengths and
    markup, not words; same-language text lets us split it off again."""
    hyp = parse("# 标题\n\n接下来，阅读训练和测试数据集。每个例子都是评论及其标签。\n")
    ref = parse("# 标题\n\n接下来，读取训练和测试数据集。每个样本都是一个评论及其标签。\n\n"
                "译者注：本段是为了测试而插入的说明文字，原文中没有对应的内容。\n")
    groups = pair_blocks(hyp, ref)
    assert [(g.hyp, g.ref) for g in groups] == [((0,), (0,)), ((1,), (1,)), ((), (2,))]
    untrimmed = pair_blocks(hyp, ref, trim=False)
    assert ((1,), (1, 2)) in [(g.hyp, g.ref) for g in untrimmed]
    segments, unpaired_hyp, unpaired_ref = segments_of(hyp, ref, groups, "zh")
    assert len(segments) == 2 and (unpaired_hyp, unpaired_ref) == (0, 1)


def test_tab_regions_pair_their_prose_children():
    hyp = parse(":begin_tab:`mxnet`\n我们把模型混合起来。\n:end_tab:\n")
    ref = parse(":begin_tab:`mxnet`\n我们将模型混合化。\n:end_tab:\n")
    report = evaluate_documents(FileInput("t.md", hyp, ref), "zh")
    assert [(s.hyp, s.ref) for s in report.segments] == [("我们把模型混合起来。", "我们将模型混合化。")]


def test_words_only_drops_markup_but_keeps_words_a_url_swallowed():
    text = "回想 :numref:`sec_x` 中 $w_o$ 的 `code` 和[数据集]（https://ai.stanford.edu/x/）进行情绪分析。"
    out = words_only(text)
    assert ":numref:" not in out and "$" not in out and "`" not in out and "https" not in out
    assert "进行情绪分析。" in out


def test_scores_are_bot_quality_scores(sample):
    hyp, ref = sample
    report = evaluate_files(hyp, ref, "zh")
    again = score_corpus([s.hyp for s in report.segments], [s.ref for s in report.segments], "zh")
    assert report.scores == again


def test_non_chinese_uses_13a(sample):
    hyp, ref = sample
    assert "tok:13a" in evaluate_files(hyp, ref, "tr").scores.bleu_signature


# --------------------------------------------------------------------------------------------------
# Bad input: one line on stderr, exit 2


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_missing_file(sample, tmp_path):
    hyp, _ = sample
    err = one_line_error(run("--hyp", str(hyp / "top.md"), "--ref", str(tmp_path / "nope.md"), "--lang", "zh"))
    assert "nope.md" in err and "no such file" in err


def test_unparsable_markdown(sample, tmp_path):
    _, ref = sample
    bad = tmp_path / "bad.md"
    bad.write_text("# 标题\n\n```python\nprint(1)\n", encoding="utf-8")
    err = one_line_error(run("--hyp", str(bad), "--ref", str(ref / "top.md"), "--lang", "zh"))
    assert "bad.md:3" in err and "never closed" in err


def test_no_pairs(tmp_path):
    (tmp_path / "h.md").write_text("```python\nx = 1\n```\n", encoding="utf-8")
    (tmp_path / "r.md").write_text("$$x = 1$$\n", encoding="utf-8")
    err = one_line_error(run("--hyp", str(tmp_path / "h.md"), "--ref", str(tmp_path / "r.md"), "--lang", "zh"))
    assert "no prose block" in err


def test_file_against_directory(sample):
    hyp, ref = sample
    err = one_line_error(run("--hyp", str(hyp / "top.md"), "--ref", str(ref), "--lang", "zh"))
    assert "two files or two directories" in err


def test_hypothesis_without_reference_in_a_directory(sample):
    hyp, ref = sample
    (hyp / "extra.md").write_text("# 额外\n", encoding="utf-8")
    err = one_line_error(run("--hyp", str(hyp), "--ref", str(ref), "--lang", "zh"))
    assert "extra.md" in err and "no reference" in err


def test_missing_options():
    err = one_line_error(run("--hyp", "x.md"))
    assert "--ref" in err and "--lang" in err


def test_postedit_for_a_language_without_rules(sample):
    hyp, ref = sample
    err = one_line_error(run("--hyp", str(hyp), "--ref", str(ref), "--lang", "xx", "--postedit"))
    assert "xx" in err
