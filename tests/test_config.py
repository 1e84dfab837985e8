"""config/amts.yml: the shipped file loads, and every kind of mistake gives one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "config" / "amts.yml"

MINIMAL = """\
editions:
  zh:
    repo: d2l-ai/d2l-zh
    lang: zh
    engine: aws
engines:
  aws:
    region: us-east-1
"""


def mistakes(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="amts.yml")
    return info.value.mistakes


def one_mistake(text: str) -> str:
    found = mistakes(text)
    assert len(found) == 1, found
    return found[0]


def test_shipped_config_loads():
    config = load_config(SHIPPED)
    assert isinstance(config, Config)
    assert set(config.editions) == {"zh", "ja", "ko", "tr", "vi", "pt"}
    assert {e.repo for e in config.editions.values()} == {f"d2l-ai/d2l-{n}" for n in config.editions}
    zh = config.edition("zh")
    assert zh.extra_frameworks == ["paddle"] and zh.terminology == "TERMINOLOGY.md"
    assert zh.style_guide == "STYLE_GUIDE.md" and zh.origin_suffix == "_origin"
    assert config.upstream.repo == "d2l-ai/d2l-en"
    assert config.github.trusted_permission == "write"


def test_shipped_config_says_pt_has_no_origin_files():
    config = load_config(SHIPPED)
    assert config.editions["pt"].needs_init and config.editions["pt"].init_from
    assert not any(config.editions[n].needs_init for n in ("zh", "ja", "ko", "tr", "vi"))


def test_defaults_fill_what_is_left_out():
    config = parse_config(MINIMAL)
    zh = config.editions["zh"]
    assert zh.origin_suffix == "_origin" and zh.branch == "master" and zh.budget_chars == 0
    assert zh.paths == ["chapter_*/*.md"] and zh.rename == {} and not zh.needs_init
    aws = config.engines.aws
    assert aws is not None
    assert (aws.price_standard_per_million, aws.price_act_per_million) == (15.0, 60.0)
    assert aws.mode == "auto" and config.github.trusted_permission == "write"


def test_edition_helpers():
    zh = load_config(SHIPPED).edition("zh")
    assert zh.origin_path("chapter_x/y.md") == "chapter_x/y_origin.md"
    assert zh.edition_path("chapter_attention-mechanisms/nadaraya-watson.md").endswith("nadaraya-waston.md")
    with pytest.raises(ConfigError, match="no edition 'fr'.*zh"):
        load_config(SHIPPED).edition("fr")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yml")
    assert str(info.value) == f"{tmp_path / 'nope.yml'}: no such config file " \
                              "(start from config/amts.yml in the AMTS repository)"


def test_directory_and_empty_and_not_a_mapping(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)
    assert "the config is empty" in one_mistake("")
    assert one_mistake("- zh\n- ja\n") == "amts.yml:1: the config must be a mapping of sections, got a list"


def test_yaml_syntax_error_names_line_and_column():
    text = MINIMAL.replace("    lang: zh\n", "    lang: [zh\n")
    msg = one_mistake(text)
    assert msg.startswith("amts.yml:5:") and "YAML syntax error" in msg


def test_duplicate_key_is_a_mistake():
    msg = one_mistake(MINIMAL.replace("    lang: zh\n", "    lang: zh\n    lang: ja\n"))
    assert msg == "amts.yml:5:5: YAML syntax error: duplicate key 'lang' (first on line 4)"


def test_wrong_engine_name():
    msg = one_mistake(MINIMAL.replace("engine: aws", "engine: awz"))
    assert msg == "amts.yml:5: editions.zh.engine: must be one of tm, aws, bedrock, openai (got 'awz')"


def test_unknown_key_suggests_the_right_one():
    msg = one_mistake(MINIMAL.replace("    region:", "    regoin:"))
    assert msg == "amts.yml:8: engines.aws.regoin: unknown key (did you mean 'region'?)"
    msg = one_mistake(MINIMAL + "colour: blue\n")
    assert msg.startswith("amts.yml:9: colour: unknown key (allowed: version, upstream, editions")


def test_wrong_types_are_not_coerced():
    assert one_mistake(MINIMAL.replace("engine: aws", "engine: aws\n    budget_chars: lots")) == \
        "amts.yml:6: editions.zh.budget_chars: must be a valid integer (got 'lots')"
    assert one_mistake(MINIMAL.replace("engine: aws", "engine: aws\n    budget_chars: '5000'")) == \
        "amts.yml:6: editions.zh.budget_chars: must be a valid integer (got '5000')"
    assert one_mistake(MINIMAL.replace("engine: aws", "engine: aws\n    extra_frameworks: paddle")) == \
        "amts.yml:6: editions.zh.extra_frameworks: must be a valid list (got 'paddle')"
    assert one_mistake(MINIMAL.replace("engine: aws", "engine: aws\n    budget_chars: -5")) == \
        "amts.yml:6: editions.zh.budget_chars: must be greater than or equal to 0 (got -5)"


def test_patterns_explain_what_is_expected():
    assert one_mistake(MINIMAL.replace("repo: d2l-ai/d2l-zh", "repo: d2l-zh")) == \
        "amts.yml:3: editions.zh.repo: must be a GitHub repository as owner/name, e.g. d2l-ai/d2l-zh " \
        "(got 'd2l-zh')"
    assert one_mistake(MINIMAL.replace("  zh:\n", "  Chinese:\n")) == \
        "amts.yml:2: editions.Chinese: the name must be a language code such as zh, pt or zh-TW " \
        "(got 'Chinese')"


def test_missing_required_key():
    assert one_mistake(MINIMAL.replace("    repo: d2l-ai/d2l-zh\n", "")) == \
        "amts.yml:2: editions.zh.repo: is required but missing"
    assert one_mistake("upstream:\n  repo: d2l-ai/d2l-en\n") == \
        "amts.yml:1: editions: is required but missing"


def test_every_mistake_is_listed_one_per_line():
    text = (MINIMAL.replace("engine: aws", "engine: deepl").replace("lang: zh", "lang: 5")
            + "github:\n  trusted_permission: everyone\n")
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="amts.yml")
    lines = str(info.value).splitlines()
    assert lines[0] == "amts.yml has 3 mistakes:"
    assert lines[1:] == [
        "  amts.yml:4: editions.zh.lang: must be a valid string (got 5)",
        "  amts.yml:5: editions.zh.engine: must be one of tm, aws, bedrock, openai (got 'deepl')",
        "  amts.yml:10: github.trusted_permission: must be one of read, triage, write, maintain, admin "
        "(got 'everyone')",
    ]


def test_cross_checks():
    assert one_mistake(MINIMAL.replace("engine: aws", "engine: openai")) == \
        "amts.yml:5: editions.zh.engine: uses engine 'openai' but engines.openai is not configured"
    pt = "editions:\n  pt:\n    repo: d2l-ai/d2l-pt\n    lang: pt\n    needs_init: true\n"
    assert one_mistake(pt).startswith(
        "amts.yml:2: editions.pt.init_from: is required when needs_init is true")
    realtime_act = MINIMAL + "    mode: realtime\n    parallel_data_name: d2l\n"
    assert one_mistake(realtime_act).startswith(
        "amts.yml:10: engines.aws.parallel_data_name: parallel data (Active Custom Translation) "
        "works only in batch jobs")
    batch = MINIMAL + "    mode: batch\n"
    found = mistakes(batch)
    assert [m.split(": ")[1] for m in found] == ["engines.aws.s3_bucket", "engines.aws.data_access_role_arn"]


def test_config_is_immutable():
    config = parse_config(MINIMAL)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        config.editions["zh"].engine = "tm"  # type: ignore[misc]
