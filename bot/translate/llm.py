"""LLM engines: Amazon Bedrock (Converse) and any OpenAI-compatible chat endpoint.

Both share one prompt: fixed rules (keep every ``⟦n⟧`` exactly once, answer only JSON), the edition's
style guide, the most similar already-translated pairs from the translation memory ("in-context ACT",
the pattern AWS publishes for Bedrock), the glossary terms that occur in the batch, and the segments
as a JSON list. The reply must be exactly ``{"translations": [{"id": ..., "text": ...}]}``; anything
else fails the affected segments with a reason. Nothing is ever recovered by guessing, because a wrong
guess would ship as a translation.
"""

from __future__ import annotations

import json
import os
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bot.translate.aws import (
    RetriesExhausted,
    RetryPolicy,
    call_with_retry,
    fatal_aws_error,
    is_retryable_aws,
)
from bot.translate.base import EngineError, TranslationRequest, TranslationResult, checked_result
from bot.translate.budget import apportion
from bot.translate.retrieval import ExampleSource

LANGUAGE_NAMES = {
    "en": "English",
    "zh": "Simplified Chinese",
    "zh-TW": "Traditional Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "tr": "Turkish",
    "vi": "Vietnamese",
    "pt": "Brazilian Portuguese",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "ru": "Russian",
}
_FENCE_RE = re.compile(r"\A```(?:json)?\s*\n(.*)\n```\Z", re.DOTALL)


# ------------------------------------------------------------------------------------------------
# Prompt
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptConfig:
    """What goes into every prompt, and how many segments share one call."""

    source_lang: str = "en"
    target_lang: str = "zh"
    style_guide: str = ""
    glossary: Mapping[str, str] = field(default_factory=dict)
    examples_k: int = 3
    max_examples: int = 12
    max_segments_per_call: int = 20
    max_chars_per_call: int = 8_000


@dataclass(frozen=True)
class Prompt:
    """One call's messages; ``ids`` are the segment ids used inside the prompt, in request order."""

    system: str
    user: str
    ids: tuple[str, ...]

    @property
    def chars(self) -> int:
        return len(self.system) + len(self.user)


class PromptBuilder:
    """Builds the shared prompt; ``memory`` is any object with ``search(text, k)``."""

    def __init__(self, config: PromptConfig | None = None, memory: ExampleSource | None = None) -> None:
        self.config = config or PromptConfig()
        self.memory = memory

    def system_text(self) -> str:
        cfg = self.config
        src = LANGUAGE_NAMES.get(cfg.source_lang, cfg.source_lang)
        tgt = LANGUAGE_NAMES.get(cfg.target_lang, cfg.target_lang)
        rules = [
            f'You translate passages of the textbook "Dive into Deep Learning" from {src} to {tgt}.',
            "Tokens of the form ⟦n⟧ (n is a number) stand for code, math, links or references. "
            "Copy every such token into your translation exactly once, unchanged, at the grammatically "
            "right place; never translate, renumber, add or drop one.",
            "Translate every segment completely and independently; do not merge or split segments.",
            'Answer with JSON only, no prose and no code fence: {"translations": [{"id": "<id>", "text": '
            '"<translation>"}]}, with exactly one entry for each input id.',
        ]
        if cfg.glossary:
            rules.append("Use the glossary translations for the terms listed with the segments.")
        text = "\n".join(f"- {r}" for r in rules)
        if cfg.style_guide.strip():
            text += f"\n\nStyle guide for {tgt}:\n{cfg.style_guide.strip()}"
        return text

    def batches(self, requests: Sequence[TranslationRequest]) -> list[list[int]]:
        """Request indices grouped into calls by segment count and characters."""
        cfg = self.config
        out: list[list[int]] = []
        current: list[int] = []
        size = 0
        for i, r in enumerate(requests):
            if current and (
                len(current) >= cfg.max_segments_per_call or size + len(r.text) > cfg.max_chars_per_call
            ):
                out.append(current)
                current, size = [], 0
            current.append(i)
            size += len(r.text)
        if current:
            out.append(current)
        return out

    def examples(self, requests: Sequence[TranslationRequest]) -> list[tuple[str, str]]:
        """Top-k memory pairs per segment, merged best first without duplicates.

        An exact match stays in: it is the strongest example there is (the ``tm`` engine normally takes
        exact matches before an LLM sees them, but a changed placeholder layout can send one here).
        """
        if self.memory is None or self.config.examples_k <= 0:
            return []
        found: dict[tuple[str, str], float] = {}
        for r in requests:
            for src, tgt, score in self.memory.search(r.text, self.config.examples_k):
                found[(src, tgt)] = max(score, found.get((src, tgt), float("-inf")))
        ranked = sorted(found.items(), key=lambda item: -item[1])
        return [pair for pair, _ in ranked[: self.config.max_examples]]

    def glossary_hits(self, requests: Sequence[TranslationRequest]) -> dict[str, str]:
        """Glossary entries whose source term occurs (whole word, any case) in one of the segments."""
        hits: dict[str, str] = {}
        for term, target in self.config.glossary.items():
            pattern = re.compile(r"(?<!\w)" + re.escape(term) + r"(?!\w)", re.IGNORECASE)
            if any(pattern.search(r.text) for r in requests):
                hits[term] = target
        return hits

    def build(self, requests: Sequence[TranslationRequest]) -> Prompt:
        ids = tuple(str(i) for i in range(len(requests)))
        parts: list[str] = []
        examples = self.examples(requests)
        if examples:
            parts.append(
                "Approved translations of similar passages (follow their wording and terms):\n"
                "<examples>\n" + _dumps([{"source": s, "target": t} for s, t in examples]) + "\n</examples>"
            )
        glossary = self.glossary_hits(requests)
        if glossary:
            parts.append("Glossary:\n<glossary>\n" + _dumps(glossary) + "\n</glossary>")
        segments = [{"id": i, "text": r.text} for i, r in zip(ids, requests, strict=True)]
        parts.append("Translate these segments:\n<segments>\n" + _dumps(segments) + "\n</segments>")
        return Prompt(self.system_text(), "\n\n".join(parts), ids)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


class ReplyError(ValueError):
    """The model's reply is not the required JSON; the message says what is wrong."""


def parse_reply(reply: str, ids: Sequence[str]) -> dict[str, str]:
    """``{id: text}`` from a strict ``{"translations": [...]}`` reply; raises :class:`ReplyError`.

    Accepted leniency, because it is unambiguous: surrounding whitespace, one ```json fence, and
    numeric ids. Unknown ids are ignored; an id answered twice is dropped (the caller reports it).
    """
    text = reply.strip()
    fenced = _FENCE_RE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ReplyError(f"model reply is not JSON ({exc.msg}): {reply[:120]!r}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("translations"), list):
        raise ReplyError(f'model reply has no "translations" list: {reply[:120]!r}')
    wanted = set(ids)
    out: dict[str, str] = {}
    seen: set[str] = set()
    for item in data["translations"]:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        key = str(item.get("id"))
        if key not in wanted:
            continue
        if key in seen:
            out.pop(key, None)
            continue
        seen.add(key)
        out[key] = item["text"]
    return out


# ------------------------------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    text: str
    truncated: bool = False
    usage: str = ""


class CallFailed(Exception):
    """A call failed in a way that affects only its segments (e.g. the request was rejected)."""


class ChatEngine(ABC):
    """The shared translate loop; subclasses only know how to send one prompt."""

    name = "llm"

    def __init__(
        self,
        prompt: PromptConfig | None,
        memory: ExampleSource | None,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
    ) -> None:
        self.builder = PromptBuilder(prompt, memory)
        self.retry = retry
        self._sleep = sleep

    @abstractmethod
    def _complete(self, prompt: Prompt) -> Completion:
        """Send one prompt to the model and return its reply."""

    @abstractmethod
    def _retryable(self, exc: BaseException) -> bool:
        """Whether ``exc`` is throttling or a transient failure worth another attempt."""

    def estimate(self, requests: Sequence[TranslationRequest]) -> int:
        """Characters sent and expected back: every prompt, plus the source text again for the reply."""
        total = 0
        for batch in self.builder.batches(requests):
            chunk = [requests[i] for i in batch]
            total += self.builder.build(chunk).chars + sum(len(r.text) for r in chunk)
        return total

    def translate(self, requests: Sequence[TranslationRequest]) -> list[TranslationResult]:
        results: list[TranslationResult | None] = [None] * len(requests)
        for batch in self.builder.batches(requests):
            chunk = [requests[i] for i in batch]
            for i, result in zip(batch, self._translate_call(chunk), strict=True):
                results[i] = result
        return [r for r in results if r is not None]

    def _translate_call(self, chunk: list[TranslationRequest]) -> list[TranslationResult]:
        prompt = self.builder.build(chunk)
        shares = apportion(prompt.chars, [len(r.text) for r in chunk])
        try:
            completion = call_with_retry(
                lambda: self._complete(prompt),
                retryable=self._retryable,
                policy=self.retry,
                sleep=self._sleep,
            )
        except RetriesExhausted as exc:
            return self._fail_all(
                chunk, f"{self.name} kept refusing ({exc.last}) after {exc.attempts} attempts"
            )
        except CallFailed as exc:
            return self._fail_all(chunk, str(exc))
        note = f"{self.name}: {len(chunk)} segments per call" + (
            f", {completion.usage}" if completion.usage else ""
        )
        if completion.truncated:
            return self._fail_all(
                chunk, "model reply was cut off (max tokens); lower max_segments_per_call", shares, note
            )
        try:
            texts = parse_reply(completion.text, prompt.ids)
        except ReplyError as exc:
            return self._fail_all(chunk, str(exc), shares, note)
        results = []
        for pid, request, share in zip(prompt.ids, chunk, shares, strict=True):
            text = texts.get(pid)
            if text is None:
                results.append(
                    TranslationResult(
                        request.id,
                        None,
                        self.name,
                        chars_billed=share,
                        note=note,
                        error="model returned no single translation for this segment",
                    )
                )
                continue
            billed = share + len(text)
            results.append(checked_result(request, text, self.name, billed, note))
        return results

    def _fail_all(
        self, chunk: list[TranslationRequest], error: str, shares: list[int] | None = None, note: str = ""
    ) -> list[TranslationResult]:
        shares = shares or [0] * len(chunk)
        return [
            TranslationResult(r.id, None, self.name, chars_billed=s, error=error, note=note)
            for r, s in zip(chunk, shares, strict=True)
        ]


@dataclass(frozen=True)
class BedrockConfig:
    """``engines.bedrock``: model and inference settings; credentials/region come from the AWS environment."""

    model_id: str = "anthropic.claude-3-haiku-20240307-v1:0"
    max_tokens: int = 4096
    temperature: float = 0.0
    region: str | None = None
    profile: str | None = None


_BEDROCK_RETRYABLE = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "ModelNotReadyException",
        "InternalServerException",
        "ModelTimeoutException",
    }
)


class BedrockEngine(ChatEngine):
    """Bedrock Runtime ``converse`` through boto3 (endpoint from ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``)."""

    name = "bedrock"

    def __init__(
        self,
        config: BedrockConfig | None = None,
        prompt: PromptConfig | None = None,
        memory: ExampleSource | None = None,
        *,
        session: boto3.Session | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(prompt, memory, retry or RetryPolicy(), sleep)
        self.config = config or BedrockConfig()
        self._session = session
        self._client: Any = None

    def _bedrock(self) -> Any:
        if self._client is None:
            try:
                session = self._session or boto3.Session(profile_name=self.config.profile)
                self._client = session.client(
                    "bedrock-runtime",
                    region_name=self.config.region,
                    config=Config(retries={"total_max_attempts": 1}, read_timeout=300),
                )
            except BotoCoreError as exc:
                raise fatal_aws_error(exc, "Amazon Bedrock", None) or EngineError(
                    f"cannot create the Bedrock client: {exc}"
                ) from exc
        return self._client

    def _retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            return code in _BEDROCK_RETRYABLE or is_retryable_aws(exc)
        return is_retryable_aws(exc)

    def _complete(self, prompt: Prompt) -> Completion:
        client = self._bedrock()
        try:
            resp = client.converse(
                modelId=self.config.model_id,
                system=[{"text": prompt.system}],
                messages=[{"role": "user", "content": [{"text": prompt.user}]}],
                inferenceConfig={"maxTokens": self.config.max_tokens, "temperature": self.config.temperature},
            )
        except (ClientError, BotoCoreError) as exc:
            if self._retryable(exc):
                raise
            fatal = fatal_aws_error(exc, "Amazon Bedrock", client.meta.endpoint_url)
            if fatal is not None:
                raise fatal from exc
            raise CallFailed(f"Bedrock refused the call: {exc}") from exc
        content = resp.get("output", {}).get("message", {}).get("content", [])
        text = "".join(part.get("text", "") for part in content)
        usage = resp.get("usage", {})
        return Completion(
            text,
            resp.get("stopReason") == "max_tokens",
            f"{usage.get('inputTokens', '?')} in / {usage.get('outputTokens', '?')} out tokens",
        )


@dataclass(frozen=True)
class OpenAIConfig:
    """``engines.openai``: any server speaking ``POST /v1/chat/completions`` (OpenAI, vLLM, Ollama, ...).

    ``api_key_env`` names the environment variable holding the key; ``None`` for keyless local servers.
    """

    base_url: str = "https://api.openai.com"
    model: str = "gpt-4o-mini"
    api_key_env: str | None = "OPENAI_API_KEY"
    max_tokens: int = 4096
    temperature: float = 0.0
    json_mode: bool = True
    timeout_s: float = 300.0


class _RetryableHttp(Exception):
    pass


class OpenAIEngine(ChatEngine):
    """OpenAI-compatible chat completions over httpx."""

    name = "openai"

    def __init__(
        self,
        config: OpenAIConfig | None = None,
        prompt: PromptConfig | None = None,
        memory: ExampleSource | None = None,
        *,
        client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(prompt, memory, retry or RetryPolicy(), sleep)
        self.config = config or OpenAIConfig()
        env = os.environ if environ is None else environ
        self._api_key: str | None = None
        if self.config.api_key_env:
            self._api_key = env.get(self.config.api_key_env)
            if not self._api_key:
                raise EngineError(
                    f"set the environment variable {self.config.api_key_env} to the API key for "
                    f"{self.config.base_url} (or set api_key_env: null for a keyless local server)"
                )
        self._http = client or httpx.Client(timeout=self.config.timeout_s)
        base = self.config.base_url.rstrip("/").removesuffix("/v1")
        self.url = f"{base}/v1/chat/completions"

    def close(self) -> None:
        """Close the HTTP connection pool (only matters for long-lived processes such as the app)."""
        self._http.close()

    def _retryable(self, exc: BaseException) -> bool:
        return isinstance(exc, _RetryableHttp | httpx.ReadTimeout | httpx.RemoteProtocolError)

    def _complete(self, prompt: Prompt) -> Completion:
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
        }
        if self.config.json_mode:
            body["response_format"] = {"type": "json_object"}
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            resp = self._http.post(self.url, json=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise EngineError(
                f"cannot reach the chat endpoint {self.url}: {exc}; check engines.openai.base_url"
            ) from exc
        if resp.status_code == 429 or resp.status_code >= 500:
            raise _RetryableHttp(f"HTTP {resp.status_code}: {_error_message(resp)}")
        if resp.status_code in (401, 403):
            raise EngineError(
                f"{self.url} rejected the API key (HTTP {resp.status_code}: {_error_message(resp)}); "
                f"check {self.config.api_key_env}"
            )
        if resp.status_code == 404:
            raise EngineError(f"{self.url} answered 404 ({_error_message(resp)}); check base_url and model")
        if resp.status_code >= 400:
            raise CallFailed(
                f"the chat endpoint refused the call (HTTP {resp.status_code}: {_error_message(resp)})"
            )
        try:
            data = resp.json()
            choice = data["choices"][0]
            text = choice["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise CallFailed(
                f"the chat endpoint answered without choices[0].message.content: {resp.text[:120]!r}"
            ) from exc
        usage = data.get("usage") or {}
        return Completion(
            text,
            choice.get("finish_reason") == "length",
            f"{usage.get('prompt_tokens', '?')} in / {usage.get('completion_tokens', '?')} out tokens",
        )


def _error_message(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:200]
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict):
        return str(err.get("message", err))
    return str(err or data)[:200]
