"""Engines by name, and the translation memory built from an edition's own translations."""

from __future__ import annotations

from collections.abc import Iterable

import git

from bot.cache import Cache, cached_memory_entries, memory_entries, open_cache
from bot.config import Engines
from bot.sync.repos import blob_ids
from bot.translate.base import Engine, EngineError
from bot.translate.memoryfirst import MemoryFirst
from bot.translate.tm import LazyMemory, TmEngine, TranslationMemory

ENGINES = ("tm", "aws", "bedrock", "openai")
#: Engines that read the translation memory: all of them (``tm`` is the memory; the others are asked only what
#: the memory does not have exactly, see ``bot/translate/memoryfirst.py``, and LLMs take examples from it).
MEMORY_ENGINES = frozenset(ENGINES)


def memory_from_texts(pairs: Iterable[tuple[str, str]], src_lang: str, lang: str,
                      extra_frameworks: Iterable[str] = ("paddle",)) -> TranslationMemory:
    """Sentence and paragraph pairs of (origin English, translation) file texts."""
    extra = tuple(extra_frameworks)
    return TranslationMemory.from_pairs(entry for origin, translation in pairs
                                        for entry in memory_entries(origin, translation, src_lang, lang, extra))


def memory_from_commit(commit: git.Commit, suffix: str, src_lang: str, lang: str,
                       extra_frameworks: Iterable[str] = ("paddle",), cache: Cache | None = None) -> TranslationMemory:
    """The memory of an edition at ``commit``: every ``X.md`` with its ``X<suffix>.md``. With a ``cache``,
    a file pair aligned before (same blobs, same aligner) is not read nor aligned again."""
    ids = {path: sha for path, sha in blob_ids(commit).items() if path.endswith(".md")}
    extra = tuple(extra_frameworks)
    entries: list[tuple[str, str]] = []
    for path, blob in ids.items():
        origin = ids.get(path[:-3] + suffix + ".md")
        if origin is None or path.endswith(suffix + ".md"):
            continue

        def read(origin=origin, blob=blob) -> tuple[str, str]:
            odb = commit.repo.odb
            return odb.stream(bytes.fromhex(origin)).read().decode(), odb.stream(bytes.fromhex(blob)).read().decode()

        try:
            entries += cached_memory_entries(cache, origin, blob, read, src_lang, lang, extra)
        except UnicodeDecodeError:
            continue
    return TranslationMemory.from_pairs(entries)


def make_engine(name: str, memory: TranslationMemory | LazyMemory | None = None, lang: str = "zh",
                src_lang: str = "en", engines: Engines | None = None) -> Engine:
    """An engine by name, configured from ``engines`` (config/amts.yml) when given; credentials and
    endpoints come from the standard AWS/OpenAI environment, never from the config file."""
    if name == "tm":
        return TmEngine(memory if memory is not None else TranslationMemory([], []))
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
               extra_frameworks: Iterable[str] = ("paddle",), engines: Engines | None = None,
               cache: Cache | None = None) -> Engine:
    """The engine for a sync of the edition at ``commit``, asking the edition's translation memory first (exact
    matches are the translators' own text). The memory (a whole-edition alignment) is only built when the
    engine is first asked something (a run without
    requests aligns nothing); file pairs come from ``cache`` (default: ``open_cache()``, i.e. $AMTS_CACHE)
    when they were aligned before."""
    memory = None
    if name in MEMORY_ENGINES:
        memory = LazyMemory(lambda: memory_from_commit(commit, suffix, src_lang, lang, extra_frameworks,
                                                       cache if cache is not None else open_cache()))
    engine = make_engine(name, memory, lang, src_lang, engines)
    return engine if name == "tm" or memory is None else MemoryFirst(engine, memory)
