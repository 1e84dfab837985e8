"""The sync with paid engines, end to end through boto3/httpx against the local stand-ins."""

from __future__ import annotations

import git

from bot.sync.replay import build_replay
from bot.sync.report import build_report, pr_body
from bot.sync.runner import SyncOptions, run_sync
from bot.translate.factory import make_engine
from tests.conftest import ROOT

SAMPLE = ROOT / "examples" / "r2-hybridize"
HYB = "chapter_computational-performance/hybridize.md"
#: The sample's Chinese is already ahead of its upstream change (nothing to send): re-translation of its
#: five changed blocks is requested, as a reviewer's ``/amts retranslate`` would.
FORCED = {HYB: frozenset({25, 30, 31, 43, 53})}


def test_sync_with_amazon_translate_realtime(aws_env, tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    result = run_sync(SyncOptions(str(upstream), str(edition), "zh", engine="aws", force=FORCED),
                      lambda *_: make_engine("aws", lang="zh"))
    report = build_report(result)
    assert result.commit and report["chars_billed"] > 0
    assert report["chars_billed"] == aws_env.translate.billed_chars
    assert set(aws_env.translate.operations()) == {"TranslateText"}
    units = [u for u in result.jobs[0].outcome.units if u.action == "retranslate"]
    assert len(units) == 5 and all(u.status == "ok" and u.engines == ["aws"] for u in units)
    assert "realtime" in result.engine_summary
    assert result.cost_usd > 0 and "$0.0" in pr_body(result, report, result.cost_usd)
    text = (git.Repo(edition).commit("amts/sync-zh").tree / "chapter_computational-performance/hybridize.md")
    assert "`tf.keras.Sequential`" in text.data_stream.read().decode()


def test_sync_engine_dropping_a_placeholder_fails_only_that_block(aws_env, tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    aws_env.translate.faults.drop_spans_in = ["tf.keras.Sequential"]
    result = run_sync(SyncOptions(str(upstream), str(edition), "zh", engine="aws", force=FORCED),
                      lambda *_: make_engine("aws", lang="zh"))
    units = [u for u in result.jobs[0].outcome.units if u.action == "retranslate"]
    failed = [u for u in units if u.status == "failed"]
    assert len(failed) == 1 and "tf.keras.Sequential" in failed[0].old_text
    assert any("placeholder" in n or "markup" in n for n in failed[0].notes)
    assert sum(u.status == "ok" for u in units) == 4
