"""The Amazon Translate emulator behaves like the service where AMTS depends on it.

These tests talk to the emulator the way production code talks to AWS: unmodified boto3 (or raw HTTP
for the wire format), endpoints from the environment, S3 on moto's server.
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import CORPORA, CORPUS, Corpus
from tests.standins.aws_translate import TranslateEmulator, load_recorded
from tests.standins.fixtures import AwsEnv

RAW_MT = CORPUS / "d2l-zh-raw-mt"

ROLE = "arn:aws:iam::123456789012:role/amts-translate"
NO_RETRY = Config(retries={"total_max_attempts": 1})


def translate_client(retries: bool = False) -> Any:
    return boto3.client("translate", config=None if retries else NO_RETRY)


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def put(env: AwsEnv, bucket: str, key: str, body: str) -> str:
    env.s3.client().put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
    return f"s3://{bucket}/{key}"


def poll_parallel(tr: Any, name: str, field: str = "Status", until: str = "ACTIVE", limit: int = 10) -> dict:
    for _ in range(limit):
        props = tr.get_parallel_data(Name=name)["ParallelDataProperties"]
        if props.get(field) not in ("CREATING", "UPDATING"):
            assert props.get(field) == until, props
            return props
    raise AssertionError(f"{name} never left CREATING/UPDATING")


# -- real-time -----------------------------------------------------------------------------------


def test_translate_text_keeps_no_translate_spans_byte_identical(aws_env: AwsEnv) -> None:
    text = (
        '<p data-id="0">Hello <span translate="no" data-p="0">$x &lt; 1$</span> world</p>'
        '<p data-id="1">Tom &amp; Jerry</p>'
    )
    out = translate_client().translate_text(Text=text, SourceLanguageCode="en", TargetLanguageCode="zh")
    assert out["TranslatedText"] == (
        '<p data-id="0">译Hello <span translate="no" data-p="0">$x &lt; 1$</span> '
        '译world</p><p data-id="1">译Tom &amp; 译Jerry</p>'
    )
    assert (out["SourceLanguageCode"], out["TargetLanguageCode"]) == ("en", "zh")
    assert aws_env.translate.billed_chars == len(text)


def test_translate_text_limit_is_10000_bytes_not_characters(aws_env: AwsEnv) -> None:
    tr = translate_client()
    tr.translate_text(
        Text="字" * 3333 + "a", SourceLanguageCode="zh", TargetLanguageCode="en"
    )  # 10,000 bytes
    with pytest.raises(ClientError) as exc:
        tr.translate_text(Text="字" * 3334, SourceLanguageCode="zh", TargetLanguageCode="en")  # 3,334 chars
    assert code_of(exc) == "TextSizeLimitExceededException"
    assert "10002 bytes" in exc.value.response["Error"]["Message"]


def test_error_responses_have_the_json_1_1_shape(aws_env: AwsEnv) -> None:
    resp = httpx.post(
        aws_env.translate.url + "/",
        headers={
            "X-Amz-Target": "AWSShineFrontendService_20170701.GetParallelData",
            "Content-Type": "application/x-amz-json-1.1",
        },
        content=b'{"Name": "nope"}',
    )
    assert resp.status_code == 400
    assert resp.headers["content-type"] == "application/x-amz-json-1.1"
    assert resp.json() == {
        "__type": "ResourceNotFoundException",
        "Message": "The parallel data nope could not be found.",
    }


def test_injected_throttling_and_unavailability_raise_the_real_codes(aws_env: AwsEnv) -> None:
    tr = translate_client()
    aws_env.translate.faults.throttle = 1
    aws_env.translate.faults.unavailable = 1
    with pytest.raises(ClientError) as throttled:
        tr.translate_text(Text="a", SourceLanguageCode="en", TargetLanguageCode="de")
    with pytest.raises(ClientError) as unavailable:
        tr.translate_text(Text="a", SourceLanguageCode="en", TargetLanguageCode="de")
    assert code_of(throttled) == "TooManyRequestsException"
    assert code_of(unavailable) == "ServiceUnavailableException"
    assert unavailable.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert (
        tr.translate_text(Text="a", SourceLanguageCode="en", TargetLanguageCode="de")["TranslatedText"]
        == "‹de›a"
    )


def test_botocore_standard_retries_ride_over_a_throttle(aws_env: AwsEnv) -> None:
    aws_env.translate.faults.throttle = 1
    tr = boto3.client("translate", config=Config(retries={"mode": "standard", "max_attempts": 3}))
    assert (
        tr.translate_text(Text="hi", SourceLanguageCode="en", TargetLanguageCode="ja")["TranslatedText"]
        == "訳hi"
    )
    assert [c.error for c in aws_env.translate.calls] == ["TooManyRequestsException", None]


def test_unknown_access_key_is_rejected(aws_env: AwsEnv) -> None:
    aws_env.translate.valid_access_keys = {"AKIAREAL"}
    with pytest.raises(ClientError) as exc:
        translate_client().translate_text(Text="a", SourceLanguageCode="en", TargetLanguageCode="zh")
    assert code_of(exc) == "UnrecognizedClientException"


def test_span_faults_drop_or_move_only_the_targeted_unit(aws_env: AwsEnv) -> None:
    aws_env.translate.faults.drop_spans_in = ["first"]
    aws_env.translate.faults.move_spans_in = ["second"]
    text = (
        '<p data-id="0">first <span translate="no">A</span> x</p>'
        '<p data-id="1">second <span translate="no">B</span> y</p>'
        '<p data-id="2">third <span translate="no">C</span> z</p>'
    )
    out = translate_client().translate_text(Text=text, SourceLanguageCode="en", TargetLanguageCode="zh")
    assert out["TranslatedText"] == (
        '<p data-id="0">译first  译x</p>'
        '<p data-id="1">译second  译y<span translate="no">B</span></p>'
        '<p data-id="2">译third <span translate="no">C</span> 译z</p>'
    )


# -- recorded raw machine translation ------------------------------------------------------------


@pytest.mark.parametrize("corpus", CORPORA, ids=str)
def test_recorded_raw_mt_is_indexed_file_by_file(corpus: Corpus) -> None:
    recorded = load_recorded(corpus.root.parent)
    assert len(recorded.files_used) == (16 if corpus.full else 7) and recorded.files_skipped == (
        "chapter_preliminaries/ndarray_origin.md",
    )
    assert len(recorded.pairs) > (600 if corpus.full else 150)


def test_recorded_raw_mt_paragraph_comes_back_verbatim(aws_env: AwsEnv) -> None:
    en = (RAW_MT / "chapter_optimization" / "sgd_origin.md").read_text(encoding="utf-8").split("\n\n")
    zh = (RAW_MT / "chapter_optimization" / "sgd.md").read_text(encoding="utf-8").split("\n\n")
    i = next(i for i, block in enumerate(en) if block.startswith("In deep learning, the objective function"))
    out = translate_client().translate_text(Text=en[i], SourceLanguageCode="en", TargetLanguageCode="zh")
    assert out["TranslatedText"] == zh[i]
    assert out["TranslatedText"].startswith("在深度学习中，目标函数通常是")
    # With HTML protection the same recording comes back with the spans put back in place.
    html_text = re.sub(r"(\$[^$]+\$)", r'<span translate="no">\1</span>', en[i])
    out = translate_client().translate_text(Text=html_text, SourceLanguageCode="en", TargetLanguageCode="zh")
    assert re.sub(r"</?span[^>]*>", "", out["TranslatedText"]) == zh[i]
    assert out["TranslatedText"].count('<span translate="no">') == 4


# -- terminology ---------------------------------------------------------------------------------


def test_import_terminology_and_apply_it(aws_env: AwsEnv) -> None:
    tr = translate_client()
    csv_file = "en,zh\ngradient descent,梯度下降\nloss,损失\n" + "x" * 201 + ",太长\n"
    props = tr.import_terminology(
        Name="d2l-terms",
        MergeStrategy="OVERWRITE",
        TerminologyData={"File": csv_file.encode("utf-8"), "Format": "CSV", "Directionality": "UNI"},
    )["TerminologyProperties"]
    assert (props["TermCount"], props["SkippedTermCount"], props["TargetLanguageCodes"]) == (2, 1, ["zh"])
    assert tr.get_terminology(Name="d2l-terms")["TerminologyProperties"]["Name"] == "d2l-terms"
    assert [t["Name"] for t in tr.list_terminologies()["TerminologyPropertiesList"]] == ["d2l-terms"]
    out = tr.translate_text(
        Text="Use gradient descent on the loss",
        SourceLanguageCode="en",
        TargetLanguageCode="zh",
        TerminologyNames=["d2l-terms"],
    )
    assert out["TranslatedText"] == "译Use 梯度下降 译on 译the 损失"
    assert out["AppliedTerminologies"][0]["Terms"] == [
        {"SourceText": "gradient descent", "TargetText": "梯度下降"},
        {"SourceText": "loss", "TargetText": "损失"},
    ]
    with pytest.raises(ClientError) as exc:
        tr.translate_text(
            Text="a", SourceLanguageCode="en", TargetLanguageCode="zh", TerminologyNames=["nope"]
        )
    assert code_of(exc) == "ResourceNotFoundException"


# -- parallel data -------------------------------------------------------------------------------


def tmx(pairs: list[tuple[str, str]]) -> str:
    units = "".join(
        f'<tu><tuv xml:lang="en"><seg>{s}</seg></tuv><tuv xml:lang="zh"><seg>{t}</seg></tuv></tu>'
        for s, t in pairs
    )
    return f'<?xml version="1.0"?><tmx version="1.4"><header srclang="en"/><body>{units}</body></tmx>'


def test_parallel_data_lifecycle_create_update_conflicts_delete(aws_env: AwsEnv) -> None:
    tr = translate_client()
    bucket = aws_env.s3.new_bucket()
    v1 = put(
        aws_env, bucket, "pd/v1.tmx", tmx([("Hello world.", "你好，世界。"), ("Long " + "x" * 1000, "长")])
    )
    v2 = put(
        aws_env,
        bucket,
        "pd/v2.tmx",
        tmx([("Hello world.", "世界你好。"), ("Bye.", "再见。"), ("Ok.", "好。")]),
    )
    created = tr.create_parallel_data(Name="d2l-zh", ParallelDataConfig={"S3Uri": v1, "Format": "TMX"})
    assert created == {
        "Name": "d2l-zh",
        "Status": "CREATING",
        "ResponseMetadata": created["ResponseMetadata"],
    }
    assert tr.get_parallel_data(Name="d2l-zh")["ParallelDataProperties"]["Status"] == "CREATING"
    props = poll_parallel(tr, "d2l-zh")
    assert (props["ImportedRecordCount"], props["SkippedRecordCount"], props["TargetLanguageCodes"]) == (
        1,
        1,
        ["zh"],
    )
    with pytest.raises(ClientError) as conflict:
        tr.create_parallel_data(Name="d2l-zh", ParallelDataConfig={"S3Uri": v1, "Format": "TMX"})
    assert code_of(conflict) == "ConflictException"

    updated = tr.update_parallel_data(Name="d2l-zh", ParallelDataConfig={"S3Uri": v2, "Format": "TMX"})
    assert (updated["Status"], updated["LatestUpdateAttemptStatus"]) == ("ACTIVE", "UPDATING")
    with pytest.raises(ClientError) as concurrent:
        tr.update_parallel_data(Name="d2l-zh", ParallelDataConfig={"S3Uri": v2, "Format": "TMX"})
    assert code_of(concurrent) == "ConcurrentModificationException"
    props = poll_parallel(tr, "d2l-zh", field="LatestUpdateAttemptStatus")
    assert (props["Status"], props["ImportedRecordCount"], props["ParallelDataConfig"]["S3Uri"]) == (
        "ACTIVE",
        3,
        v2,
    )
    assert tr.get_parallel_data(Name="d2l-zh")["DataLocation"]["RepositoryType"] == "S3"
    assert [p["Name"] for p in tr.list_parallel_data()["ParallelDataPropertiesList"]] == ["d2l-zh"]
    assert tr.delete_parallel_data(Name="d2l-zh")["Status"] == "DELETING"
    with pytest.raises(ClientError) as gone:
        tr.get_parallel_data(Name="d2l-zh")
    assert code_of(gone) == "ResourceNotFoundException"


def test_csv_parallel_data_with_a_leading_dash_fails(aws_env: AwsEnv) -> None:
    tr = translate_client()
    bucket = aws_env.s3.new_bucket()
    uri = put(aws_env, bucket, "pd/list.csv", "en,zh\nA sentence.,一句话。\n- a list item,- 列表项\n")
    tr.create_parallel_data(Name="lists", ParallelDataConfig={"S3Uri": uri, "Format": "CSV"})
    props = poll_parallel(tr, "lists", until="FAILED")
    assert "line 3" in props["Message"] and "+, -, = or @" in props["Message"]


def test_tsv_parallel_data_skips_segments_over_1000_bytes(aws_env: AwsEnv) -> None:
    tr = translate_client()
    bucket = aws_env.s3.new_bucket()
    rows = ["en\tzh", "Short.\t短。", "Fits.\t" + "字" * 333, "Too long.\t" + "字" * 334, "\t空源"]
    uri = put(aws_env, bucket, "pd/pairs.tsv", "\n".join(rows) + "\n")
    tr.create_parallel_data(Name="tsv", ParallelDataConfig={"S3Uri": uri, "Format": "TSV"})
    props = poll_parallel(tr, "tsv")
    assert (props["ImportedRecordCount"], props["SkippedRecordCount"], props["FailedRecordCount"]) == (
        2,
        2,
        0,
    )


# -- batch jobs ----------------------------------------------------------------------------------


def start_job(tr: Any, bucket: str, prefix: str = "in/", **extra: Any) -> str:
    return tr.start_text_translation_job(
        JobName="t",
        InputDataConfig={"S3Uri": f"s3://{bucket}/{prefix}", "ContentType": "text/html"},
        OutputDataConfig={"S3Uri": f"s3://{bucket}/out/"},
        DataAccessRoleArn=ROLE,
        SourceLanguageCode="en",
        TargetLanguageCodes=["zh"],
        **extra,
    )["JobId"]


def test_batch_job_lifecycle_outputs_and_details(aws_env: AwsEnv) -> None:
    tr = translate_client()
    bucket = aws_env.s3.new_bucket()
    s3 = aws_env.s3.client()
    put(aws_env, bucket, "in/a.html", '<html><body><p>Hi <span translate="no">$x$</span></p></body></html>')
    put(aws_env, bucket, "in/b.html", "<html><body><p>Broken doc</p></body></html>")
    aws_env.translate.faults.fail_documents = ["b.html"]
    job_id = start_job(tr, bucket)
    assert re.fullmatch(r"[0-9a-f]{32}", job_id)
    states = [
        tr.describe_text_translation_job(JobId=job_id)["TextTranslationJobProperties"] for _ in range(2)
    ]
    assert [s["JobStatus"] for s in states] == ["IN_PROGRESS", "COMPLETED_WITH_ERROR"]
    done = states[-1]
    out_prefix = f"out/123456789012-TranslateText-{job_id}/"
    assert done["OutputDataConfig"]["S3Uri"] == f"s3://{bucket}/{out_prefix}"
    assert done["JobDetails"] == {
        "TranslatedDocumentsCount": 1,
        "DocumentsWithErrorsCount": 1,
        "InputDocumentsCount": 2,
    }
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=out_prefix)["Contents"])
    assert keys == [f"{out_prefix}details/zh.auxiliary-translation-details.json", f"{out_prefix}zh.a.html"]
    body = s3.get_object(Bucket=bucket, Key=f"{out_prefix}zh.a.html")["Body"].read().decode()
    assert body == '<html><body><p>译Hi <span translate="no">$x$</span></p></body></html>'
    details = json.loads(s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read())
    assert details["charactersTranslated"] == str(
        len('<body><p>Hi <span translate="no">$x$</span></p></body>')
    )
    assert details["documentCountWithCustomerError"] == "1"
    assert [d["sourceFile"] for d in details["details"] if "error" in d["auxiliaryData"]] == ["b.html"]
    listed = tr.list_text_translation_jobs(Filter={"JobStatus": "COMPLETED_WITH_ERROR"})
    assert [j["JobId"] for j in listed["TextTranslationJobPropertiesList"]] == [job_id]
    with pytest.raises(ClientError) as bad_filter:
        tr.list_text_translation_jobs(Filter={"JobName": "t", "JobStatus": "COMPLETED"})
    assert code_of(bad_filter) == "InvalidFilterException"


def test_batch_job_applies_parallel_data_exact_matches(aws_env: AwsEnv) -> None:
    tr = translate_client()
    bucket = aws_env.s3.new_bucket()
    uri = put(aws_env, bucket, "pd/tm.tmx", tmx([("Hello world.", "你好，世界。")]))
    tr.create_parallel_data(Name="tm", ParallelDataConfig={"S3Uri": uri, "Format": "TMX"})
    with pytest.raises(ClientError) as not_active:
        start_job(tr, bucket, ParallelDataNames=["tm"])
    assert code_of(not_active) == "InvalidRequestException"
    poll_parallel(tr, "tm")
    put(aws_env, bucket, "in/x.html", "<html><body><p>Hello   world.</p><p>Hello moon.</p></body></html>")
    job_id = start_job(tr, bucket, ParallelDataNames=["tm"], ClientToken="same-token")
    assert start_job(tr, bucket, ParallelDataNames=["tm"], ClientToken="same-token") == job_id
    aws_env.translate.job_polls = 1
    props = tr.describe_text_translation_job(JobId=job_id)["TextTranslationJobProperties"]
    assert props["JobStatus"] == "COMPLETED" and props["ParallelDataNames"] == ["tm"]
    key = f"out/123456789012-TranslateText-{job_id}/zh.x.html"
    body = aws_env.s3.client().get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    assert body == "<html><body><p>你好，世界。</p><p>译Hello 译moon.</p></body></html>"


def test_batch_job_failures_root_input_and_stop(aws_env: AwsEnv) -> None:
    tr = translate_client()
    bucket = aws_env.s3.new_bucket()
    put(aws_env, bucket, "root.html", "<html><body><p>x</p></body></html>")
    aws_env.translate.job_polls = 1
    root_job = start_job(tr, bucket, prefix="")
    props = tr.describe_text_translation_job(JobId=root_job)["TextTranslationJobProperties"]
    assert props["JobStatus"] == "FAILED" and "folder" in props["Message"]
    empty_job = start_job(tr, bucket, prefix="empty/")
    assert (
        tr.describe_text_translation_job(JobId=empty_job)["TextTranslationJobProperties"]["JobStatus"]
        == "FAILED"
    )
    aws_env.translate.job_polls = 5
    put(aws_env, bucket, "in/a.html", "<html><body><p>x</p></body></html>")
    job = start_job(tr, bucket)
    assert (
        tr.describe_text_translation_job(JobId=job)["TextTranslationJobProperties"]["JobStatus"]
        == "IN_PROGRESS"
    )
    assert tr.stop_text_translation_job(JobId=job)["JobStatus"] == "STOP_REQUESTED"
    assert (
        tr.describe_text_translation_job(JobId=job)["TextTranslationJobProperties"]["JobStatus"] == "STOPPED"
    )
    with pytest.raises(ClientError) as bad_role:
        tr.start_text_translation_job(
            InputDataConfig={"S3Uri": f"s3://{bucket}/in/", "ContentType": "text/html"},
            OutputDataConfig={"S3Uri": f"s3://{bucket}/out/"},
            DataAccessRoleArn="arn:aws:iam::1:role/short",
            SourceLanguageCode="en",
            TargetLanguageCodes=["zh"],
        )
    assert code_of(bad_role) == "InvalidRequestException"


def test_emulator_runs_without_shared_corpus(s3_server: Any) -> None:
    emulator = TranslateEmulator(s3_server.url, shared=None).start()
    try:
        tr = boto3.client(
            "translate",
            endpoint_url=emulator.url,
            region_name="us-east-1",
            aws_access_key_id="a",
            aws_secret_access_key="b",
            config=NO_RETRY,
        )
        out = tr.translate_text(
            Text="In deep learning, the objective function", SourceLanguageCode="en", TargetLanguageCode="zh"
        )
        assert out["TranslatedText"] == "译In 译deep 译learning, 译the 译objective 译function"
        assert emulator.recorded.pairs == {}
    finally:
        emulator.stop()
