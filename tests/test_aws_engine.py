"""AwsTranslateEngine end to end: boto3 -> the Translate emulator and moto S3, via endpoint env vars only."""

from __future__ import annotations

import json
import socket
from typing import Any

import boto3
import pytest

from bot.markdown.htmlseg import from_html, placeholder_problem, to_html
from bot.translate.aws import AwsTranslateConfig, AwsTranslateEngine, RetryPolicy
from bot.translate.base import EngineError, TranslationRequest
from bot.translate.budget import Budget, BudgetExceeded, apportion
from tests.conftest import CORPUS
from tests.standins.fixtures import AwsEnv, make_request, restore

RAW_MT = CORPUS / "d2l-zh-raw-mt"
ROLE = "arn:aws:iam::123456789012:role/amts-translate"
FAST = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0)

SEGMENTS = [
    make_request("a.md#1", "The loss $\\ell$ is averaged over :numref:`sec_sgd`."),
    make_request("a.md#2", "Call `net(X)` to get the output of shape $(n, q)$."),
    make_request("a.md#3", "Plain prose without markup."),
]


class Sleeps(list[float]):
    """An injectable sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def engine(sleeps: Sleeps | None = None, **config: Any) -> AwsTranslateEngine:
    config.setdefault("retry", FAST)
    return AwsTranslateEngine(AwsTranslateConfig(**config), sleep=sleeps if sleeps is not None else Sleeps())


def tmx(pairs: list[tuple[str, str]]) -> bytes:
    units = "".join(
        f'<tu><tuv xml:lang="en"><seg>{s}</seg></tuv><tuv xml:lang="zh"><seg>{t}</seg></tuv></tu>'
        for s, t in pairs
    )
    return f'<tmx version="1.4"><header srclang="en"/><body>{units}</body></tmx>'.encode()


# -- htmlseg and budget helpers (pure) -----------------------------------------------------------


def test_htmlseg_round_trip_and_garbled_span() -> None:
    originals = {0: "`a<b`", 1: "$x & y$"}
    html = to_html("If ⟦0⟧ < ⟦1⟧ & more", originals)
    assert html == (
        'If <span translate="no" data-p="0">`a&lt;b`</span> &lt; '
        '<span translate="no" data-p="1">$x &amp; y$</span> &amp; more'
    )
    assert from_html(html) == "If ⟦0⟧ < ⟦1⟧ & more"
    assert (
        from_html('<span translate=no data-p=\'1\'>$x$</span> then <span translate="no" data-p="0">a</span>')
        == "⟦1⟧ then ⟦0⟧"
    )
    garbled = from_html('If <span translate="no" data-p="zero">`a&lt;b`</span> ok ⟦1⟧')
    assert garbled == "If `a<b` ok ⟦1⟧"
    assert placeholder_problem("⟦0⟧ and ⟦1⟧", garbled) == "placeholder ⟦0⟧ missing"
    assert (
        placeholder_problem("⟦0⟧", "⟦0⟧ ⟦0⟧ ⟦4⟧") == "placeholder ⟦0⟧ duplicated; unexpected placeholder ⟦4⟧"
    )
    with pytest.raises(ValueError, match="⟦2⟧"):
        to_html("⟦2⟧", {})


def test_apportion_sums_exactly() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(apportion(1001, [7, 13, 29, 0])) == 1001
    assert apportion(5, []) == []


# -- real time -----------------------------------------------------------------------------------


def test_realtime_packs_segments_into_one_call_and_bills_the_payload(aws_env: AwsEnv) -> None:
    eng = engine(mode="realtime")
    estimate = eng.estimate(SEGMENTS)
    results = eng.translate(SEGMENTS)
    assert aws_env.translate.operations() == ["TranslateText"]
    assert [r.id for r in results] == [s.id for s in SEGMENTS]
    assert all(r.ok for r in results), results
    assert results[0].text == "译The 译loss ⟦0⟧ 译is 译averaged 译over ⟦1⟧."
    assert (
        restore(results[1].text or "", SEGMENTS[1])
        == "译Call `net(X)` 译to 译get 译the 译output 译of 译shape $(n, q)$."
    )
    assert sum(r.chars_billed for r in results) == estimate == aws_env.translate.billed_chars
    assert eng.last_mode is not None and eng.last_mode.mode == "realtime"


def test_realtime_packs_respect_the_byte_limit_and_refuse_oversize_segments(aws_env: AwsEnv) -> None:
    long_zh = make_request("zh#big", "字" * 100)  # 300 bytes + the <p> wrapper: over the 300-byte test limit
    requests = [*SEGMENTS, long_zh, make_request("x#4", "Another short one.")]
    results = engine(mode="realtime", max_request_bytes=300).translate(requests)
    texts = [c.body["Text"] for c in aws_env.translate.calls]
    assert [t.count("<p ") for t in texts] == [2, 2] and all(len(t.encode("utf-8")) <= 300 for t in texts)
    assert "字" not in "".join(texts)
    assert (
        results[3].error is not None
        and "segment is 319 bytes of HTML" in results[3].error
        and results[3].chars_billed == 0
    )
    assert [r.ok for r in results] == [True, True, True, False, True]


def test_throttling_is_retried_with_exponential_backoff(aws_env: AwsEnv) -> None:
    aws_env.translate.faults.throttle = 2
    aws_env.translate.faults.unavailable = 1
    sleeps = Sleeps()
    results = engine(sleeps, mode="realtime").translate(SEGMENTS)
    assert all(r.ok for r in results)
    assert [c.error for c in aws_env.translate.calls] == [
        "TooManyRequestsException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        None,
    ]
    assert sleeps == [0.5, 1.0, 2.0]


def test_throttling_that_never_stops_fails_the_segments_not_the_run(aws_env: AwsEnv) -> None:
    aws_env.translate.faults.throttle = 100
    results = engine(mode="realtime").translate(SEGMENTS)
    assert len(aws_env.translate.calls) == FAST.max_attempts
    assert all(not r.ok and "TooManyRequestsException" in (r.error or "") for r in results)


def test_dropped_placeholder_fails_only_that_segment(aws_env: AwsEnv) -> None:
    aws_env.translate.faults.drop_spans_in = ["Call"]
    aws_env.translate.faults.move_spans_in = ["loss"]
    results = engine(mode="realtime").translate(SEGMENTS)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error == "placeholder ⟦0⟧ missing; placeholder ⟦1⟧ missing"
    assert results[0].text == "译The 译loss  译is 译averaged 译over ⟦1⟧.⟦0⟧"  # moved, still mapped by data-p


def test_terminology_is_passed_and_applied(aws_env: AwsEnv) -> None:
    boto3.client("translate").import_terminology(
        Name="d2l-zh",
        MergeStrategy="OVERWRITE",
        TerminologyData={"File": "en,zh\nprose,散文\n".encode(), "Format": "CSV"},
    )
    results = engine(mode="realtime", terminology_names=("d2l-zh",)).translate(SEGMENTS[2:])
    assert results[0].text == "译Plain 散文 译without 译markup."
    assert aws_env.translate.operations() == ["ImportTerminology", "TranslateText"]
    assert aws_env.translate.calls[1].body["TerminologyNames"] == ["d2l-zh"]


def test_recorded_raw_mt_paragraph_comes_back_through_the_engine(aws_env: AwsEnv) -> None:
    en = (RAW_MT / "chapter_optimization" / "sgd_origin.md").read_text(encoding="utf-8").split("\n\n")
    zh = (RAW_MT / "chapter_optimization" / "sgd.md").read_text(encoding="utf-8").split("\n\n")
    i = next(i for i, block in enumerate(en) if block.startswith("In deep learning, the objective function"))
    request = make_request("sgd.md#5", en[i])
    assert request.text.count("⟦") == 4
    [result] = engine(mode="realtime").translate([request])
    assert result.ok, result
    assert restore(result.text or "", request) == zh[i].strip()  # the engine trims outer whitespace only


# -- batch ACT -----------------------------------------------------------------------------------


def create_active_parallel_data(env: AwsEnv, bucket: str, name: str) -> list[dict[str, Any]]:
    """Create from v1, then update to v2, waiting the way an operator would; returns the observed states."""
    s3, tr = env.s3.client(), boto3.client("translate")
    s3.put_object(Bucket=bucket, Key="tm/v1.tmx", Body=tmx([("Plain prose without markup.", "旧的纯文本。")]))
    s3.put_object(
        Bucket=bucket, Key="tm/v2.tmx", Body=tmx([("Plain prose without markup.", "没有标记的纯文本。")])
    )
    tr.create_parallel_data(
        Name=name, ParallelDataConfig={"S3Uri": f"s3://{bucket}/tm/v1.tmx", "Format": "TMX"}
    )
    seen = [tr.get_parallel_data(Name=name)["ParallelDataProperties"]]
    while seen[-1]["Status"] == "CREATING":
        seen.append(tr.get_parallel_data(Name=name)["ParallelDataProperties"])
    tr.update_parallel_data(
        Name=name, ParallelDataConfig={"S3Uri": f"s3://{bucket}/tm/v2.tmx", "Format": "TMX"}
    )
    seen.append(tr.get_parallel_data(Name=name)["ParallelDataProperties"])
    while seen[-1].get("LatestUpdateAttemptStatus") == "UPDATING":
        seen.append(tr.get_parallel_data(Name=name)["ParallelDataProperties"])
    return seen


def test_batch_act_job_uses_updated_parallel_data(aws_env: AwsEnv) -> None:
    bucket = aws_env.s3.new_bucket()
    states = create_active_parallel_data(aws_env, bucket, "d2l-zh-tm")
    assert [(s["Status"], s.get("LatestUpdateAttemptStatus")) for s in states] == [
        ("CREATING", None),
        ("ACTIVE", None),
        ("ACTIVE", "UPDATING"),
        ("ACTIVE", "ACTIVE"),
    ]
    aws_env.translate.job_polls = 3
    sleeps = Sleeps()
    eng = engine(
        sleeps,
        mode="batch",
        parallel_data_name="d2l-zh-tm",
        bucket=bucket,
        role_arn=ROLE,
        input_prefix="sync/in",
        output_prefix="sync/out",
        poll_initial_s=5,
        poll_max_s=60,
    )
    results = eng.translate(SEGMENTS)

    assert all(r.ok for r in results), results
    assert results[2].text == "没有标记的纯文本。"  # the v2 parallel-data target, not v1
    assert results[0].text == "译The 译loss ⟦0⟧ 译is 译averaged 译over ⟦1⟧."
    start = next(c.body for c in aws_env.translate.calls if c.operation == "StartTextTranslationJob")
    assert start["ParallelDataNames"] == ["d2l-zh-tm"] and start["DataAccessRoleArn"] == ROLE
    assert start["InputDataConfig"]["S3Uri"].startswith(f"s3://{bucket}/sync/in/")
    keys = [
        o["Key"] for o in aws_env.s3.client().list_objects_v2(Bucket=bucket, Prefix="sync/in/")["Contents"]
    ]
    assert len(keys) == 3 and all(k.count("/") == 3 for k in keys)  # inside a run folder, never the root
    assert sleeps == [5, 10]  # Describe #1 IN_PROGRESS, #2 IN_PROGRESS, #3 COMPLETED
    job_id = eng.last_job_id
    details_key = (
        f"sync/out/{start['ClientToken']}/123456789012-TranslateText-{job_id}/details/"
        "zh.auxiliary-translation-details.json"
    )
    details = json.loads(aws_env.s3.client().get_object(Bucket=bucket, Key=details_key)["Body"].read())
    assert sum(r.chars_billed for r in results) == int(details["charactersTranslated"]) > 0
    assert eng.estimate(SEGMENTS) >= int(details["charactersTranslated"])
    assert eng.last_mode is not None and eng.last_mode.act
    assert eng.summary().startswith(
        "aws batch (ACT): mode is set to batch with parallel data 'd2l-zh-tm'; job "
    )


def test_failed_batch_document_fails_only_its_segment(aws_env: AwsEnv) -> None:
    bucket = aws_env.s3.new_bucket()
    aws_env.translate.faults.fail_documents = ["000001.html"]
    results = engine(mode="batch", bucket=bucket, role_arn=ROLE).translate(SEGMENTS)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error == (
        "batch document 000001.html failed: Injected failure: the document could not be translated."
    )
    assert results[1].chars_billed == 0 and results[0].chars_billed > 0


def test_batch_refuses_parallel_data_that_is_not_active(aws_env: AwsEnv) -> None:
    bucket = aws_env.s3.new_bucket()
    aws_env.s3.client().put_object(Bucket=bucket, Key="tm.csv", Body=b"en,zh\n-bad,-bad\n")
    tr = boto3.client("translate")
    tr.create_parallel_data(
        Name="broken", ParallelDataConfig={"S3Uri": f"s3://{bucket}/tm.csv", "Format": "CSV"}
    )
    tr.get_parallel_data(Name="broken")
    tr.get_parallel_data(Name="broken")  # now FAILED
    eng = engine(mode="batch", parallel_data_name="broken", bucket=bucket, role_arn=ROLE)
    with pytest.raises(
        EngineError, match=r"parallel data 'broken' is FAILED, not ACTIVE \(Invalid CSV format"
    ):
        eng.translate(SEGMENTS)
    assert "StartTextTranslationJob" not in aws_env.translate.operations()


def test_batch_mode_without_bucket_is_a_config_error(aws_env: AwsEnv) -> None:
    with pytest.raises(EngineError, match="engines.aws.bucket"):
        engine(mode="batch").translate(SEGMENTS)
    assert aws_env.translate.calls == []


# -- mode, cost, budget --------------------------------------------------------------------------


def test_auto_mode_explains_its_choice() -> None:
    no_pd = engine(mode="auto")
    small = engine(mode="auto", parallel_data_name="tm", bucket="b", role_arn=ROLE)
    large = engine(mode="auto", parallel_data_name="tm", bucket="b", role_arn=ROLE, batch_threshold_chars=100)
    no_bucket = engine(mode="auto", parallel_data_name="tm", batch_threshold_chars=100)
    assert no_pd.choose_mode(SEGMENTS).mode == "realtime"
    assert "no parallel data" in no_pd.choose_mode(SEGMENTS).reason
    assert (
        small.choose_mode(SEGMENTS).mode == "realtime"
        and "under the 20,000" in small.choose_mode(SEGMENTS).reason
    )
    assert large.choose_mode(SEGMENTS).mode == "batch" and large.choose_mode(SEGMENTS).act
    assert (
        no_bucket.choose_mode(SEGMENTS).mode == "realtime"
        and "no bucket" in no_bucket.choose_mode(SEGMENTS).reason
    )


def test_cost_uses_the_act_price_only_for_batch_with_parallel_data() -> None:
    rt = engine(mode="realtime")
    act = engine(mode="batch", parallel_data_name="tm", bucket="b", role_arn=ROLE)
    plain_batch = engine(mode="batch", bucket="b", role_arn=ROLE)
    assert rt.estimate_cost(SEGMENTS) == pytest.approx(rt.estimate(SEGMENTS) * 15 / 1e6)
    assert act.estimate_cost(SEGMENTS) == pytest.approx(act.estimate(SEGMENTS) * 60 / 1e6)
    assert plain_batch.estimate_cost(SEGMENTS) == pytest.approx(plain_batch.estimate(SEGMENTS) * 15 / 1e6)
    assert act.estimate(SEGMENTS) > rt.estimate(SEGMENTS)  # batch documents carry <html><body> too


def test_over_budget_is_refused_before_any_request(aws_env: AwsEnv) -> None:
    eng = engine(mode="realtime")
    budget = Budget(max_chars=eng.estimate(SEGMENTS) - 1)
    with pytest.raises(BudgetExceeded, match="would bill about .* characters for 3 segments"):
        budget.check(eng, SEGMENTS)
    assert aws_env.translate.calls == []
    ok = Budget(max_chars=eng.estimate(SEGMENTS))
    assert ok.check(eng, SEGMENTS) == eng.estimate(SEGMENTS)
    assert ok.record(eng.translate(SEGMENTS)) == eng.estimate(SEGMENTS) and ok.remaining == 0


# -- environment failures ------------------------------------------------------------------------


def test_bad_credentials_give_one_clear_error(aws_env: AwsEnv) -> None:
    aws_env.translate.valid_access_keys = {"AKIAREALKEY"}
    with pytest.raises(EngineError, match="rejected the AWS credentials .*UnrecognizedClientException"):
        engine(mode="realtime").translate(SEGMENTS)


def test_unreachable_endpoint_gives_one_clear_error(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_TRANSLATE", f"http://127.0.0.1:{port}")
    with pytest.raises(EngineError, match=f"cannot reach Amazon Translate at http://127.0.0.1:{port}"):
        engine(mode="realtime").translate(SEGMENTS)


def test_missing_region_and_bad_config_are_engine_errors(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(EngineError, match="no AWS region"):
        engine(mode="realtime").translate(SEGMENTS)
    with pytest.raises(EngineError, match="one terminology"):
        AwsTranslateConfig(terminology_names=("a", "b"))
    with pytest.raises(EngineError, match="realtime, batch or auto"):
        AwsTranslateConfig(mode="fast")  # type: ignore[arg-type]


def test_unknown_terminology_is_a_configuration_error(aws_env: AwsEnv) -> None:
    with pytest.raises(EngineError, match="refused the configuration \\(ResourceNotFoundException"):
        engine(mode="realtime", terminology_names=("missing",)).translate(SEGMENTS)
    assert len(aws_env.translate.calls) == 1  # not retried


def test_segment_without_html_rendering_still_round_trips(aws_env: AwsEnv) -> None:
    [result] = engine(mode="realtime").translate([TranslationRequest("t#1", "Keep ⟦0⟧ here.")])
    assert result.text == "译Keep ⟦0⟧ 译here."
