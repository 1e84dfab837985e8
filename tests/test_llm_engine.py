"""LLM engines end to end: boto3 Converse and httpx chat completions against the local LLM stand-in."""

from __future__ import annotations

import json
import socket

import pytest

from bot.translate.aws import RetryPolicy
from bot.translate.base import EngineError
from bot.translate.budget import Budget, BudgetExceeded
from bot.translate.llm import (
    BedrockConfig,
    BedrockEngine,
    OpenAIConfig,
    OpenAIEngine,
    PromptBuilder,
    PromptConfig,
    ReplyError,
    parse_reply,
)
from bot.translate.retrieval import NgramRetriever
from tests.standins.fixtures import AwsEnv, make_request
from tests.standins.llm import LLMStandin

FAST = RetryPolicy(max_attempts=4, base_delay=0.25, max_delay=2.0)
MEMORY = NgramRetriever(
    [
        ("The loss function measures the error.", "损失函数衡量误差。"),
        ("Stochastic gradient descent updates the parameters.", "随机梯度下降更新参数。"),
        ("Plain prose without markup.", "没有标记的纯文本。"),
        ("Images are stored as tensors.", "图像以张量形式存储。"),
    ]
)
GLOSSARY = {"gradient descent": "梯度下降", "tensor": "张量", "attention": "注意力"}
SEGMENTS = [
    make_request("s#1", "Run gradient descent on the loss $\\ell$ until :numref:`sec_sgd` converges."),
    make_request("s#2", "Plain prose without markup."),
    make_request("s#3", "Call `net(X)` once."),
]


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def prompt_config(**overrides: object) -> PromptConfig:
    settings: dict[str, object] = {
        "glossary": GLOSSARY,
        "style_guide": "No spaces between Chinese and Latin text.",
    }
    settings.update(overrides)
    return PromptConfig(**settings)  # type: ignore[arg-type]


def bedrock(
    sleeps: Sleeps | None = None, memory: NgramRetriever | None = MEMORY, **prompt: object
) -> BedrockEngine:
    return BedrockEngine(
        BedrockConfig(model_id="anthropic.claude-3-haiku-20240307-v1:0"),
        prompt_config(**prompt),
        memory,
        retry=FAST,
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def openai(
    server: LLMStandin, sleeps: Sleeps | None = None, env: dict[str, str] | None = None
) -> OpenAIEngine:
    return OpenAIEngine(
        OpenAIConfig(base_url=server.url + "/v1", model="local-model", api_key_env="AMTS_LLM_KEY"),
        prompt_config(),
        MEMORY,
        retry=FAST,
        sleep=sleeps if sleeps is not None else Sleeps(),
        environ=env if env is not None else {"AMTS_LLM_KEY": "sk-test"},
    )


# -- pure parts ----------------------------------------------------------------------------------


def test_retriever_ranks_similar_pairs_first_and_ignores_placeholder_numbers() -> None:
    hits = MEMORY.search("The loss function measures the errors ⟦3⟧.", 2)
    assert hits[0][:2] == ("The loss function measures the error.", "损失函数衡量误差。")
    assert len(hits) == 2 and hits[0][2] > hits[1][2]
    assert MEMORY.search("⟦0⟧", 3) == MEMORY.search("⟦7⟧", 3)
    assert NgramRetriever([("abc", "x")]).search("zzzz qqq", 3) == []


def test_prompt_holds_rules_style_examples_matching_glossary_and_segments() -> None:
    builder = PromptBuilder(prompt_config(examples_k=1), MEMORY)
    prompt = builder.build(SEGMENTS)
    assert "exactly once" in prompt.system and "No spaces between Chinese and Latin text." in prompt.system
    assert "Simplified Chinese" in prompt.system
    examples = json.loads(prompt.user.split("<examples>\n")[1].split("\n</examples>")[0])
    assert {
        "source": "Stochastic gradient descent updates the parameters.",
        "target": "随机梯度下降更新参数。",
    } in examples
    assert examples[0] == {
        "source": "Plain prose without markup.",
        "target": "没有标记的纯文本。",
    }  # exact: best
    glossary = json.loads(prompt.user.split("<glossary>\n")[1].split("\n</glossary>")[0])
    assert glossary == {"gradient descent": "梯度下降"}  # "tensor" and "attention" do not occur
    segments = json.loads(prompt.user.split("<segments>\n")[1].split("\n</segments>")[0])
    assert segments == [{"id": str(i), "text": s.text} for i, s in enumerate(SEGMENTS)]


def test_parse_reply_is_strict() -> None:
    ids = ["0", "1", "2"]
    assert parse_reply('```json\n{"translations": [{"id": 0, "text": "a"}]}\n```', ids) == {"0": "a"}
    twice = '{"translations": [{"id": "1", "text": "a"}, {"id": "1", "text": "b"}, {"id": "9", "text": "c"}]}'
    assert parse_reply(twice, ids) == {}
    with pytest.raises(ReplyError, match="not JSON"):
        parse_reply('Here you go: {"translations": []}', ids)
    with pytest.raises(ReplyError, match='no "translations" list'):
        parse_reply('{"result": []}', ids)


# -- Bedrock -------------------------------------------------------------------------------------


def test_bedrock_translates_with_examples_and_glossary(aws_env: AwsEnv) -> None:
    results = bedrock().translate(SEGMENTS)
    assert [r.id for r in results] == ["s#1", "s#2", "s#3"]
    assert all(r.ok for r in results), results
    assert results[0].text == "译Run 梯度下降 译on 译the 译loss ⟦0⟧ 译until ⟦1⟧ 译converges."
    assert results[1].text == "没有标记的纯文本。"  # equals a memory pair, so the stand-in reused the example
    call = aws_env.llm.received[0]
    assert call.api == "bedrock" and call.path == "/model/anthropic.claude-3-haiku-20240307-v1:0/converse"
    assert call.body["inferenceConfig"] == {"maxTokens": 4096, "temperature": 0.0}
    assert "<examples>" in call.prompt and "gradient descent" in call.prompt
    assert all(r.chars_billed > 0 for r in results) and "tokens" in results[0].note


def test_bedrock_throttling_is_retried(aws_env: AwsEnv) -> None:
    aws_env.llm.throttle = 2
    sleeps = Sleeps()
    results = bedrock(sleeps).translate(SEGMENTS)
    assert all(r.ok for r in results)
    assert [c.status for c in aws_env.llm.received] == [429, 429, 200]
    assert sleeps == [0.25, 0.5]


def test_bedrock_throttling_forever_fails_segments_with_the_reason(aws_env: AwsEnv) -> None:
    aws_env.llm.throttle = 50
    results = bedrock().translate(SEGMENTS)
    assert len(aws_env.llm.received) == FAST.max_attempts
    assert all(r.error and "ThrottlingException" in r.error for r in results)


def test_dropped_placeholder_fails_only_that_segment(aws_env: AwsEnv) -> None:
    aws_env.llm.drop_placeholder_in = ["Call"]
    results = bedrock().translate(SEGMENTS)
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].error == "placeholder ⟦0⟧ missing" and results[2].text is None


def test_malformed_reply_fails_only_the_segments_of_that_call(aws_env: AwsEnv) -> None:
    aws_env.llm.malformed = 1
    results = bedrock(max_segments_per_call=2).translate(SEGMENTS)
    assert len(aws_env.llm.received) == 2
    assert [r.ok for r in results] == [False, False, True]
    assert results[0].error is not None and results[0].error.startswith("model reply is not JSON")


def test_bedrock_over_budget_sends_nothing(aws_env: AwsEnv) -> None:
    eng = bedrock()
    with pytest.raises(BudgetExceeded, match="engine 'bedrock'"):
        Budget(max_chars=eng.estimate(SEGMENTS) - 1).check(eng, SEGMENTS)
    assert aws_env.llm.received == []


def test_bedrock_unreachable_is_an_engine_error(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", f"http://127.0.0.1:{port}")
    with pytest.raises(EngineError, match="cannot reach Amazon Bedrock"):
        bedrock().translate(SEGMENTS)


# -- OpenAI-compatible ---------------------------------------------------------------------------


def test_openai_compatible_endpoint_translates(llm_server: LLMStandin) -> None:
    llm_server.api_key = "sk-test"
    results = openai(llm_server).translate(SEGMENTS)
    assert all(r.ok for r in results), results
    assert results[2].text == "译Call ⟦0⟧ 译once."
    call = llm_server.received[0]
    assert call.api == "openai" and call.body["model"] == "local-model"
    assert call.body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in call.body["messages"]] == ["system", "user"]


def test_openai_429_is_retried(llm_server: LLMStandin) -> None:
    llm_server.throttle = 1
    sleeps = Sleeps()
    assert all(r.ok for r in openai(llm_server, sleeps).translate(SEGMENTS))
    assert [c.status for c in llm_server.received] == [429, 200] and sleeps == [0.25]


def test_openai_key_problems_are_clear_engine_errors(llm_server: LLMStandin) -> None:
    with pytest.raises(EngineError, match="set the environment variable AMTS_LLM_KEY"):
        openai(llm_server, env={})
    llm_server.api_key = "sk-other"
    with pytest.raises(EngineError, match="rejected the API key .*HTTP 401.*AMTS_LLM_KEY"):
        openai(llm_server).translate(SEGMENTS)
