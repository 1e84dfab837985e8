"""Amazon Translate engine: real-time ``TranslateText`` and batch jobs with parallel data (ACT).

Why two paths: Active Custom Translation (parallel data) exists only in batch jobs, which take
minutes and need S3 and an IAM role; a small sync is faster and cheaper in real time. ``mode: auto``
picks batch only when parallel data is configured *and* the run is large enough to be worth a job.

Markup is protected with HTML: each segment is sent as ``<p data-id="i">`` holding its
``TranslationRequest.html`` (placeholders as ``<span translate="no" data-p="n">``). Several segments
share one TranslateText call (the API accepts HTML there and keeps elements and their attributes),
and translations are mapped back by ``data-id``, never by position. If the service ever returns the
elements garbled, that pack is re-sent one segment per call.

Billing: Amazon Translate bills every character sent, markup included (the notes found no statement
that tags are free, and "non-translatable content is charged"), so :meth:`AwsTranslateEngine.estimate`
counts the exact HTML payload: for real time the ``<p>`` elements, for batch the whole documents. That
is an upper bound for batch, where only the ``<html>`` element is billed.

Retries are AMTS's own loop (botocore's are switched off with ``total_max_attempts=1``) so the number
of attempts and the delays are deterministic and the sleep can be injected in tests.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from bot.markdown.htmlseg import from_html, placeholders, to_html
from bot.translate.base import EngineError, TranslationRequest, TranslationResult, checked_result
from bot.translate.budget import apportion

T = TypeVar("T")
Mode = Literal["realtime", "batch", "auto"]

REALTIME_LIMIT_BYTES = 10_000
TERMINAL_JOB_STATES = frozenset({"COMPLETED", "COMPLETED_WITH_ERROR", "FAILED", "STOPPED"})
RETRYABLE_CODES = frozenset(
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "ServiceUnavailableException",
        "InternalServerException",
        "RequestTimeout",
        "RequestTimeoutException",
        "SlowDown",
    }
)
AUTH_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "AccessDeniedException",
        "AccessDenied",
        "ExpiredTokenException",
        "ExpiredToken",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "MissingAuthenticationTokenException",
    }
)
CONFIG_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "UnsupportedLanguagePairException",
        "InvalidParameterValueException",
        "NoSuchBucket",
    }
)
_P_RE = re.compile(r"<p\b([^>]*)>(.*?)</p\s*>", re.DOTALL | re.IGNORECASE)
_DATA_ID_RE = re.compile(r"""\bdata-id\s*=\s*["']?(\d+)["']?""", re.IGNORECASE)
_BODY_RE = re.compile(r"<body\b[^>]*>(.*)</body\s*>", re.DOTALL | re.IGNORECASE)


# ------------------------------------------------------------------------------------------------
# Retry
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff without jitter: ``base_delay * 2**k`` capped at ``max_delay``.

    No jitter on purpose: AMTS runs one request at a time per engine, so there is no thundering herd
    to spread, and deterministic delays keep the tests exact.
    """

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delays(self) -> Iterator[float]:
        """The sleeps between attempts (``max_attempts - 1`` of them)."""
        for k in range(max(0, self.max_attempts - 1)):
            yield min(self.max_delay, self.base_delay * 2**k)


class RetriesExhausted(Exception):
    """The last retryable error after ``max_attempts`` tries; ``last`` is that error."""

    def __init__(self, last: BaseException, attempts: int) -> None:
        super().__init__(f"gave up after {attempts} attempts: {last}")
        self.last, self.attempts = last, attempts


def call_with_retry(
    fn: Callable[[], T],
    *,
    retryable: Callable[[BaseException], bool],
    policy: RetryPolicy,
    sleep: Callable[[float], None],
) -> T:
    """Call ``fn`` until it succeeds, a non-retryable error escapes, or the policy runs out."""
    delays = policy.delays()
    attempts = 0
    while True:
        attempts += 1
        try:
            return fn()
        except Exception as exc:
            if not retryable(exc):
                raise
            delay = next(delays, None)
            if delay is None:
                raise RetriesExhausted(exc, attempts) from exc
            sleep(delay)


def _error_code(exc: BaseException) -> str:
    return exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""


def is_retryable_aws(exc: BaseException) -> bool:
    """Throttling, 5xx and read timeouts are worth another try; everything else is not."""
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return _error_code(exc) in RETRYABLE_CODES or status >= 500
    return isinstance(exc, ReadTimeoutError | ConnectionClosedError)


def fatal_aws_error(exc: BaseException, service: str, endpoint: str | None) -> EngineError | None:
    """The one clear message for errors that stop the whole engine (credentials, endpoint, config)."""
    where = f" at {endpoint}" if endpoint else ""
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return EngineError(
            f"no AWS credentials found for {service}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY"
        )
    if isinstance(exc, NoRegionError):
        return EngineError(f"no AWS region set for {service}: set AWS_DEFAULT_REGION or the engine's region")
    if isinstance(exc, EndpointConnectionError):
        return EngineError(f"cannot reach {service}{where}: {exc}; check the network or AWS_ENDPOINT_URL_*")
    code = _error_code(exc)
    message = exc.response.get("Error", {}).get("Message", "") if isinstance(exc, ClientError) else ""
    if code in AUTH_CODES:
        return EngineError(
            f"{service} rejected the AWS credentials ({code}: {message}); check AWS_PROFILE or "
            "the access keys and the IAM permissions"
        )
    if code in CONFIG_CODES:
        return EngineError(
            f"{service} refused the configuration ({code}: {message}); check the engine's "
            "languages, terminology_names, parallel_data_name and bucket"
        )
    return None


# ------------------------------------------------------------------------------------------------
# Configuration and mode
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwsTranslateConfig:
    """Settings of the ``aws`` engine (``engines.aws`` in ``config/amts.yml``).

    Prices are USD per million characters; defaults are the published list prices found in the notes
    ($15 standard, $60 ACT). ``batch_threshold_chars`` is where ``mode: auto`` starts paying for ACT.
    """

    source_lang: str = "en"
    target_lang: str = "zh"
    mode: Mode = "auto"
    terminology_names: tuple[str, ...] = ()
    parallel_data_name: str | None = None
    bucket: str | None = None
    input_prefix: str = "amts/input"
    output_prefix: str = "amts/output"
    role_arn: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict)
    batch_threshold_chars: int = 20_000
    max_request_bytes: int = REALTIME_LIMIT_BYTES
    price_standard_per_million: float = 15.0
    price_act_per_million: float = 60.0
    region: str | None = None
    profile: str | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll_initial_s: float = 5.0
    poll_max_s: float = 120.0
    poll_timeout_s: float = 6 * 3600.0

    def __post_init__(self) -> None:
        if self.mode not in ("realtime", "batch", "auto"):
            raise EngineError(f"engines.aws.mode must be realtime, batch or auto, not {self.mode!r}")
        if len(self.terminology_names) > 1:
            raise EngineError(
                "Amazon Translate applies one terminology per request; list at most one in "
                "engines.aws.terminology_names"
            )
        if not 0 < self.max_request_bytes <= REALTIME_LIMIT_BYTES:
            raise EngineError(f"engines.aws.max_request_bytes must be between 1 and {REALTIME_LIMIT_BYTES:,}")


@dataclass(frozen=True)
class ModeChoice:
    """Which path a run took and why, for the PR notes."""

    mode: Literal["realtime", "batch"]
    reason: str
    act: bool = False

    def __str__(self) -> str:
        return f"{self.mode}{' (ACT)' if self.act else ''}: {self.reason}"


# ------------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------------


class AwsTranslateEngine:
    """Amazon Translate behind the :class:`~bot.translate.base.Engine` interface.

    boto3 clients come from ``session`` (default: a new ``boto3.Session``), so endpoints, credentials
    and region follow the standard AWS environment variables and profiles. ``sleep`` is injectable so
    tests run retries and job polling without waiting.
    """

    name = "aws"

    def __init__(
        self,
        config: AwsTranslateConfig | None = None,
        *,
        session: boto3.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config or AwsTranslateConfig()
        self._session = session
        self._sleep = sleep
        self._clients: dict[str, Any] = {}
        self.last_mode: ModeChoice | None = None
        self.last_job_id: str | None = None

    # -- public API -------------------------------------------------------------------------------

    def choose_mode(self, requests: Sequence[TranslationRequest]) -> ModeChoice:
        """Decide real time vs batch for ``requests`` without any network call."""
        cfg = self.config
        pd = cfg.parallel_data_name
        if cfg.mode == "realtime":
            return ModeChoice(
                "realtime",
                "mode is set to realtime"
                + (f"; parallel data '{pd}' is not applied (ACT works only in batch jobs)" if pd else ""),
            )
        if cfg.mode == "batch":
            return ModeChoice(
                "batch", "mode is set to batch" + (f" with parallel data '{pd}'" if pd else ""), act=bool(pd)
            )
        chars = sum(len(self._segment_html(r)) for r in requests)
        if not pd:
            return ModeChoice("realtime", "auto: no parallel data configured, so a batch job brings no ACT")
        if chars < cfg.batch_threshold_chars:
            return ModeChoice(
                "realtime",
                f"auto: {chars:,} characters is under the {cfg.batch_threshold_chars:,}"
                f"-character batch threshold; parallel data '{pd}' is not applied",
            )
        if not (cfg.bucket and cfg.role_arn):
            return ModeChoice(
                "realtime",
                f"auto: {chars:,} characters would use batch ACT, but no bucket/role_arn is configured",
            )
        return ModeChoice(
            "batch",
            f"auto: {chars:,} characters reach the {cfg.batch_threshold_chars:,}-character "
            f"threshold and parallel data '{pd}' is configured",
            act=True,
        )

    def estimate(self, requests: Sequence[TranslationRequest]) -> int:
        """Characters that would be billed: the exact HTML sent (markup included; see module doc)."""
        choice = self.choose_mode(requests)
        if choice.mode == "batch":
            return sum(len(self._document(i, r)) for i, r in enumerate(requests))
        return sum(
            len(self._element(i, r))
            for i, r in enumerate(requests)
            if len(self._element(i, r).encode("utf-8")) <= self.config.max_request_bytes
        )

    def estimate_cost(self, requests: Sequence[TranslationRequest]) -> float:
        """USD for :meth:`estimate`, at the ACT price when the run would be a batch job with parallel data."""
        choice = self.choose_mode(requests)
        price = self.config.price_act_per_million if choice.act else self.config.price_standard_per_million
        return self.estimate(requests) * price / 1_000_000

    def translate(self, requests: Sequence[TranslationRequest]) -> list[TranslationResult]:
        """One result per request, in order; per-segment problems are results, engine failures raise."""
        if not requests:
            return []
        choice = self.choose_mode(requests)
        self.last_mode, self.last_job_id = choice, None
        try:
            if choice.mode == "batch":
                return self._translate_batch(requests)
            return self._translate_realtime(requests)
        except RetriesExhausted as exc:
            job = f"; batch job {self.last_job_id} may still finish" if self.last_job_id else ""
            raise EngineError(
                f"AWS kept failing during the {choice.mode} run: {_describe(exc.last)} "
                f"({exc.attempts} attempts){job}; try again later"
            ) from exc

    def summary(self) -> str:
        """One line for the PR notes: which path the last run took, and why."""
        if self.last_mode is None:
            return "aws: no run yet"
        job = f"; job {self.last_job_id}" if self.last_mode.mode == "batch" and self.last_job_id else ""
        return f"aws {self.last_mode}{job}"

    # -- shared helpers ---------------------------------------------------------------------------

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            try:
                session = self._session or boto3.Session(profile_name=self.config.profile)
                self._clients[service] = session.client(
                    service,
                    region_name=self.config.region,
                    config=Config(retries={"total_max_attempts": 1}, connect_timeout=10, read_timeout=60),
                )
            except BotoCoreError as exc:
                raise fatal_aws_error(exc, _service_label(service), None) or EngineError(
                    f"cannot create the {service} client: {exc}"
                ) from exc
        return self._clients[service]

    def _call(self, service: str, operation: str, **kwargs: Any) -> dict[str, Any]:
        """One API call with retries; fatal errors become :class:`EngineError`, others propagate."""
        client = self._client(service)
        try:
            return call_with_retry(
                lambda: getattr(client, operation)(**kwargs),
                retryable=is_retryable_aws,
                policy=self.config.retry,
                sleep=self._sleep,
            )
        except (ClientError, BotoCoreError) as exc:
            fatal = fatal_aws_error(exc, _service_label(service), client.meta.endpoint_url)
            if fatal is not None:
                raise fatal from exc
            raise

    @staticmethod
    def _segment_html(request: TranslationRequest) -> str:
        if request.html:
            return request.html
        return to_html(request.text, {n: f"⟦{n}⟧" for n in placeholders(request.text)})

    def _element(self, index: int, request: TranslationRequest) -> str:
        return f'<p data-id="{index}">{self._segment_html(request)}</p>'

    def _document(self, index: int, request: TranslationRequest) -> str:
        return f"<html><body>{self._element(index, request)}</body></html>"

    def _result(self, request: TranslationRequest, markup: str, billed: int, note: str) -> TranslationResult:
        text = from_html(markup)
        if request.text == request.text.strip():
            text = text.strip()
        return checked_result(request, text, self.name, billed, note)

    def _failed(
        self, request: TranslationRequest, error: str, note: str = "", billed: int = 0
    ) -> TranslationResult:
        return TranslationResult(request.id, None, self.name, chars_billed=billed, error=error, note=note)

    # -- real time --------------------------------------------------------------------------------

    def _packs(self, requests: Sequence[TranslationRequest]) -> tuple[list[list[int]], list[int]]:
        """Greedy packs of request indices under ``max_request_bytes``, plus the indices too big to send."""
        limit = self.config.max_request_bytes
        packs: list[list[int]] = []
        oversize: list[int] = []
        current: list[int] = []
        size = 0
        for i, request in enumerate(requests):
            n = len(self._element(i, request).encode("utf-8"))
            if n > limit:
                oversize.append(i)
                continue
            if current and size + n > limit:
                packs.append(current)
                current, size = [], 0
            current.append(i)
            size += n
        if current:
            packs.append(current)
        return packs, oversize

    def _translate_text(self, payload: str) -> str:
        kwargs: dict[str, Any] = {
            "Text": payload,
            "SourceLanguageCode": self.config.source_lang,
            "TargetLanguageCode": self.config.target_lang,
        }
        if self.config.terminology_names:
            kwargs["TerminologyNames"] = list(self.config.terminology_names)
        if self.config.settings:
            kwargs["Settings"] = dict(self.config.settings)
        return self._call("translate", "translate_text", **kwargs)["TranslatedText"]

    def _translate_realtime(self, requests: Sequence[TranslationRequest]) -> list[TranslationResult]:
        results: dict[int, TranslationResult] = {}
        packs, oversize = self._packs(requests)
        for i in oversize:
            size = len(self._element(i, requests[i]).encode("utf-8"))
            results[i] = self._failed(
                requests[i],
                f"segment is {size:,} bytes of HTML; Amazon Translate real time "
                f"accepts at most {self.config.max_request_bytes:,} bytes per request (use batch "
                "mode or split the block)",
            )
        for pack in packs:
            results.update(self._send_pack(requests, pack, allow_split=True))
        return [results[i] for i in range(len(requests))]

    def _send_pack(
        self, requests: Sequence[TranslationRequest], pack: list[int], allow_split: bool
    ) -> dict[int, TranslationResult]:
        elements = {i: self._element(i, requests[i]) for i in pack}
        payload = "".join(elements.values())
        note = "aws realtime" + (
            f", terminology {self.config.terminology_names[0]}" if self.config.terminology_names else ""
        )
        try:
            translated = self._translate_text(payload)
        except RetriesExhausted as exc:
            return {
                i: self._failed(
                    requests[i],
                    f"Amazon Translate kept failing: {_describe(exc.last)} ({exc.attempts} attempts)",
                )
                for i in pack
            }
        except ClientError as exc:
            return {
                i: self._failed(requests[i], f"Amazon Translate refused the segment: {_describe(exc)}")
                for i in pack
            }
        parts = _parse_elements(translated)
        if parts is None or set(parts) != set(pack):
            if allow_split and len(pack) > 1:
                out: dict[int, TranslationResult] = {}
                for i in pack:
                    out.update(self._send_pack(requests, [i], allow_split=False))
                return out
            if len(pack) == 1:
                body = parts.get(pack[0]) if parts else None
                parts = {pack[0]: body if body is not None else re.sub(r"</?p\b[^>]*>", "", translated)}
            else:
                return {
                    i: self._failed(requests[i], "Amazon Translate returned the packed segments garbled")
                    for i in pack
                }
        return {i: self._result(requests[i], parts[i], len(elements[i]), note) for i in pack}

    # -- batch ------------------------------------------------------------------------------------

    def _translate_batch(self, requests: Sequence[TranslationRequest]) -> list[TranslationResult]:
        cfg = self.config
        if not cfg.bucket or not cfg.role_arn:
            raise EngineError(
                "batch mode needs engines.aws.bucket (an S3 bucket for input and output) and "
                "engines.aws.role_arn (an IAM role Amazon Translate can assume to read/write it)"
            )
        if cfg.parallel_data_name:
            self._require_active_parallel_data(cfg.parallel_data_name)
        run = uuid.uuid4().hex[:16]
        in_prefix = _folder(cfg.input_prefix, run)
        out_prefix = _folder(cfg.output_prefix, run)
        names = [f"{i:06d}.html" for i in range(len(requests))]
        documents = [self._document(i, r) for i, r in enumerate(requests)]
        for name, doc in zip(names, documents, strict=True):
            self._call(
                "s3",
                "put_object",
                Bucket=cfg.bucket,
                Key=in_prefix + name,
                Body=doc.encode("utf-8"),
                ContentType="text/html",
            )
        start: dict[str, Any] = {
            "JobName": f"amts-{run}",
            "InputDataConfig": {"S3Uri": f"s3://{cfg.bucket}/{in_prefix}", "ContentType": "text/html"},
            "OutputDataConfig": {"S3Uri": f"s3://{cfg.bucket}/{out_prefix}"},
            "DataAccessRoleArn": cfg.role_arn,
            "SourceLanguageCode": cfg.source_lang,
            "TargetLanguageCodes": [cfg.target_lang],
            "ClientToken": run,
        }
        if cfg.parallel_data_name:
            start["ParallelDataNames"] = [cfg.parallel_data_name]
        if cfg.terminology_names:
            start["TerminologyNames"] = list(cfg.terminology_names)
        if cfg.settings:
            start["Settings"] = {k: v for k, v in cfg.settings.items() if k != "Brevity"}
        try:
            job_id = self._call("translate", "start_text_translation_job", **start)["JobId"]
        except RetriesExhausted as exc:
            raise EngineError(
                f"Amazon Translate did not accept the batch job: {_describe(exc.last)}"
            ) from exc
        except ClientError as exc:
            raise EngineError(f"Amazon Translate refused the batch job: {_describe(exc)}") from exc
        self.last_job_id = job_id
        props = self._wait_for_job(job_id)
        status = props["JobStatus"]
        note = f"aws batch job {job_id}" + (
            f", ACT with parallel data {cfg.parallel_data_name}" if cfg.parallel_data_name else ""
        )
        if status not in ("COMPLETED", "COMPLETED_WITH_ERROR"):
            why = props.get("Message") or "no message"
            if status not in TERMINAL_JOB_STATES:
                why = f"still {status} after {cfg.poll_timeout_s:,.0f} s of polling; the job was left running"
            return [self._failed(r, f"batch job {job_id} {status}: {why}", note) for r in requests]
        return self._collect_batch(requests, names, documents, props, note)

    def _require_active_parallel_data(self, name: str) -> None:
        props = self._call("translate", "get_parallel_data", Name=name)["ParallelDataProperties"]
        if props.get("Status") != "ACTIVE":
            raise EngineError(
                f"parallel data '{name}' is {props.get('Status')}, not ACTIVE"
                + (f" ({props['Message']})" if props.get("Message") else "")
                + "; wait for it to finish or fix its file, then run again"
            )

    def _wait_for_job(self, job_id: str) -> dict[str, Any]:
        """Poll DescribeTextTranslationJob with exponential backoff until the job ends or time runs out."""
        delay, waited = self.config.poll_initial_s, 0.0
        while True:
            props = self._call("translate", "describe_text_translation_job", JobId=job_id)
            props = props["TextTranslationJobProperties"]
            if props["JobStatus"] in TERMINAL_JOB_STATES or waited >= self.config.poll_timeout_s:
                return props
            self._sleep(delay)
            waited += delay
            delay = min(delay * 2, self.config.poll_max_s)

    def _collect_batch(
        self,
        requests: Sequence[TranslationRequest],
        names: list[str],
        documents: list[str],
        props: dict[str, Any],
        note: str,
    ) -> list[TranslationResult]:
        bucket, prefix = _split_s3(props["OutputDataConfig"]["S3Uri"])
        target = self.config.target_lang
        details = self._read_details(bucket, f"{prefix}details/{target}.auxiliary-translation-details.json")
        doc_errors = {
            d.get("sourceFile", ""): d.get("auxiliaryData", {}).get("error", {}).get("errorMessage", "")
            for d in details.get("details", [])
            if "targetFile" not in d or d.get("auxiliaryData", {}).get("error")
        }
        outputs: dict[int, str] = {}
        errors: dict[int, str] = {}
        for i, name in enumerate(names):
            if name in doc_errors:
                errors[i] = f"batch document {name} failed: {doc_errors[name] or 'no reason given'}"
                continue
            body = self._read_object(bucket, f"{prefix}{target}.{name}")
            if body is None:
                errors[i] = f"batch document {name} has no output in s3://{bucket}/{prefix}"
                continue
            m = _BODY_RE.search(body)
            parts = _parse_elements(m.group(1) if m else body) or {}
            if i not in parts:
                errors[i] = f"batch output for {name} lost its <p data-id> element"
                continue
            outputs[i] = parts[i]
        billed_total = int(details.get("charactersTranslated") or sum(len(documents[i]) for i in outputs))
        shares = dict(
            zip(outputs, apportion(billed_total, [len(documents[i]) for i in outputs]), strict=True)
        )
        return [
            self._result(r, outputs[i], shares[i], note) if i in outputs else self._failed(r, errors[i], note)
            for i, r in enumerate(requests)
        ]

    def _read_object(self, bucket: str, key: str) -> str | None:
        try:
            obj = self._call("s3", "get_object", Bucket=bucket, Key=key)
        except ClientError as exc:
            if _error_code(exc) in ("NoSuchKey", "404"):
                return None
            raise EngineError(f"cannot read s3://{bucket}/{key}: {_describe(exc)}") from exc
        return obj["Body"].read().decode("utf-8")

    def _read_details(self, bucket: str, key: str) -> dict[str, Any]:
        raw = self._read_object(bucket, key)
        if raw is None:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


def _parse_elements(markup: str) -> dict[int, str] | None:
    """``{data-id: inner HTML}`` of the ``<p>`` elements, or ``None`` if ids are missing or repeated."""
    found: dict[int, str] = {}
    for m in _P_RE.finditer(markup):
        id_match = _DATA_ID_RE.search(m.group(1))
        if not id_match or int(id_match.group(1)) in found:
            return None
        found[int(id_match.group(1))] = m.group(2)
    return found


def _folder(prefix: str, run: str) -> str:
    """An S3 *folder* for one run (batch input must not be the bucket root)."""
    prefix = prefix.strip("/")
    return f"{prefix}/{run}/" if prefix else f"{run}/"


def _split_s3(uri: str) -> tuple[str, str]:
    without = uri.removeprefix("s3://")
    bucket, _, key = without.partition("/")
    return bucket, key


def _service_label(service: str) -> str:
    return {"translate": "Amazon Translate", "s3": "Amazon S3", "bedrock-runtime": "Amazon Bedrock"}.get(
        service, service
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
    return str(exc)
