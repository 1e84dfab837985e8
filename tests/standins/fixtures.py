"""pytest fixtures that start the paid-service stand-ins on free local ports.

Register with ``pytest_plugins = ["tests.standins.fixtures"]``. Every server binds 127.0.0.1 on port 0,
so pytest-xdist workers never collide. S3 (moto's server) is one per worker session because it takes a
moment to start; tests keep apart by using their own bucket (:func:`new_bucket`). The Translate emulator
and the LLM stand-in are cheap and fresh for every test, so fault counters and call logs never leak.

Code under test reaches them only through the standard endpoint variables that :func:`aws_env` sets:
no Stubber, no patched boto3.
"""

from __future__ import annotations

import html
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from bot.markdown.protect import protect
from bot.translate.base import TranslationRequest
from tests.standins.aws_translate import DEFAULT_SHARED, TranslateEmulator
from tests.standins.llm import LLMStandin

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass(frozen=True)
class S3Server:
    """moto's S3 in server mode."""

    url: str

    def client(self) -> Any:
        """A boto3 S3 client on this server (for arranging and inspecting state in tests)."""
        return boto3.client("s3", endpoint_url=self.url, region_name=REGION, **CREDENTIALS)

    def new_bucket(self, prefix: str = "amts-test") -> str:
        """Create a bucket with a unique name and return the name."""
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.client().create_bucket(Bucket=name)
        return name


@dataclass(frozen=True)
class AwsEnv:
    """What :func:`aws_env` wired up."""

    translate: TranslateEmulator
    s3: S3Server
    llm: LLMStandin
    region: str = REGION


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def translate_server(s3_server: S3Server) -> Iterator[TranslateEmulator]:
    emulator = TranslateEmulator(s3_server.url, shared=DEFAULT_SHARED).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def llm_server() -> Iterator[LLMStandin]:
    standin = LLMStandin().start()
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture
def aws_env(
    monkeypatch: pytest.MonkeyPatch,
    translate_server: TranslateEmulator,
    s3_server: S3Server,
    llm_server: LLMStandin,
    tmp_path: Any,
) -> AwsEnv:
    """Point every boto3 client at the stand-ins, with dummy credentials and no user AWS config."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config-absent"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials-absent"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_TRANSLATE", translate_server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", llm_server.url)
    return AwsEnv(translate_server, s3_server, llm_server)


def make_request(request_id: str, markdown: str) -> TranslationRequest:
    """A request exactly as the planner builds it (``bot.markdown.protect``)."""
    seg = protect(markdown)
    return TranslationRequest(request_id, seg.text, html=seg.html, source=markdown, originals=seg.originals)


def restore(text: str, request: TranslationRequest) -> str:
    """Put the original markup back into a translated placeholder text (inverse of :func:`make_request`)."""
    originals = {
        int(m.group(1)): html.unescape(m.group(2))
        for m in re.finditer(r'<span translate="no" data-p="(\d+)">(.*?)</span>', request.html, re.DOTALL)
    }
    return re.sub(r"⟦(\d+)⟧", lambda m: originals[int(m.group(1))], text)
