"""A local LLM stand-in speaking Bedrock Runtime Converse and OpenAI-compatible chat completions.

It "translates" the segments it finds between ``<segments>`` and ``</segments>`` in the last user
message (the JSON list :class:`bot.translate.llm.PromptBuilder` writes) with the same deterministic
pseudo-translator as the Translate emulator, applying the prompt's ``<glossary>`` terms and reusing an
``<examples>`` target verbatim when a segment equals its source (so in-context examples are testable).
It answers ``{"translations": [{"id", "text"}]}`` as the prompt asks.

Faults (attributes, set by a test): ``throttle`` (next N calls get 429: Bedrock ``ThrottlingException``
via ``x-amzn-ErrorType``, OpenAI ``rate_limit_exceeded``), ``malformed`` (next N replies are prose),
``drop_placeholder_in`` (drop the first ``⟦n⟧`` from segments containing one of these substrings).
``api_key`` makes the OpenAI route demand ``Authorization: Bearer <key>``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from tests.standins.aws_translate import pseudo_translate
from tests.standins.loopback import LoopbackServer

_SECTION_RE = r"<{0}>\n(.*?)\n</{0}>"
_CONVERSE_RE = re.compile(r"^/model/([^/]+)/converse$")
_PLACEHOLDER_RE = re.compile(r"⟦\d+⟧")


@dataclass
class Received:
    """One request the stand-in answered."""

    api: str
    path: str
    body: dict[str, Any]
    status: int = 200

    @property
    def prompt(self) -> str:
        """The system and user text of the request, joined (for asserting what the engine sent)."""
        if self.api == "bedrock":
            system = " ".join(p.get("text", "") for p in self.body.get("system", []))
            user = " ".join(
                c.get("text", "") for m in self.body.get("messages", []) for c in m.get("content", [])
            )
            return f"{system}\n{user}"
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


@dataclass
class LLMStandin:
    """The stand-in server on 127.0.0.1 (a free port unless one is given)."""

    target: str = "zh"
    port: int = 0
    throttle: int = 0
    malformed: int = 0
    drop_placeholder_in: list[str] = field(default_factory=list)
    api_key: str | None = None
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = LoopbackServer(_make_handler(self), self.port, "llm-standin")

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> LLMStandin:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    # -- the "model" -----------------------------------------------------------------------------------

    def reply_for(self, prompt: str) -> str:
        """The model's answer text for a user prompt (after faults that change the text)."""
        if self.malformed > 0:
            self.malformed -= 1
            return "Sure! Here are your translations:\n1. " + prompt[:40]
        segments = _section(prompt, "segments") or []
        glossary = _section(prompt, "glossary") or {}
        examples = {e["source"]: e["target"] for e in (_section(prompt, "examples") or [])}
        out = []
        for seg in segments:
            text = seg["text"]
            translated = examples.get(text) or pseudo_translate(text, self.target, glossary)
            if any(s in text for s in self.drop_placeholder_in):
                translated = _PLACEHOLDER_RE.sub("", translated, count=1)
            out.append({"id": seg["id"], "text": translated})
        return json.dumps({"translations": out}, ensure_ascii=False)

    def handle(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            converse = _CONVERSE_RE.match(path)
            api = "bedrock" if converse else "openai"
            call = Received(api, path, body)
            self.received.append(call)
            status, headers, payload = self._answer(api, converse, body)
            call.status = status
            return status, headers, payload

    def _answer(
        self, api: str, converse: re.Match[str] | None, body: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if api == "openai" and not isinstance(body.get("messages"), list):
            return 400, {}, {"error": {"message": "'messages' is required", "type": "invalid_request_error"}}
        if self.throttle > 0:
            self.throttle -= 1
            if api == "bedrock":
                return (
                    429,
                    {
                        "x-amzn-ErrorType": "ThrottlingException:http://internal.amazon.com/coral/"
                        "com.amazon.bedrock/"
                    },
                    {"message": "Too many requests, please wait before trying again."},
                )
            return (
                429,
                {},
                {
                    "error": {
                        "message": "Rate limit reached for requests",
                        "type": "requests",
                        "code": "rate_limit_exceeded",
                    }
                },
            )
        if api == "bedrock":
            assert converse is not None
            messages = body.get("messages") or []
            if not messages or not all(m.get("content") for m in messages):
                return (
                    400,
                    {"x-amzn-ErrorType": "ValidationException"},
                    {"message": "messages must not be empty"},
                )
            user = " ".join(c.get("text", "") for c in messages[-1]["content"])
            text = self.reply_for(user)
            return (
                200,
                {},
                {
                    "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                    "stopReason": "end_turn",
                    "usage": {
                        "inputTokens": len(user) // 4,
                        "outputTokens": len(text) // 4,
                        "totalTokens": (len(user) + len(text)) // 4,
                    },
                    "metrics": {"latencyMs": 7},
                },
            )
        messages = body.get("messages") or []
        user = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
        text = self.reply_for(user)
        return (
            200,
            {},
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "standin"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {
                    "prompt_tokens": len(user) // 4,
                    "completion_tokens": len(text) // 4,
                    "total_tokens": (len(user) + len(text)) // 4,
                },
            },
        )


def _section(prompt: str, name: str) -> Any:
    m = re.search(_SECTION_RE.format(name), prompt, re.DOTALL)
    return json.loads(m.group(1)) if m else None


def _make_handler(standin: LLMStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = unquote(self.path.split("?", 1)[0])
            if not (_CONVERSE_RE.match(path) or path == "/v1/chat/completions"):
                self._send(404, {}, {"message": f"no route {path}"})
                return
            if path == "/v1/chat/completions" and standin.api_key is not None:
                if self.headers.get("Authorization") != f"Bearer {standin.api_key}":
                    self._send(
                        401,
                        {},
                        {
                            "error": {
                                "message": "Incorrect API key provided",
                                "type": "invalid_request_error",
                                "code": "invalid_api_key",
                            }
                        },
                    )
                    return
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._send(400, {"x-amzn-ErrorType": "ValidationException"}, {"message": "Malformed JSON"})
                return
            self._send(*standin.handle(path, body))

        def _send(self, status: int, headers: dict[str, str], payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence per-request logs
            return

    return Handler
