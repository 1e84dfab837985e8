"""Reading markdown files with one clear message per way they can be unreadable."""

from __future__ import annotations

from pathlib import Path

from bot.markdown.blocks import Document, MarkdownError, parse
from bot.markdown.limits import TooLargeError, check_limits


class InputError(Exception):
    """A file the user pointed at cannot be used; the message says which and why."""


def read_text(path: Path | str) -> str:
    """UTF-8 text of a markdown file, or ``InputError`` (missing, directory, binary, not UTF-8, empty)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a markdown file")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from e
    if b"\x00" in data:
        raise InputError(f"{path}: binary file (contains NUL bytes), expected UTF-8 markdown")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 (invalid byte at offset {e.start})") from e
    if not text.strip():
        raise InputError(f"{path}: empty file")
    try:
        check_limits(text)
    except TooLargeError as e:
        raise InputError(f"{path}: {e.reason}") from None
    return text


def read_document(path: Path | str) -> Document:
    """Parsed document of a file; broken markdown becomes an ``InputError`` naming file and line."""
    text = read_text(path)
    try:
        return parse(text)
    except MarkdownError as e:
        raise InputError(f"{path}:{e.line}: {e.reason}") from e
