"""``/amts`` comment commands: a strict parser (pure) and the help text.

Only the first line of a comment is read, so a reviewer can explain the request below it::

    /amts retranslate chapter_x/y.md#12 engine=aws
    The second sentence lost its meaning in the last sync.

Strict means: an unknown sub-command, a missing or extra argument, a malformed block id or an unknown
engine is reported back with the reason and the usage line, never guessed at. Block ids are the ones
the PR body shows, ``<edition path>#<index of the block in the new English>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ENGINE_NAMES = ("tm", "aws", "bedrock", "openai")
MAX_BLOCK = 100_000
_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*\.md$")

_USAGE = {
    "retranslate": "retranslate <path>[#<block>] [engine=<name>]",
    "keep": "keep <path>#<block>",
    "status": "status",
    "help": "help",
}


@dataclass(frozen=True)
class Retranslate:
    """Translate the block (or, without one, every prose block of the file) again, in a new commit."""

    path: str
    block: int | None = None
    engine: str | None = None


@dataclass(frozen=True)
class Keep:
    """Accept the human text: put back the block's translation from before the sync, in a new commit."""

    path: str
    block: int


@dataclass(frozen=True)
class Status:
    """Refresh the status comment and reply with it."""


@dataclass(frozen=True)
class Help:
    """Reply with the command list."""


@dataclass(frozen=True)
class Invalid:
    """A comment addressed to AMTS that is not a valid command; ``reason`` says why."""

    reason: str
    command: str = ""  # the sub-command whose usage line helps, if any

    def usage(self, prefix: str = "/amts") -> str:
        return usage_line(self.command, prefix) if self.command else ""


Command = Retranslate | Keep | Status | Help | Invalid


def usage_line(command: str, prefix: str = "/amts") -> str:
    return f"`{prefix} {_USAGE[command]}`"


def help_text(prefix: str = "/amts") -> str:
    p = prefix
    return "\n".join([
        "**AMTS commands** (first line of a comment on this pull request; needs write permission):",
        "",
        f"- `{p} retranslate <path>[#<block>] [engine=<name>]` — translate the block again (without "
        "`#<block>`: every prose block of the file) and push a new commit. Engines: "
        + ", ".join(f"`{e}`" for e in ENGINE_NAMES) + ".",
        f"- `{p} keep <path>#<block>` — accept the human text: restore the translation the block had "
        "before this sync, in a new commit (its English stays the new one).",
        f"- `{p} status` — refresh the status comment and show it.",
        f"- `{p} help` — this list.",
        "",
        "Block ids are the `path#N` shown in the pull request description (N = index of the block in the "
        "new English file).",
    ])


def first_line(body: str | None) -> str:
    return (body or "").replace("\r\n", "\n").split("\n", 1)[0].strip()


def is_command(body: str | None, prefix: str = "/amts") -> bool:
    """Does the comment address AMTS at all (its first line starts with the prefix as a word)?"""
    words = first_line(body).split()
    return bool(words) and words[0] == prefix


def parse_command(body: str | None, prefix: str = "/amts") -> Command | None:
    """The command in the first line of ``body``; ``None`` when the comment does not address AMTS."""
    words = first_line(body).split()
    if not words or words[0] != prefix:
        return None
    if len(words) == 1:
        return Help()
    name, args = words[1], words[2:]
    if name == "help":
        return Help() if not args else _extra(name, args)
    if name == "status":
        return Status() if not args else _extra(name, args)
    if name == "retranslate":
        return _retranslate(args)
    if name == "keep":
        return _keep(args)
    return Invalid(f"unknown command `{_clip(name)}`")


def _retranslate(args: list[str]) -> Command:
    usage = "retranslate"
    targets = [a for a in args if "=" not in a]
    options = [a for a in args if "=" in a]
    if len(targets) != 1:
        what = "a file path" if not targets else f"one path, got {len(targets)}"
        return Invalid(f"`retranslate` needs {what}", usage)
    engine = None
    for opt in options:
        key, _, value = opt.partition("=")
        if key != "engine":
            return Invalid(f"unknown option `{_clip(key)}` (only `engine=<name>`)", usage)
        if engine is not None:
            return Invalid("`engine=` given twice", usage)
        if value not in ENGINE_NAMES:
            return Invalid(f"unknown engine `{_clip(value)}`; choose one of {', '.join(ENGINE_NAMES)}", usage)
        engine = value
    parsed = _target(targets[0], block_required=False)
    if isinstance(parsed, Invalid):
        return Invalid(parsed.reason, usage)
    return Retranslate(parsed[0], parsed[1], engine)


def _keep(args: list[str]) -> Command:
    usage = "keep"
    if len(args) != 1:
        return Invalid(f"`keep` needs exactly one block id like `path.md#12`, got {len(args)} arguments", usage)
    parsed = _target(args[0], block_required=True)
    if isinstance(parsed, Invalid):
        return Invalid(parsed.reason, usage)
    path, block = parsed
    assert block is not None
    return Keep(path, block)


def _target(text: str, block_required: bool) -> tuple[str, int | None] | Invalid:
    path, sep, block = text.partition("#")
    if not _PATH.match(path) or ".." in path.split("/") or "//" in path:
        return Invalid(f"`{_clip(path)}` is not a markdown path inside the repository (like `chapter_x/y.md`)")
    if not sep:
        return Invalid(f"`{_clip(text)}` has no block id; write `{_clip(path)}#<block>`") if block_required \
            else (path, None)
    if not block.isascii() or not block.isdigit() or (len(block) > 1 and block[0] == "0"):
        return Invalid(f"block id `#{_clip(block)}` must be a block number like `#12`")
    number = int(block)
    if number > MAX_BLOCK:
        return Invalid(f"block id `#{number}` is out of range")
    return path, number


def _extra(name: str, args: list[str]) -> Invalid:
    return Invalid(f"`{name}` takes no arguments (got `{_clip(' '.join(args))}`)", name)


def _clip(text: str, n: int = 60) -> str:
    text = text.replace("`", "'")
    return text if len(text) <= n else text[: n - 1] + "…"
