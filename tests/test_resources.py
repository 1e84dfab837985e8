"""Parallel data and terminology lifecycle through boto3 against the Translate emulator and moto S3."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from bot import paralleldata as pd
from bot.translate.aws import AwsTranslateConfig, AwsTranslateEngine
from bot.translate.base import EngineError
from bot.translate.resources import import_terminology, push_parallel_data, terminology_pairs
from tests.conftest import DATA
from tests.standins.fixtures import make_request

TERMS = "# 术语\n\n## 英汉术语对照\n\n鞍点，saddle point\n\n长短期记忆网络，long short-term memory (LSTM)\n"


def no_sleep(_s: float) -> None:
    pass


def edition_tmx(tmp_path: Path) -> Path:
    root = tmp_path / "ed" / "chapter_x"
    root.mkdir(parents=True)
    for name in ("approx-training.md", "approx-training_origin.md"):
        (root / name).write_bytes((DATA / "zh" / name).read_bytes())
    report = pd.build(tmp_path / "ed", "zh")
    out = tmp_path / "zh.tmx"
    pd.write_atomic(out, pd.render(report.pairs, "en", "zh", "tmx"))
    return out


def test_parallel_data_create_then_update_then_use_in_a_batch_job(aws_env, tmp_path):
    tmx = edition_tmx(tmp_path)
    bucket = aws_env.s3.new_bucket()
    first = push_parallel_data(tmx, "d2l-zh", bucket, sleep=no_sleep)
    assert (first.operation, first.status) == ("created", "ACTIVE") and first.imported > 20
    second = push_parallel_data(tmx, "d2l-zh", bucket, sleep=no_sleep)
    assert (second.operation, second.status) == ("updated", "ACTIVE")
    ops = aws_env.translate.operations()
    assert ops.count("CreateParallelData") == 1 and ops.count("UpdateParallelData") == 1
    engine = AwsTranslateEngine(AwsTranslateConfig(mode="batch", parallel_data_name="d2l-zh", bucket=bucket,
                                                   role_arn="arn:aws:iam::123456789012:role/amts"),
                                sleep=no_sleep)
    source = "Recall our discussions in :numref:`sec_word2vec`."
    (result,) = engine.translate([make_request("a#0", source)])
    assert result.ok and result.chars_billed > 0
    start = next(c.body for c in aws_env.translate.calls if c.operation == "StartTextTranslationJob")
    assert start["ParallelDataNames"] == ["d2l-zh"]


def test_push_errors_are_one_clear_message(aws_env, tmp_path):
    with pytest.raises(EngineError, match="must be .tmx"):
        push_parallel_data(tmp_path / "x.txt", "n", "b")
    tmx = edition_tmx(tmp_path)
    with pytest.raises(EngineError, match="upload to s3://no-such-bucket"):
        push_parallel_data(tmx, "n", "no-such-bucket", sleep=no_sleep)


def test_terminology_import(aws_env, tmp_path):
    path = tmp_path / "TERMINOLOGY.md"
    path.write_text(TERMS, encoding="utf-8")
    assert terminology_pairs(TERMS) == [("saddle point", "鞍点"), ("long short-term memory (LSTM)", "长短期记忆网络")]
    n, props = import_terminology(path, "d2l-zh-terms", "zh")
    assert n == 2 and props["Name"] == "d2l-zh-terms"
    got = boto3.client("translate").get_terminology(Name="d2l-zh-terms", TerminologyDataFormat="CSV")
    assert got["TerminologyProperties"]["TermCount"] == 2


def test_cli_terminology_push(aws_env, tmp_path):
    path = tmp_path / "TERMINOLOGY.md"
    path.write_text(TERMS, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "bot", "terminology", "push", str(path), "--name", "t", "--lang",
                          "zh"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "2 terms imported" in out.stdout
    out = subprocess.run([sys.executable, "-m", "bot", "terminology", "push", str(tmp_path / "missing.md"),
                          "--name", "t", "--lang", "zh"], capture_output=True, text=True)
    assert out.returncode == 2 and "no such file" in out.stderr
