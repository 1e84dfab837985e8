"""Engines by name, and the translation memory built from an edition's own translations."""

from __future__ import annotations

from collections.abc import Iterable

import git

from bot.align.blocks import align
from bot.align.textpairs import TextPair, text_pairs
from bot.config import Engines
from bot.markdown.blocks import MarkdownError, parse
from bot.translate.base import Engine, EngineError
from bot.translate.tm import TmEngine, TranslationMemory

ENGINES = ("tm", "aws", "bedrock", "openai")
#: Engines that read the translation memory (the tm itself; LLMs for their in-context examples).
MEMORY_ENGINES = frozenset({"tm", "bedrock", "openai"})


def memory_from_texts(pairs: Iterable[tuple[str, str]], src_lang: str, lang: str,
                      extra_frameworks: Iterable[str] = ("paddle",)) -> TranslationMemory:
    """Sentence and paragraph pairs of (origin English, translation) file texts."""
    collected: list[TextPair] = []
    extra = tuple(extra_frameworks)
    for origin, translation in pairs:
        try:
            alignment = align(parse(origin), parse(translation), extra)
        except MarkdownError:
            continue  # an unparsable file teaches nothing; the sync reports it where it matters
        collected += text_pairs(alignment, src_lang, lang, "paragraph")
        collected += text_pairs(alignment, src_lang, lang, "sentence")
    return TranslationMemory.from_pairs(collected)


def memory_from_commit(commit: git.Commit, suffix: str, src_lang: str, lang: str,
                       extra_frameworks: Iterable[str] = ("paddle",)) -> TranslationMemory:
    """The memory of an edition at ``commit``: every ``X.md`` with its ``X<suffix>.md``."""
    blobs = {b.path: b for b in commit.tree.traverse() if b.type == "blob" and b.path.endswith(".md")}

    def texts():
        for path, blob in blobs.items():
            origin = blobs.get(path[:-3] + suffix + ".md")
            if origin is not None and not path.endswith(suffix + ".md"):
                try:
                    yield origin.data_stream.read().decode(), blob.data_stream.read().decode()
                except UnicodeDecodeError:
                    continue

    return memory_from_texts(texts(), src_lang, lang, extra_frameworks)


def make_engine(name: str, memory: TranslationMemory | None = None, lang: str = "zh",
                src_lang: str = "en", engines: Engines | None = None) -> Engine:
    """An engine by name, configured from ``engines`` (config/amts.yml) when given; credentials and
    endpoints come from the standard AWS/OpenAI environment, never from the config file."""
    if name == "tm":
        return TmEngine(memory or TranslationMemory([], []))
    if name == "aws":
        from bot.translate.aws import AwsTranslateConfig, AwsTranslateEngine

        c = engines.aws if engines else None
        if c is None:
            return AwsTranslateEngine(AwsTranslateConfig(source_lang=src_lang, target_lang=lang))
        return AwsTranslateEngine(AwsTranslateConfig(
            source_lang=src_lang, target_lang=lang, mode=c.mode, terminology_names=tuple(c.terminology_names),
            parallel_data_name=c.parallel_data_name, bucket=c.s3_bucket,
            input_prefix=c.s3_prefix.rstrip("/") + "/input", output_prefix=c.s3_prefix.rstrip("/") + "/output",
            role_arn=c.data_access_role_arn, price_standard_per_million=c.price_standard_per_million,
            price_act_per_million=c.price_act_per_million, region=c.region))
    if name == "bedrock":
        from bot.translate.llm import BedrockConfig, BedrockEngine

        b = engines.bedrock if engines else None
        config = BedrockConfig(model_id=b.model_id, region=b.region) if b else None
        return BedrockEngine(config, memory=memory)
    if name == "openai":
        from bot.translate.llm import OpenAIConfig, OpenAIEngine

        o = engines.openai if engines else None
        config = OpenAIConfig(base_url=o.base_url, model=o.model, api_key_env=o.api_key_env) if o else None
        return OpenAIEngine(config, memory=memory)
    raise EngineError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


def engine_for(name: str, commit: git.Commit, suffix: str, src_lang: str, lang: str,
               extra_frameworks: Iterable[str] = ("paddle",), engines: Engines | None = None) -> Engine:
    """The engine for a sync of the edition at ``commit``. The memory (a whole-edition alignment) is only
    built for engines that read it."""
    memory = memory_from_commit(commit, suffix, src_lang, lang, extra_frameworks) if name in MEMORY_ENGINES else None
    return make_engine(name, memory, lang, src_lang, engines)
