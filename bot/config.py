"""``config/amts.yml``: which editions AMTS keeps in sync, with which engine, budget and GitHub App.

Why typed models: a sync run touches six repositories and may spend money, so a typo must stop the run
before anything happens, and say exactly where it is. ``load_config`` reads the YAML, validates it
strictly (unknown keys and wrong types are mistakes, nothing is coerced) and raises one
``ConfigError`` that lists *every* mistake on its own line with its YAML line and dotted location::

    config/amts.yml has 2 mistakes:
      config/amts.yml:14: editions.zh.engine: must be one of tm, aws, bedrock, openai (got 'awz')
      config/amts.yml:31: engines.aws.regoin: unknown key (did you mean 'region'?)

The models hold names of environment variables (``api_key_env``, ``app_id_env``), never secrets, and
this module never reads the environment: the shell that starts a run does.

Origin files: an edition normally has ``X_origin.md`` beside each ``X.md`` (the English it was
translated from, d2lbook's convention; zh, ja, ko, tr, vi). An edition without them (pt) sets
``needs_init: true`` and ``init_from`` (the upstream revision its translation followed): AMTS then
writes the origin files from that revision once, and only files with an origin file are synced.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from yaml.nodes import MappingNode, Node, SequenceNode

__all__ = [
    "AwsEngine",
    "BedrockEngine",
    "Config",
    "ConfigError",
    "Edition",
    "Engines",
    "GitHub",
    "OpenAIEngine",
    "Upstream",
    "load_config",
    "parse_config",
]

ENGINE_NAMES = ("tm", "aws", "bedrock", "openai")
PAID_ENGINES = frozenset({"aws", "bedrock", "openai"})

_REPO = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
_LANG = r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"
_ENV = r"^[A-Z_][A-Z0-9_]*$"
_REGION = r"^[a-z]{2}(-[a-z]+)+-\d$"
_AWS_NAME = r"^([A-Za-z0-9-]_?)+$"
_ROLE_ARN = r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/.+$"
_BUCKET = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
_SUFFIX = r"^[A-Za-z0-9_.-]+$"
_URL = r"^https?://\S+$"
_PATTERN_HELP = {
    _REPO: "a GitHub repository as owner/name, e.g. d2l-ai/d2l-zh",
    _LANG: "a language code such as zh, pt or zh-TW",
    _ENV: "an environment variable name such as AMTS_APP_ID",
    _REGION: "an AWS region such as us-east-1",
    _AWS_NAME: "an Amazon Translate resource name (letters, digits, '-' and single '_')",
    _ROLE_ARN: "an IAM role ARN such as arn:aws:iam::123456789012:role/amts-translate",
    _BUCKET: "an S3 bucket name (lowercase letters, digits, '.' and '-')",
    _SUFFIX: "a file-name suffix such as _origin",
    _URL: "an http(s) URL",
}

Repo = Annotated[str, StringConstraints(pattern=_REPO)]
Lang = Annotated[str, StringConstraints(pattern=_LANG)]
EnvName = Annotated[str, StringConstraints(pattern=_ENV)]
Region = Annotated[str, StringConstraints(pattern=_REGION)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
EngineName = Literal["tm", "aws", "bedrock", "openai"]
Permission = Literal["read", "triage", "write", "maintain", "admin"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Upstream(_Model):
    """The English book every edition follows."""

    repo: Repo = "d2l-ai/d2l-en"
    branch: NonEmpty = "master"
    lang: Lang = "en"


class Edition(_Model):
    """One translated repository.

    ``paths`` are globs of upstream files this edition follows; ``rename`` maps an upstream path to
    the edition's own name for it (d2l-zh kept ``nadaraya-waston.md`` when English renamed it).
    ``budget_chars`` caps the characters one run may send to a paid engine (0: none).
    """

    repo: Repo
    lang: Lang
    branch: NonEmpty = "master"
    origin_suffix: Annotated[str, StringConstraints(pattern=_SUFFIX)] = "_origin"
    needs_init: bool = False
    init_from: NonEmpty | None = None
    extra_frameworks: list[NonEmpty] = Field(default_factory=list)
    terminology: NonEmpty | None = None
    style_guide: NonEmpty | None = None
    engine: EngineName = "tm"
    budget_chars: Annotated[int, Field(ge=0)] = 0
    paths: Annotated[list[NonEmpty], Field(min_length=1)] = Field(default_factory=lambda: ["chapter_*/*.md"])
    rename: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)

    def origin_path(self, path: str) -> str:
        """``chapter_x/y.md`` → ``chapter_x/y_origin.md`` (with this edition's suffix)."""
        stem, dot, ext = path.rpartition(".")
        return f"{stem}{self.origin_suffix}.{ext}" if dot else f"{path}{self.origin_suffix}"

    def edition_path(self, upstream_path: str) -> str:
        """Where an upstream file lives in this edition (after ``rename``)."""
        return self.rename.get(upstream_path, upstream_path)


class AwsEngine(_Model):
    """Amazon Translate. ``mode``: ``realtime`` (TranslateText), ``batch`` (jobs through S3; the only
    way to use parallel data, i.e. Active Custom Translation) or ``auto`` (batch when parallel data is
    set, else realtime). Prices are per million characters and only feed the cost estimate."""

    region: Region = "us-east-1"
    mode: Literal["realtime", "batch", "auto"] = "auto"
    parallel_data_name: Annotated[str, StringConstraints(pattern=_AWS_NAME, max_length=256)] | None = None
    terminology_names: Annotated[
        list[Annotated[str, StringConstraints(pattern=_AWS_NAME, max_length=256)]], Field(max_length=1)
    ] = Field(default_factory=list)
    s3_bucket: Annotated[str, StringConstraints(pattern=_BUCKET)] | None = None
    s3_prefix: str = "amts/"
    data_access_role_arn: Annotated[str, StringConstraints(pattern=_ROLE_ARN)] | None = None
    price_standard_per_million: Annotated[float, Field(ge=0)] = 15.0
    price_act_per_million: Annotated[float, Field(ge=0)] = 60.0


class BedrockEngine(_Model):
    """An LLM on Amazon Bedrock (Converse API) with retrieved example pairs (in-context ACT)."""

    model_id: NonEmpty
    region: Region = "us-east-1"


class OpenAIEngine(_Model):
    """Any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, …). The key is read from the
    environment variable named ``api_key_env`` by the shell, never stored here."""

    base_url: Annotated[str, StringConstraints(pattern=_URL)]
    model: NonEmpty
    api_key_env: EnvName = "OPENAI_API_KEY"


class Engines(_Model):
    aws: AwsEngine | None = None
    bedrock: BedrockEngine | None = None
    openai: OpenAIEngine | None = None


class GitHub(_Model):
    """The GitHub App AMTS acts as. ``trusted_permission`` is the lowest repository permission a
    commenter needs for ``/amts`` commands (ranked read < triage < write < maintain < admin)."""

    api_url: Annotated[str, StringConstraints(pattern=_URL)] = "https://api.github.com"
    app_id_env: EnvName = "AMTS_APP_ID"
    private_key_env: EnvName = "AMTS_PRIVATE_KEY"
    webhook_secret_env: EnvName = "AMTS_WEBHOOK_SECRET"
    branch: NonEmpty = "amts/sync"
    command_prefix: NonEmpty = "/amts"
    trusted_permission: Permission = "write"


class Config(_Model):
    version: Literal[1] = 1
    upstream: Upstream = Field(default_factory=Upstream)
    editions: Annotated[dict[Annotated[str, StringConstraints(pattern=_LANG)], Edition], Field(min_length=1)]
    engines: Engines = Field(default_factory=Engines)
    github: GitHub = Field(default_factory=GitHub)

    def edition(self, name: str) -> Edition:
        """The edition called ``name``, or a ``ConfigError`` naming the ones that exist."""
        try:
            return self.editions[name]
        except KeyError:
            known = ", ".join(self.editions)
            raise ConfigError(f"no edition {name!r} in the config (editions: {known})") from None


class ConfigError(Exception):
    """The configuration cannot be used. The message lists every mistake, one per line."""

    def __init__(self, message: str, mistakes: list[str] | None = None) -> None:
        super().__init__(message)
        self.mistakes = mistakes if mistakes is not None else [message]


# --------------------------------------------------------------------------------------------------
# Loading


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML would silently keep the last one)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | Path) -> Config:
    """Read and validate a config file. Raises ``ConfigError`` (never a traceback-worthy error)."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: no such config file (start from config/amts.yml in the AMTS repository)")
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, expected a YAML config file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 (invalid byte at offset {e.start})") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror})") from None
    return parse_config(text, source=str(path))


def parse_config(text: str, source: str = "<config>") -> Config:
    """Validate config text; ``source`` names it in messages (a path, or ``<config>``)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = e.problem or e.context or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{source}: YAML syntax error: {e}") from None
    if data is None:
        raise ConfigError(f"{source}: the config is empty (it needs at least an 'editions' section)")
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: the config must be a mapping of sections, got {_type_name(data)}")
    try:
        config = Config.model_validate(data)
    except ValidationError as e:
        mistakes = [(tuple(err["loc"]), _message(err)) for err in e.errors()]
        raise _error(source, root, mistakes) from None
    mistakes = _cross_checks(config)
    if mistakes:
        raise _error(source, root, mistakes)
    return config


def _cross_checks(config: Config) -> list[tuple[tuple[Any, ...], str]]:
    """Mistakes that involve more than one key."""
    out: list[tuple[tuple[Any, ...], str]] = []
    repos: dict[str, str] = {}
    for name, ed in config.editions.items():
        loc = ("editions", name)
        if ed.engine != "tm" and getattr(config.engines, ed.engine) is None:
            out.append((loc + ("engine",),
                        f"uses engine {ed.engine!r} but engines.{ed.engine} is not configured"))
        if ed.needs_init and ed.init_from is None:
            out.append((loc + ("init_from",), "is required when needs_init is true (the upstream revision "
                        "the translation followed, e.g. v0.16.0)"))
        if ed.init_from is not None and not ed.needs_init:
            out.append((loc + ("init_from",), "only makes sense with needs_init: true"))
        if ed.repo in repos:
            out.append((loc + ("repo",), f"{ed.repo} is already the repo of edition {repos[ed.repo]!r}"))
        repos.setdefault(ed.repo, name)
        if ed.repo == config.upstream.repo:
            out.append((loc + ("repo",), "is the upstream repository itself"))
    aws = config.engines.aws
    if aws is not None:
        batch = aws.mode == "batch" or (aws.mode == "auto" and aws.parallel_data_name is not None)
        if aws.mode == "realtime" and aws.parallel_data_name is not None:
            out.append((("engines", "aws", "parallel_data_name"),
                        "parallel data (Active Custom Translation) works only in batch jobs; "
                        "set mode: batch or auto"))
        if batch:
            for key in ("s3_bucket", "data_access_role_arn"):
                if getattr(aws, key) is None:
                    out.append((("engines", "aws", key), "is required for batch jobs (mode: batch, or auto "
                                "with parallel_data_name)"))
    return out


# --------------------------------------------------------------------------------------------------
# Messages


def _error(source: str, root: Node | None, mistakes: list[tuple[tuple[Any, ...], str]]) -> ConfigError:
    lines = []
    for loc, msg in mistakes:
        line = _line_of(root, loc)
        where = f"{source}:{line}" if line else source
        dotted = _dotted(loc)
        lines.append(f"{where}: {dotted}: {msg}" if dotted else f"{where}: {msg}")
    if len(lines) == 1:
        return ConfigError(lines[0], lines)
    head = f"{source} has {len(lines)} mistakes:"
    return ConfigError("\n".join([head, *("  " + ln for ln in lines)]), lines)


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(root: Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML key (or item) at ``loc``; the nearest existing parent when it is
    missing."""
    if root is None:
        return None
    node: Node = root
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", int: "an integer", float: "a number",
            bool: "true/false", type(None): "nothing (null)"}.get(type(value), type(value).__name__)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class whose keys live at ``loc`` (for listing the allowed keys)."""
    model: Any = Config
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        ann = model.model_fields[part].annotation
        model = _unwrap(ann)
        if model is dict:
            if not parts:
                return None
            parts.pop(0)  # the mapping key, e.g. an edition name
            model = _unwrap(_dict_value(ann))
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(ann: Any) -> Any:
    args = getattr(ann, "__args__", None)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    origin = getattr(ann, "__origin__", None)
    if origin is dict:
        return dict
    if args:
        for a in args:
            if isinstance(a, type) and issubclass(a, BaseModel):
                return a
            if getattr(a, "__origin__", None) is dict:
                return dict
    return ann


def _dict_value(ann: Any) -> Any:
    if getattr(ann, "__origin__", None) is dict:
        return ann.__args__[1]
    for a in getattr(ann, "__args__", ()) or ():
        if getattr(a, "__origin__", None) is dict:
            return a.__args__[1]
    return None


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(err: Any) -> str:
    """One pydantic error as a short instruction."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    loc = tuple(err["loc"])
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}" if allowed else ""
        return f"unknown key ({hint})" if hint else "unknown key"
    if kind == "missing":
        return "is required but missing"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'|(\d+)", str(ctx.get("expected", "")))
        names = [a or b for a, b in choices]
        return f"must be one of {', '.join(names)} (got {_got(value)})"
    if kind == "string_pattern_mismatch":
        help_ = _PATTERN_HELP.get(str(ctx.get("pattern")), f"match {ctx.get('pattern')}")
        subject = "the name must be" if loc and loc[-1] == "[key]" else "must be"
        return f"{subject} {help_} (got {_got(value)})"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"]))
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    if "[key]" in loc:
        return f"key {_got(loc[-2])}: {_must(err['msg'])}"
    return f"{_must(err['msg'])} (got {_got(value)})"


def _must(msg: str) -> str:
    msg = msg.replace("Input should be", "must be").replace("Input should have", "must have")
    msg = msg.replace("List should have", "must have").replace("Dictionary should have", "must have")
    msg = msg.replace("String should have", "must have").replace("String should match", "must match")
    return msg[0].lower() + msg[1:] if msg else msg
